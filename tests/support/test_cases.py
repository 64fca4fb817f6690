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
from urllib.parse import parse_qsl, urlsplit

import pytest

from sp_sim.errors import ConfigError
from sp_sim.support.batch import run_batch, summary_table
from sp_sim.support.capture import to_har
from sp_sim.support.case import create_case, load_manifest, run_case
from sp_sim.tenant import load_tenant
from tests.cli.test_check import run
from tests.server.conftest import DEMO_TENANT, Running, Start
from tests.support.test_evidence import _four_sign_ins

USER = "B.Simon@contoso.com"


async def _recorded(sp_start: Start, tmp_path: Path) -> tuple[Running, Path]:
    running = await sp_start()
    await _four_sign_ins(running)
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
        values |= {user.upn, user.display_name, *([user.mail] if user.mail else [])}
    values |= {"contoso.com", "contoso.onmicrosoft.com", "127.0.0.1"}
    document = json.loads(har.read_text())
    for entry in document["log"]["entries"]:
        for header in entry["response"]["headers"]:
            if header["name"].lower() == "set-cookie":
                values.add(header["value"].split(";")[0].split("=", 1)[1])
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
    rows = run_batch([cases, har], load_tenant(DEMO_TENANT).check_settings(), progress)
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
