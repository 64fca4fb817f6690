"""The tenant TOML: the demo file loads, every region derives its URLs, and an invalid file
gets an error that names the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from sp_sim.core.mimecast import REGIONS, region_for_account
from sp_sim.errors import ConfigError
from sp_sim.tenant import load_tenant
from sp_sim.tenant.config import tenant_to_toml
from tests.helpers import FIXTURES

DEMO = Path(str(resources.files("sp_sim") / "demo" / "tenant.toml"))


def test_demo_tenant_loads() -> None:
    tenant = load_tenant(DEMO)
    assert tenant.account.entity_id == "https://us-api.mimecast.com/sso/CUSA1A1"
    assert tenant.account.acs_url == "https://us-api.mimecast.com/login/saml"
    profile = tenant.profile()
    assert profile.certificates
    assert profile.requested_contexts == ()
    assert tenant.directory.find("b.simon@CONTOSO.com") is not None
    settings = tenant.check_settings()
    assert settings.profile is not None
    assert settings.profile.name == "Entra ID SSO"


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_region_derives_its_urls(region: str, tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f'[account]\ncode = "C1"\nregion = "{region}"\n[[profiles]]\nname = "p"\n')
    account = load_tenant(path).account
    assert account.entity_id == f"https://{REGIONS[region].host}/sso/C1"
    assert account.acs_url == f"https://{REGIONS[region].host}/login/saml"


def test_account_prefix_gives_the_region() -> None:
    assert region_for_account("CUSA1A1") is REGIONS["us"]
    assert region_for_account("CUSB22") is REGIONS["usb"]
    assert region_for_account("CUK123") is REGIONS["eu"]
    assert region_for_account("XYZ") is None


def test_metadata_file_fills_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    metadata = FIXTURES / "entra-captures" / "federationmetadata-2f277f1e.xml"
    path.write_text(
        f'[account]\ncode = "CUK1"\nregion = "eu"\n[[profiles]]\nname = "p"\n'
        f'idp_metadata_file = "{metadata}"\n'
    )
    profile = load_tenant(path).profile()
    assert profile.issuer_url == "https://sts.windows.net/2f277f1e-e5f1-4f62-b595-79c2d13afda4/"
    assert profile.login_url
    assert profile.login_url.endswith("/saml2")
    assert profile.certificates


def test_context_checkboxes_request_contexts(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        '[account]\ncode = "C1"\nregion = "us"\n[[profiles]]\nname = "p"\n'
        "use_password_protected_context = true\n"
        "use_integrated_authentication_context = true\n"
    )
    assert len(load_tenant(path).profile().requested_contexts) == 2


def test_unsigned_logout_is_refused_unless_the_profile_allows_it(tmp_path: Path) -> None:
    assert load_tenant(DEMO).profile().allow_unsigned_logout is False
    path = tmp_path / "t.toml"
    path.write_text(BASE + "allow_unsigned_logout = true\n")
    tenant = load_tenant(path)
    assert tenant.profile().allow_unsigned_logout is True
    again = tmp_path / "again.toml"
    again.write_text(tenant_to_toml(tenant))
    assert load_tenant(again).profile().allow_unsigned_logout is True


BASE = '[account]\ncode = "CUSA1"\nregion = "us"\n[[profiles]]\nname = "p"\n'


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[account]\ncode = "CUSA1"\n[[profiles]]\nname = "p"\n', "account.region"),
        ('[account]\ncode = "cusa1"\nregion = "us"\n[[profiles]]\nname = "p"\n', "account.code"),
        ('[account]\ncode = "C1"\nregion = "mars"\n[[profiles]]\nname = "p"\n', "account.region"),
        ('[account]\ncode = "C1"\nregion = "us"\n', "profiles"),
        (BASE + "issuer_url = 3\n", "profiles[0].issuer_url"),
        (BASE + "isuer_url = 'x'\n", "profiles[0].isuer_url"),
        (BASE + "idp_certificates = ['not a cert']\n", "profiles[0].idp_certificates[0]"),
        (
            BASE + "idp_certificate_files = ['missing.pem']\n",
            "profiles[0].idp_certificate_files[0]",
        ),
        (BASE + "enforce_saml_for = ['webmail']\n", "profiles[0].enforce_saml_for"),
        (BASE + "[directory]\ndomains = 'contoso.com'\n", "directory.domains"),
        (
            BASE + "[[directory.addresses]]\nemail = 'a@b.c'\nprofile = 'q'\n",
            "directory.addresses[0].profile",
        ),
        (BASE + "[[directory.addresses]]\nemail = 'nobody'\n", "directory.addresses[0].email"),
        (
            BASE + "[[directory.addresses]]\nemail = 'a@b.c'\napplication = 'x'\n",
            "directory.addresses[0].application",
        ),
        (BASE + "[checks]\nclock_skew_seconds = -1\n", "checks.clock_skew_seconds"),
        (BASE + "allow_unsigned_logout = 'maybe'\n", "profiles[0].allow_unsigned_logout"),
        ("this is = not toml =", "not valid TOML"),
    ],
)
def test_invalid_file_names_the_key(body: str, key: str, tmp_path: Path) -> None:
    path = tmp_path / "tenant.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as raised:
        load_tenant(path)
    assert key in str(raised.value)
    assert str(path) in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_tenant(tmp_path / "absent.toml")
