"""Shared test helpers (not fixtures: those live in conftest.py files): the pinned instant,
the test keys in idp_fixtures/, the demo-like tenant and Entra-shaped tokens. Test modules
import from here, never from another test module or a conftest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sp_sim.core import Report
from sp_sim.core.keys import SigningKey
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.settings import Address, Directory
from sp_sim.idp.mint import Token
from sp_sim.tenant import Account, AuthenticationProfile, Tenant

FIXTURES = Path(__file__).resolve().parents[2] / "idp_fixtures"
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
TENANT_ID = "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90"
ISSUER = f"https://sts.windows.net/{TENANT_ID}/"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"

Judge = Callable[..., Report]


def load_key(name: str) -> SigningKey:
    """One of the pre-generated test keys (entra-active, attacker, expired, …)."""
    return SigningKey.load(FIXTURES / "keys" / f"{name}.key", FIXTURES / "keys" / f"{name}.pem")


def demo_like_tenant(certificate_key: str = "entra-active") -> Tenant:
    """A US account CUSA1A1 whose profile trusts one test key; B.Simon in the directory."""
    profile = AuthenticationProfile(
        name="Entra ID SSO",
        issuer_url=ISSUER,
        login_url=f"https://login.microsoftonline.com/{TENANT_ID}/saml2",
        certificates=(load_key(certificate_key).certificate,),
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


def entra_token(tenant: Tenant) -> Token:
    """The token Entra would send for B.Simon, IdP-initiated, at NOW."""
    return Token(
        issuer=ISSUER,
        audience=tenant.account.entity_id,
        recipient=tenant.account.acs_url,
        name_id="B.Simon@contoso.com",
        issue_instant=NOW,
        attributes=(
            (f"{CLAIMS}name", ("bsimon@contoso.onmicrosoft.com",)),
            (f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)),
        ),
    )
