"""Regenerate the test keys in idp_fixtures/keys/. TEST ONLY: these private keys are public.

Run from the repository root: `.venv/bin/python idp_fixtures/make_keys.py`. The tests pin
their instant at 2026-06-01T12:00:00Z; the validity windows below are chosen around it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sp_sim.core.keys import SigningKey

KEYS = Path(__file__).parent / "keys"
THREE_YEARS = timedelta(days=3 * 365)

SPECS = {
    # name: (common name, not before, lifetime)
    "entra-active": (
        "Microsoft Azure Federated SSO Certificate",
        datetime(2025, 1, 1, tzinfo=UTC),
        THREE_YEARS,
    ),
    "entra-rollover": (
        "Microsoft Azure Federated SSO Certificate",
        datetime(2025, 6, 1, tzinfo=UTC),
        THREE_YEARS,
    ),
    "attacker": (
        "Microsoft Azure Federated SSO Certificate",
        datetime(2025, 1, 1, tzinfo=UTC),
        THREE_YEARS,
    ),
    "expiring": (
        "Microsoft Azure Federated SSO Certificate",
        datetime(2023, 7, 2, tzinfo=UTC),
        THREE_YEARS,
    ),
    "expired": (
        "Microsoft Azure Federated SSO Certificate",
        datetime(2022, 12, 1, tzinfo=UTC),
        THREE_YEARS,
    ),
    "sp-encryption": (
        "sp-sim token encryption (test)",
        datetime(2025, 1, 1, tzinfo=UTC),
        THREE_YEARS,
    ),
}

if __name__ == "__main__":
    KEYS.mkdir(exist_ok=True)
    for name, (common_name, start, lifetime) in SPECS.items():
        SigningKey.generate(common_name, start, lifetime).save(
            KEYS / f"{name}.key", KEYS / f"{name}.pem"
        )
        print("wrote", name)
