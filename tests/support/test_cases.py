"""Case bundles: created from a recorded capture and the customer's settings, re-run with
the same result at the pinned instant, exported with no personal data left, and run in
batch as a regression suite."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from sp_sim.errors import ConfigError
from sp_sim.support.batch import run_batch, summary_table
from sp_sim.support.capture import to_har
from sp_sim.support.case import create_case, export_case, load_manifest, run_case
from sp_sim.tenant import load_tenant
from tests.helpers.commands import run
from tests.helpers.server import DEMO_TENANT, Running, Start
from tests.helpers.support import four_sign_ins, service_principal

USER = "B.Simon@contoso.com"


async def _recorded(sp_start: Start, tmp_path: Path) -> tuple[Running, Path]:
    running = await sp_start()
    await four_sign_ins(running)
    har = tmp_path / "customer.har"
    har.write_text(json.dumps(to_har(running.flows.recorder)))
    return running, har


async def test_case_is_created_and_re_runs_with_the_same_result(
    sp_start: Start, tmp_path: Path
) -> None:
    _, har = await _recorded(sp_start, tmp_path)
    folder = tmp_path / "case-1"
    first = create_case(folder, DEMO_TENANT, evidence=har)
    assert [s.works for s in first.sign_ins] == [True, False, False, True]
    assert (folder / "inputs" / "tenant.toml").exists()
    assert (folder / "report.json").exists()
    assert load_manifest(folder).instant == min(
        s.response.at for s in first.sign_ins if s.response and s.response.at
    )
    again = run_case(folder)
    assert again.to_dict() == first.to_dict()
    result = run("case", "run", str(folder), "--check")
    assert result.returncode == 0, result.stdout
    with pytest.raises(ConfigError, match="not empty"):
        create_case(folder, DEMO_TENANT, evidence=har)


def _personal_values(running: Running, har: Path) -> set[str]:
    """Every email, name, IP and cookie value the inputs hold."""
    tenant = load_tenant(DEMO_TENANT)
    values = {a.email for a in tenant.directory.addresses}
    values |= {a.global_name for a in tenant.directory.addresses if a.global_name}
    for user in running.idp.users:
        values |= {user.upn, user.display_name, user.object_id, *([user.mail] if user.mail else [])}
    values |= {"contoso.com", "contoso.onmicrosoft.com", "127.0.0.1", running.idp.tenant_id}
    values |= {app.app_id for app in running.idp.apps}
    document = json.loads(har.read_text())
    for entry in document["log"]["entries"]:
        for header in entry["response"]["headers"]:
            if header["name"].lower() == "set-cookie":
                # a deleted cookie's value is "" (quoted): nothing to redact
                values.add(header["value"].split(";")[0].split("=", 1)[1].strip('"'))
    return {v for v in values if v}


def _everything_readable(folder: Path) -> str:
    """All text of a bundle, with every SAML message inside a capture decoded too."""
    texts = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        texts.append(text)
        if path.suffix not in (".har", ".json"):
            continue
        for entry in json.loads(text).get("log", {}).get("entries", []):
            request = entry["request"]
            pairs = parse_qsl(urlsplit(request["url"]).query) + [
                (p["name"], p["value"]) for p in (request.get("postData") or {}).get("params", [])
            ]
            for name, value in pairs:
                if name in ("SAMLRequest", "SAMLResponse"):
                    raw = base64.b64decode(value)
                    with contextlib.suppress(zlib.error):
                        raw = zlib.decompressobj(-15).decompress(raw)
                    texts.append(raw.decode(errors="replace"))
    return "\n".join(texts)


async def test_redacted_export_keeps_no_personal_data(sp_start: Start, tmp_path: Path) -> None:
    running, har = await _recorded(sp_start, tmp_path)
    folder, out = tmp_path / "case", tmp_path / "export"
    original = create_case(folder, DEMO_TENANT, evidence=har)
    result = run("case", "export", str(folder), str(out), "--redact-correlation-ids")
    assert result.returncode == 0, result.stderr
    readable = _everything_readable(out)
    personal = _personal_values(running, har)
    survivors = {v for v in personal if v.casefold() in readable.casefold()}
    assert not survivors
    # the check above is not vacuous: the pseudonyms are there instead
    assert "user1@domain" in readable
    assert "Person " in readable
    assert "192.0.2." in readable
    manifest = load_manifest(out)
    assert manifest.redacted
    assert "signatures were verified before redaction" in (out / "case.toml").read_text()
    stored = json.loads((out / "report.json").read_text())
    assert stored["verdict"] == original.to_dict()["verdict"]
    assert [s["verdict"] for s in stored["evidence"]["sign_ins"]] == [
        "works",
        "fails",
        "fails",
        "works",
    ]
    with pytest.raises(ConfigError, match="redacted"):
        run_case(out)


async def test_batch_as_a_regression_suite(sp_start: Start, tmp_path: Path) -> None:
    _, har = await _recorded(sp_start, tmp_path)
    cases = tmp_path / "cases"
    create_case(cases / "har-case", DEMO_TENANT, evidence=har)
    create_case(cases / "settings-only", DEMO_TENANT, at=None)
    progress = io.StringIO()
    rows = run_batch([cases, har], load_tenant(DEMO_TENANT).check_settings(), progress).rows
    assert [r.name for r in rows][:2] == ["har-case", "settings-only"]
    assert len(rows) == 2 + 4  # two cases, then the capture's four sign-ins
    assert "[1/3]" in progress.getvalue()
    table = summary_table(rows)
    assert "regression" in table
    assert not any(r.regressed for r in rows)
    checked = run("case", "batch", str(cases), "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # change a case's stored verdict: the suite reports a regression
    report = cases / "settings-only" / "report.json"
    document = json.loads(report.read_text())
    document["verdict"] = "fails" if document["verdict"] == "works" else "works"
    report.write_text(json.dumps(document))
    regressed = run("case", "batch", str(cases), "--check")
    assert regressed.returncode == 1
    assert "REGRESSION" in regressed.stdout


def test_case_commands_reject_bad_folders(tmp_path: Path) -> None:
    assert run("case", "run", str(tmp_path)).returncode == 2
    assert (
        run(
            "case", "create", str(tmp_path / "x"), "--tenant", str(tmp_path / "none.toml")
        ).returncode
        == 2
    )


@pytest.mark.parametrize("bad", ["missing.json", "malformed.json"])
def test_case_create_with_unusable_inputs_leaves_nothing(bad: str, tmp_path: Path) -> None:
    (tmp_path / "malformed.json").write_text("[1")
    folder = tmp_path / "case"
    result = run(
        "case",
        "create",
        str(folder),
        "--tenant",
        str(DEMO_TENANT),
        "--entra-app",
        str(tmp_path / bad),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("sp-sim: ")
    assert not folder.exists()


def _tamper_posts(har: Path, posts: set[int]) -> None:
    """Change one signed claim in the chosen POSTs to Mimecast (0-based, in capture order), as
    a changed input would: each of those responses then fails signature.digest-mismatch."""
    document = json.loads(har.read_text())
    acs = [
        e
        for e in document["log"]["entries"]
        if e["request"]["method"] == "POST" and e["request"]["url"].endswith("/login/saml")
    ]
    for number in posts:
        post = acs[number]["request"]["postData"]
        for param in post["params"]:
            if param["name"] == "SAMLResponse":
                xml = base64.b64decode(param["value"])
                changed = xml.replace(
                    b'identity/claims/objectidentifier"><AttributeValue>5',
                    b'identity/claims/objectidentifier"><AttributeValue>6',
                )
                assert changed != xml
                param["value"] = base64.b64encode(changed).decode()
        post["text"] = urlencode([(p["name"], p["value"]) for p in post["params"]])
    har.write_text(json.dumps(document))


async def test_case_run_check_compares_every_sign_in(sp_start: Start, tmp_path: Path) -> None:
    _, har = await _recorded(sp_start, tmp_path)
    folder = tmp_path / "case"
    stored = create_case(folder, DEMO_TENANT, evidence=har)
    assert [s.works for s in stored.sign_ins] == [True, False, False, True]
    same = run("case", "run", str(folder), "--check")
    assert same.returncode == 0, same.stdout
    assert "same as stored: 4 sign-in(s)" in same.stdout
    assert "REGRESSION" not in same.stdout
    # sign-in 4 (works) and sign-in 3 (fails the audience) change; the case verdict stays
    # "fails", which is all the comparison used to look at
    _tamper_posts(folder / "inputs" / "evidence.har", {1, 2})
    checked = run("case", "run", str(folder), "--check")
    assert checked.returncode == 1, checked.stdout
    lines = [line for line in checked.stdout.splitlines() if line.startswith("REGRESSION")]
    at = "2026-06-01T12:00:00.000Z"
    assert lines == [
        f"REGRESSION sign-in 3 ({at}, B.Simon@contoso.com): codes gained signature.digest-mismatch",
        f"REGRESSION sign-in 4 ({at}, B.Simon@contoso.com): verdict works → fails; codes "
        "gained signature.digest-mismatch",
    ]
    assert "same as stored" not in checked.stdout
    assert run("case", "run", str(folder)).returncode == 1  # without --check too
    batch = run("case", "batch", str(tmp_path), "--check")
    assert batch.returncode == 1
    assert f"    REGRESSION sign-in 4 ({at}" in batch.stdout


def test_case_run_check_needs_a_stored_report(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    create_case(folder, DEMO_TENANT)
    (folder / "report.json").unlink()
    checked = run("case", "run", str(folder), "--check")
    assert checked.returncode == 2
    assert "no readable report.json" in checked.stderr


CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.8078.114 Safari/537.36"
)
SAFARI = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/17.4.1 Mobile/15E148 Safari/604.1"
MICROSOFT_SERVICES = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"


async def test_redacted_export_is_readable_and_consistent(sp_start: Start, tmp_path: Path) -> None:
    running = await sp_start()
    await four_sign_ins(running)
    for number, exchange in enumerate(running.flows.recorder.exchanges):
        exchange.request_headers.append(("User-Agent", CHROME if number % 2 else SAFARI))
    har = tmp_path / "customer.har"
    har.write_text(json.dumps(to_har(running.flows.recorder)))
    sp = tmp_path / "sp.json"
    sp.write_text(
        json.dumps(service_principal(running.idp, appOwnerOrganizationId=MICROSOFT_SERVICES))
    )
    folder, out = tmp_path / "case", tmp_path / "export"
    create_case(folder, DEMO_TENANT, evidence=har, entra_apps=(sp,))
    redactor = export_case(folder, out)
    # one pseudonym per address, whichever file and form (quoted, URL-encoded, in base64)
    assert sorted(k for k in redactor.pseudonyms if k.startswith("local:")) == [
        "local:b.simon@contoso.com",
        "local:brittasimon@contoso.com",
        "local:bsimon@contoso.onmicrosoft.com",
    ]
    assert not [k for k in redactor.pseudonyms if ".example" in k or "192.0.2." in k]
    # report.txt stays a readable report: the same lines, only personal values replaced
    before = (folder / "report.txt").read_text().splitlines()
    after = (out / "report.txt").read_text().splitlines()
    assert len(after) == len(before)
    assert after[0] == before[0]
    assert "%20" not in "\n".join(after)
    assert any(
        "would sign in as user1@domain1.example to Mimecast Personal Portal" in line
        for line in after
    )
    readable = _everything_readable(out)
    assert not {v for v in _personal_values(running, har) if v.casefold() in readable.casefold()}
    assert CHROME in readable  # versions are not IP addresses
    assert SAFARI in readable
    assert MICROSOFT_SERVICES in readable  # Microsoft's own tenant is kept
    errors = [s for s in original_sign_ins(folder) if s.get("idp_error")]
    correlation = errors[0]["idp_error"]["correlation_id"]
    assert correlation
    assert correlation in readable  # kept unless asked


def original_sign_ins(folder: Path) -> list[dict[str, Any]]:
    return list(json.loads((folder / "report.json").read_text())["evidence"]["sign_ins"])
