"""Shared test fixtures: the pre-generated keys in idp_fixtures/, a pinned instant, and a
way to mint Entra-shaped responses and judge them against the demo-like tenant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sp_sim.core import CheckSettings, Report, check_response
from sp_sim.core.keys import SigningKey
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.settings import Address, Directory
from sp_sim.idp.faults import Fault
from sp_sim.idp.mint import Token, mint_response_element
from sp_sim.tenant import Account, AuthenticationProfile, Tenant

FIXTURES = Path(__file__).parent / "idp_fixtures"
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
TENANT_ID = "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90"
ISSUER = f"https://sts.windows.net/{TENANT_ID}/"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


def load_key(name: str) -> SigningKey:
    return SigningKey.load(FIXTURES / "keys" / f"{name}.key", FIXTURES / "keys" / f"{name}.pem")


@pytest.fixture(scope="session")
def sp_keys() -> dict[str, SigningKey]:
    """Every pre-generated key, by name (entra-active, attacker, expired, …)."""
    return {p.stem: load_key(p.stem) for p in (FIXTURES / "keys").glob("*.key")}


@pytest.fixture(scope="session")
def sp_tenant(sp_keys: dict[str, SigningKey]) -> Tenant:
    """A US account CUSA1A1 whose profile trusts the entra-active key."""
    profile = AuthenticationProfile(
        name="Entra ID SSO",
        issuer_url=ISSUER,
        login_url=f"https://login.microsoftonline.com/{TENANT_ID}/saml2",
        certificates=(sp_keys["entra-active"].certificate,),
    )
    return Tenant(
        account=Account("CUSA1A1", REGIONS["us"]),
        profiles=(profile,),
        directory=Directory(
            domains=frozenset({"contoso.com"}),
            addresses=(
                Address("B.Simon@contoso.com", "B.Simon", "Entra ID SSO", "personal_portal"),
            ),
        ),
    )


@pytest.fixture
def sp_token(sp_tenant: Tenant) -> Token:
    """The token Entra would send for B.Simon, IdP-initiated, at NOW."""
    return Token(
        issuer=ISSUER,
        audience=sp_tenant.account.entity_id,
        recipient=sp_tenant.account.acs_url,
        name_id="B.Simon@contoso.com",
        issue_instant=NOW,
        attributes=(
            (f"{CLAIMS}name", ("bsimon@contoso.onmicrosoft.com",)),
            (f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)),
        ),
    )


Judge = Callable[..., Report]


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
