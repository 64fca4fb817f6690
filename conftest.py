"""Shared test fixtures (helpers live in tests/helpers): the test keys, the demo-like
tenant, an Entra-shaped token, and a way to mint responses and judge them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from lxml import etree

from sp_sim.core import CheckSettings, Report, check_response
from sp_sim.core.keys import SigningKey
from sp_sim.idp.faults import Fault
from sp_sim.idp.mint import Token, mint_response_element
from sp_sim.tenant import Tenant
from tests.helpers import (  # re-exported for modules that still import them from here
    CLAIMS,
    FIXTURES,
    ISSUER,
    NOW,
    TENANT_ID,
    Judge,
    demo_like_tenant,
    entra_token,
    load_key,
)

__all__ = ["CLAIMS", "FIXTURES", "ISSUER", "NOW", "TENANT_ID", "Judge", "load_key"]


@pytest.fixture(scope="session")
def sp_keys() -> dict[str, SigningKey]:
    """Every pre-generated key, by name (entra-active, attacker, expired, …)."""
    return {p.stem: load_key(p.stem) for p in (FIXTURES / "keys").glob("*.key")}


@pytest.fixture(scope="session")
def sp_tenant() -> Tenant:
    """A US account CUSA1A1 whose profile trusts the entra-active key."""
    return demo_like_tenant()


@pytest.fixture
def sp_token(sp_tenant: Tenant) -> Token:
    """The token Entra would send for B.Simon, IdP-initiated, at NOW."""
    return entra_token(sp_tenant)


@pytest.fixture
def sp_judge(sp_tenant: Tenant, sp_token: Token, sp_keys: dict[str, SigningKey]) -> Judge:
    """judge(token=…, settings=…, key=…, fault=…, now=…, before_signing=…) → Report."""

    def judge(
        token: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        key: str = "entra-active",
        fault: Fault | None = None,
        now: datetime = NOW,
        before_signing: Callable[[etree._Element], None] | None = None,
    ) -> Report:
        minted = mint_response_element(
            replace(sp_token, **(token or {})), sp_keys[key], before_signing
        )
        data = etree.tostring(minted) if fault is None else fault(minted)
        base = sp_tenant.check_settings()
        return check_response(data, replace(base, **(settings or {})), now)

    return judge


@pytest.fixture
def sp_settings(sp_tenant: Tenant) -> CheckSettings:
    return sp_tenant.check_settings()
