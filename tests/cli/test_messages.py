"""The messages as a user reads them through `sp-sim`: one spelling (IdP-initiated), no
Entra-only claims on a failure any IdP can cause, instants in `Z`, the doctor's
predictions in words, and a cut-short base64 paste told to copy it again."""

from __future__ import annotations

from pathlib import Path

from sp_sim.core.codes import Code
from sp_sim.support.prediction import PREDICTS, predicted
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
