"""The messages as a user reads them through `sp-sim`: one spelling (IdP-initiated), no
Entra-only claims on a failure any IdP can cause, Entra's portal words only for a profile
whose provider is Entra (`--provider` sets it), instants in `Z`, the doctor's predictions
in words, and a cut-short base64 paste told to copy it again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sp_sim.core.checks.nameid import TRANSIENT_FORMAT
from sp_sim.core.codes import Code
from sp_sim.idp.mint import mint_response
from sp_sim.support.prediction import PREDICTS, predicted
from tests.helpers import FIXTURES, ISSUER, NOW, demo_like_tenant, entra_token, load_key
from tests.helpers.commands import run

DEMO = Path(__file__).resolve().parents[2] / "sp_sim" / "demo"
TENANT, RESPONSE = str(DEMO / "tenant.toml"), str(DEMO / "response.xml")
AT = "2026-11-22T10:00:30Z"


def test_an_audience_failure_makes_no_entra_only_claim() -> None:
    result = run(
        "check", RESPONSE, "--tenant", TENANT, "--at", AT,
        "--entity-id", "https://eu-api.mimecast.com/sso/CUSA1A1",
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAIL  audience." in result.stdout
    assert "issues the token anyway" not in result.stdout
    assert "IdP-initiated" in result.stdout
    assert "IDP-initiated" not in result.stdout
    assert "+00:00" not in result.stdout


def test_a_cut_short_base64_paste_is_told_to_copy_it_again(tmp_path: Path) -> None:
    paste = tmp_path / "saml.b64"
    paste.write_text("PHNhbWxwOlJlc3BvbnNlP\n")  # 21 characters
    result = run("check", str(paste), "--tenant", TENANT)
    assert result.returncode == 1
    assert "not a multiple of 4" in result.stdout
    assert "copy the whole SAMLResponse value again" in result.stdout
    assert "HTTP-POST binding" not in result.stdout.split("fix")[1]


def test_the_doctor_words_what_it_predicts() -> None:
    said = {code: predicted(code, "It is so.", None, None, None).message for code in PREDICTS}
    assert said[Code.DOCTOR_SIGN_ON_URL_SET] == (
        "It is so. Predicts: Mimecast's error page, which says it can't validate your identity."
    )
    assert said[Code.DOCTOR_REPLY_URL_MISSING].endswith(
        "Predicts: Entra refuses the sign-in with AADSTS50011."
    )
    assert said[Code.DOCTOR_ISSUER_MISMATCH].endswith("Predicts: the issuer.* checks fail.")


def _simplesamlphp_case(tmp_path: Path, provider: str) -> tuple[Path, Path]:
    """A tenant file whose profile names `provider`, and a genuinely signed response with
    a transient NameID (what SimpleSAMLphp sends when asked for a pseudonym)."""
    tenant = tmp_path / "tenant.toml"
    tenant.write_text(
        '[account]\ncode = "CUSA1A1"\nregion = "us"\n[[profiles]]\nname = "SSO"\n'
        f'provider = "{provider}"\nissuer_url = "{ISSUER}"\n'
        f'idp_certificate_files = ["{FIXTURES / "keys" / "entra-active.pem"}"]\n'
        '[directory]\ndomains = ["contoso.com"]\n[[directory.addresses]]\n'
        'email = "B.Simon@contoso.com"\nprofile = "SSO"\napplication = "personal_portal"\n'
    )
    token = replace(
        entra_token(demo_like_tenant()), name_id="_9c1d2a7e5f", name_id_format=TRANSIENT_FORMAT
    )
    response = tmp_path / "response.xml"
    response.write_bytes(mint_response(token, load_key("entra-active")))
    return tenant, response


def test_a_simplesamlphp_profile_is_told_of_the_idp_not_of_entra(tmp_path: Path) -> None:
    tenant, response = _simplesamlphp_case(tmp_path, "SimpleSAMLphp")
    at = ["--at", NOW.isoformat(), "--color", "never"]
    other = run("check", str(response), "--tenant", str(tenant), *at)
    assert other.returncode == 1
    assert "FAIL  nameid.opaque-id" in other.stdout
    assert "fix       IdP › NameID" in other.stdout
    for entra_only in ("Entra", "pairwise", "user.mail", "Unique User Identifier", "My Apps"):
        assert entra_only not in other.stdout, entra_only
    as_json = run("check", str(response), "--tenant", str(tenant), *at, "--format", "json")
    finding = next(
        f for f in json.loads(as_json.stdout)["findings"] if f["code"] == "nameid.opaque-id"
    )
    assert finding["hint"]["side"] == "IdP"
    # the same message for the same profile, its provider said to be Entra on the command line
    entra = run("check", str(response), "--tenant", str(tenant), *at, "--provider", "Azure AD")
    assert entra.returncode == 1
    assert "pairwise ID" in entra.stdout
    assert "fix       Entra app › Attributes & Claims › Unique User Identifier" in entra.stdout
    assert "choose user.mail" in entra.stdout


def test_a_check_from_flags_alone_speaks_of_the_idp(tmp_path: Path) -> None:
    """No tenant: the provider is unknown, so no Entra portal words (--provider adds them)."""
    flags = [
        "--entity-id", "https://eu-api.mimecast.com/sso/CUSA1A1",
        "--acs-url", "https://us-api.mimecast.com/login/saml",
        "--idp-cert", str(DEMO / "demo-idp-signing.pem"),
        "--at", AT, "--color", "never",
    ]  # fmt: skip
    neutral = run("check", RESPONSE, *flags)
    assert neutral.returncode == 1
    assert "FAIL  audience.wrong-region" in neutral.stdout
    assert "fix       IdP › this SP's entity ID" in neutral.stdout
    assert "Entra" not in neutral.stdout
    entra = run("check", RESPONSE, *flags, "--provider", "Microsoft Entra ID")
    assert "fix       Entra app › Basic SAML Configuration › Identifier" in entra.stdout
