"""Regenerate the embedded demo: a DEMO-ONLY IdP key and a response signed with it.

Run from the repository root: `.venv/bin/python scripts/make_demo.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sp_sim.idp.keys import SigningKey

from sp_sim.cli import DEMO_INSTANT
from sp_sim.core.xml import parse_instant
from sp_sim.idp.mint import Token, mint_response
from sp_sim.tenant import load_tenant

DEMO = Path(__file__).resolve().parent.parent / "sp_sim" / "demo"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MS = "http://schemas.microsoft.com/identity/claims/"
TENANT_ID = "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90"

if __name__ == "__main__":
    key_path, cert_path = DEMO / "demo-idp-signing.key", DEMO / "demo-idp-signing.pem"
    if not key_path.exists():
        SigningKey.generate(not_before=datetime(2026, 1, 1, tzinfo=UTC)).save(key_path, cert_path)
    key = SigningKey.load(key_path, cert_path)
    tenant = load_tenant(DEMO / "tenant.toml")
    token = Token(
        issuer=f"https://sts.windows.net/{TENANT_ID}/",
        audience=tenant.account.entity_id,
        recipient=tenant.account.acs_url,
        name_id="B.Simon@contoso.com",
        issue_instant=parse_instant(DEMO_INSTANT).replace(second=0),
        attributes=(
            (f"{MS}tenantid", (TENANT_ID,)),
            (f"{MS}objectidentifier", ("5f2c8a6e-0b1d-4e7a-9c3f-8d6b2a1e4f70",)),
            (f"{CLAIMS}name", ("bsimon@contoso.onmicrosoft.com",)),
            (f"{CLAIMS}surname", ("Simon",)),
            (f"{CLAIMS}givenname", ("B.",)),
            (f"{MS}displayname", ("B.Simon",)),
            (f"{MS}identityprovider", (f"https://sts.windows.net/{TENANT_ID}/",)),
            (
                "http://schemas.microsoft.com/claims/authnmethodsreferences",
                ("http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",),
            ),
            (f"{CLAIMS}emailaddress", ("B.Simon@contoso.com",)),
        ),
    )
    (DEMO / "response.xml").write_bytes(mint_response(token, key))
    print("wrote", DEMO / "response.xml")
