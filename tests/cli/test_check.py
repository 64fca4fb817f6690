"""`sp-sim check` and `sp-sim demo`, run as a user runs them: the installed console script
in a subprocess. Exit 0 works, 1 fails, 2 unusable command line or settings."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sp_sim.core import Code
from sp_sim.core.keys import SigningKey
from sp_sim.idp.mint import Token, mint_response
from tests.helpers import FIXTURES, NOW
from tests.helpers.commands import run

DOW = FIXTURES / "entra-captures" / "az-dow-sap-20191015"
DOW_FLAGS = [
    "--entity-id",
    "https://us1.hana.ondemand.com/ba5916745",
    "--acs-url",
    "https://authn.us1.hana.ondemand.com/saml2/sp/acs/ba5916745/ba5916745",
    "--idp-issuer",
    "https://sts.windows.net/c3e32f53-cb7f-4809-968d-1cc4ccc785fe/",
    "--idp-cert",
    str(DOW / "signing-cert.pem"),
    "--at",
    "2019-10-15T19:36:50Z",
]


@pytest.fixture
def tenant_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(
        '[account]\ncode = "CUSA1A1"\nregion = "us"\n[[profiles]]\nname = "Entra ID SSO"\n'
        'issuer_url = "https://sts.windows.net/0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90/"\n'
        f'idp_certificate_files = ["{FIXTURES / "keys" / "entra-active.pem"}"]\n'
        '[directory]\ndomains = ["contoso.com"]\n[[directory.addresses]]\n'
        'email = "B.Simon@contoso.com"\nprofile = "Entra ID SSO"\napplication = "personal_portal"\n'
    )
    return path


@pytest.fixture
def minted(tmp_path: Path, sp_token: Token, sp_keys: dict[str, SigningKey]) -> Path:
    path = tmp_path / "response.xml"
    path.write_bytes(mint_response(sp_token, sp_keys["entra-active"]))
    return path


AT = ["--at", NOW.isoformat()]


def test_demo_would_work() -> None:
    result = run("demo")
    assert result.returncode == 0
    assert "WOULD WORK: would sign in as B.Simon@contoso.com" in result.stdout


def test_generic_sp_from_flags_only() -> None:
    result = run(
        "check",
        str(DOW / "response.xml"),
        *DOW_FLAGS,
        "--request-id",
        "S5a509dfc-25a9-404f-9715-999716173792-gPZHs9W6bHtRApDLP5p0pftaDceJ22YMO7FiDWlmbPs",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["verdict"] == "works"
    assert report["user"] == "UA04354"
    codes = {f["code"]: f["status"] for f in report["findings"]}
    assert codes["nameid.skipped"] == "skipped"  # no directory configured
    assert codes["subject.sp-initiated"] == "pass"


def test_tenant_file_and_json_findings(tenant_file: Path, minted: Path) -> None:
    result = run("check", str(minted), "--tenant", str(tenant_file), *AT, "--format", "json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["user"] == "B.Simon@contoso.com"
    for finding in report["findings"]:
        assert {"code", "status", "expected", "observed", "hint"} <= finding.keys()


def test_failing_response_exits_1_with_failures_first(tenant_file: Path, minted: Path) -> None:
    result = run(
        "check",
        str(minted),
        "--tenant",
        str(tenant_file),
        "--at",
        "2026-06-01T15:00:00Z",
        "--entity-id",
        "https://us-api.mimecast.com/sso/CUSA1A2",
    )
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("WOULD FAIL")
    body = result.stdout.split("\n\n", 1)[1]
    assert body.lstrip().startswith("FAIL")
    assert "\x1b[" not in result.stdout  # no colour when not a terminal
    assert "fix       Entra app" in result.stdout


def test_colour_on_request(tenant_file: Path, minted: Path) -> None:
    result = run("check", str(minted), "--tenant", str(tenant_file), *AT, "--color", "always")
    assert "\x1b[32" in result.stdout


@pytest.mark.parametrize("encoding", ["base64", "form"])
def test_stdin(encoding: str, tenant_file: Path, minted: Path) -> None:
    encoded = base64.b64encode(minted.read_bytes())
    data = encoded if encoding == "base64" else b"SAMLResponse=" + encoded + b"&RelayState=x"
    result = run("check", "-", "--tenant", str(tenant_file), *AT, stdin=data)
    assert result.returncode == 0, result.stdout


def test_clock_skew_flag(tenant_file: Path, minted: Path) -> None:
    # NotBefore is NOW - 5 min: at NOW - 6 min only a skew of a minute or more accepts it.
    at = ["--at", "2026-06-01T11:54:00Z"]
    assert run("check", str(minted), "--tenant", str(tenant_file), *at).returncode == 0
    assert (
        run(
            "check", str(minted), "--tenant", str(tenant_file), *at, "--clock-skew", "30"
        ).returncode
        == 1
    )


def test_idp_metadata_flag_sets_issuer_and_certificates() -> None:
    metadata = FIXTURES / "entra-captures" / "federationmetadata-2f277f1e.xml"
    result = run(
        "check",
        str(DOW / "response.xml"),
        "--idp-metadata",
        str(metadata),
        "--at",
        "2019-10-15T19:36:50Z",
        "--format",
        "json",
    )
    report = json.loads(result.stdout)
    codes = {f["code"] for f in report["findings"]}
    assert {"issuer.other-tenant", "signature.key-mismatch"} <= codes
    assert result.returncode == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<samlp:Response",
        b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]><x>&a;</x>",
        b"\x00\xff" * 100,
        b"SAMLResponse=****",
    ],
)
def test_hostile_or_malformed_response_is_judged_not_a_usage_error(
    content: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    result = run("check", str(path), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["verdict"] == "fails"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing.xml"], "cannot read"),
        (["check", "{response}", "--idp-cert", "{bad_cert}"], "--idp-cert"),
        (["check", "{response}", "--idp-cert", "missing.pem"], "cannot read"),
        (["check", "{response}", "--at", "yesterday"], "--at"),
        (["check", "{response}", "--tenant", "{bad_cert}"], "not valid TOML"),
        (["check", "{response}", "--tenant", "{tenant}", "--profile", "nope"], "--profile"),
        (["check", "{response}", "--profile", "p"], "--tenant"),
        (["check", "{response}", "--clock-skew", "-5"], "--clock-skew"),
        (["check", "{response}", "--format", "xml"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_unusable_command_line_exits_2(
    args: list[str], message: str, tmp_path: Path, tenant_file: Path, minted: Path
) -> None:
    bad_cert = tmp_path / "bad.pem"
    bad_cert.write_text("-----BEGIN CERTIFICATE-----\nnope\n")
    values = {"response": str(minted), "bad_cert": str(bad_cert), "tenant": str(tenant_file)}
    result = run(*[a.format(**values) for a in args])
    assert result.returncode == 2
    assert message in result.stderr


def test_codes_lists_the_catalogue() -> None:
    result = run("codes")
    assert result.returncode == 0
    assert all(code.value in result.stdout for code in Code)
