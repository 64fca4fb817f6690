"""/results on a real simulator: the filters (page and API), the fake IdP's refusals in the
list, and each result's downloads (HAR 1.2, SAML-tracer JSON, case zip), re-imported by
the `sp-sim` script in a subprocess to the verdict the server gave."""

from __future__ import annotations

import asyncio
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from sp_sim.flows import FlowOutcome
from sp_sim.server.captures import BODY_KEPT
from sp_sim.tenant.config import tenant_to_toml
from tests.helpers import NOW
from tests.helpers.commands import run
from tests.helpers.curl import curl
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
TICK = timedelta(milliseconds=1)
ROW = re.compile(r'<tr class=(attempt|refusal) data-verdict="(\w+)" data-result="(\w+)">')


async def _get(running: Running, path: str) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    async with running.flows.session.get(f"{running.base}{path}") as answer:
        return answer.status, await answer.text(), dict(answer.headers)


async def _rows(running: Running, query: str = "") -> list[tuple[str, str, str]]:
    status, page, _ = await _get(running, f"/results{query}")
    assert status == 200, page
    return ROW.findall(page)


def ticking() -> Callable[[], datetime]:
    """A clock a millisecond later at each read, so that results are ordered in time."""
    reads = iter(range(1_000_000))
    return lambda: NOW + next(reads) * TICK


async def _three_kinds(running: Running) -> tuple[FlowOutcome, FlowOutcome, FlowOutcome]:
    """An SP-initiated sign-in that works, an IdP-initiated one that fails, and an
    SP-initiated one the IdP refuses (the user is not assigned: AADSTS50105)."""
    works = await running.flows.sp_initiated(USER)
    assert works.works
    fails = await running.flows.idp_initiated(running.launch, USER, ("unsigned",))
    assert not fails.works
    running.change_idp_app(assignment_required=True)
    refused = await running.flows.sp_initiated(USER)
    assert refused.aadsts == "AADSTS50105"
    running.change_idp_app(assignment_required=False)
    return works, fails, refused


async def test_the_list_filters_by_verdict_initiator_user_and_code(sp_start: Start) -> None:
    running = await sp_start(clock=ticking())
    works, fails, _ = await _three_kinds(running)
    everything = await _rows(running)
    assert [(kind, verdict) for kind, verdict, _ in everything] == [
        ("refusal", "refused"),
        ("attempt", "fails"),
        ("attempt", "works"),
    ]
    assert [r[2] for r in await _rows(running, "?verdict=works")] == [works.attempt]
    assert [r[2] for r in await _rows(running, "?verdict=fails")] == [fails.attempt]
    assert [r[1] for r in await _rows(running, "?verdict=refused")] == ["refused"]
    assert [r[2] for r in await _rows(running, "?initiator=idp")] == [fails.attempt]
    assert len(await _rows(running, "?initiator=sp")) == 2  # the works and the refusal
    assert len(await _rows(running, "?user=b.simon")) == 3  # any case, part of the address
    assert await _rows(running, "?user=nobody") == []
    failing = sorted(fails.codes("fail"))[0]
    assert [r[2] for r in await _rows(running, f"?code={failing[:6]}")] == [fails.attempt]
    assert [r[1] for r in await _rows(running, "?code=aadsts50105")] == ["refused"]
    assert await _rows(running, "?verdict=works&initiator=idp") == []
    _, none_match, _ = await _get(running, "/results?user=nobody")
    assert "id=empty" in none_match
    assert 'href="/results" id=clear-filters' in none_match
    assert 'value="nobody"' in none_match  # the form shows what is applied


async def test_a_bad_filter_is_a_400_that_says_why_and_lists_all(sp_start: Start) -> None:
    running = await sp_start()
    assert (await running.flows.sp_initiated(USER)).works
    status, page, _ = await _get(running, "/results?verdict=%3Cmaybe%3E")
    assert status == 400
    assert "id=problem" in page
    assert "&lt;maybe&gt;" in page
    assert "<maybe>" not in page
    assert len(ROW.findall(page)) == 1


async def test_an_idp_refusal_is_listed_with_its_code_user_and_initiator(
    sp_start: Start,
) -> None:
    running = await sp_start(clock=ticking())
    running.change_idp_app(assignment_required=True)
    sp = await running.flows.sp_initiated(USER)
    assert sp.aadsts == "AADSTS50105"
    idp = await running.flows.idp_initiated(running.launch, "nobody@contoso.com")
    assert idp.aadsts == "AADSTS50034"  # no such user in the directory
    assert running.state.attempts == {}  # nothing reached the ACS
    _, page, _ = await _get(running, "/results")
    assert page.count("<tr class=refusal") == 2
    assert "works" not in re.sub(r"<style>.*?</style>", "", page, flags=re.S).split("<table>")[1]
    assert "AADSTS50105" in page
    assert "AADSTS50034" in page
    assert "nobody@contoso.com" in page
    assert "SP-initiated" in page
    assert "IdP-initiated" in page
    (newest, kind), (oldest, _) = [(r[2], r[0]) for r in ROW.findall(page)]
    assert kind == "refusal"
    status, one, _ = await _get(running, f"/results/{oldest}")
    assert status == 200
    assert 'data-verdict="refused"' in one
    assert "<span id=aadsts>AADSTS50105</span>" in one
    assert "id=fix" in one  # what the code means and what to change
    assert f'href="/results/{oldest}.har"' in one
    status, document, _ = await _get(running, f"/results/{newest}.json")
    found = json.loads(document)
    assert found["kind"] == "refusal"
    assert found["verdict"] == "refused by IdP"
    assert found["aadsts"] == "AADSTS50034"
    assert found["initiated_by"] == "IdP"
    assert found["user"] == "nobody@contoso.com"


async def test_the_api_filters_and_lists_refusals_with_curl(sp_start: Start) -> None:
    running = await sp_start(clock=ticking())
    works, fails, _ = await _three_kinds(running)
    status, listed = await curl(f"{running.base}/api/results")
    assert status == 200
    assert [r["kind"] for r in listed["results"]] == ["refusal", "attempt", "attempt"]
    refusal = listed["results"][0]
    assert refusal["verdict"] == "refused by IdP"
    assert refusal["aadsts"] == "AADSTS50105"
    assert "report" not in refusal
    status, only = await curl(f"{running.base}/api/results?verdict=fails&initiator=idp")
    assert [r["attempt"] for r in only["results"]] == [fails.attempt]
    status, coded = await curl(f"{running.base}/api/results?code=AADSTS")
    assert [r["kind"] for r in coded["results"]] == ["refusal"]
    status, user = await curl(f"{running.base}/api/results?user=B.SIMON&verdict=works")
    assert [r["attempt"] for r in user["results"]] == [works.attempt]
    status, one = await curl(f"{running.base}/api/results/{refusal['attempt']}")
    assert status == 200
    assert one == refusal
    status, bad = await curl(f"{running.base}/api/results?initiator=both")
    assert status == 400
    assert bad["error"] == "bad-filter"


async def _download(running: Running, path: str) -> tuple[bytes, str, str]:
    async with running.flows.session.get(f"{running.base}{path}") as answer:
        assert answer.status == 200, await answer.text()
        return await answer.read(), answer.content_type, answer.headers["Content-Disposition"]


async def _evidence(tmp_path: Path, running: Running, name: str, data: bytes) -> dict[str, Any]:
    """`sp-sim evidence FILE --tenant TENANT --format json` on a download, in a subprocess."""
    capture, tenant = tmp_path / name, tmp_path / "tenant.toml"
    capture.write_bytes(data)
    tenant.write_text(tenant_to_toml(running.state.tenant))
    done = await asyncio.to_thread(
        run, "evidence", str(capture), "--tenant", str(tenant), "--format", "json"
    )
    assert done.returncode in (0, 1), done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if document["verdict"] == "works" else 1)
    return document


async def test_har_of_an_sp_initiated_attempt_is_har_1_2_and_reimports_the_same(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    data, content_type, disposition = await _download(running, f"/results/{outcome.attempt}.har")
    assert content_type == "application/json"
    assert f'filename="sp-sim-{outcome.attempt}.har"' in disposition
    log = json.loads(data)["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"]
    sent, posted = log["entries"]  # the AuthnRequest, then the POST to the ACS
    for entry in (sent, posted):
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert {"method", "url", "httpVersion", "headers", "queryString", "cookies"} <= set(
            entry["request"]
        )
        assert {"status", "statusText", "headers", "content", "redirectURL"} <= set(
            entry["response"]
        )
    assert sent["request"]["method"] == "GET"
    assert "SAMLRequest" in {q["name"] for q in sent["request"]["queryString"]}
    assert posted["request"]["url"] == "https://us-api.mimecast.com/login/saml"
    assert posted["request"]["postData"]["mimeType"] == "application/x-www-form-urlencoded"
    assert "SAMLResponse" in {p["name"] for p in posted["request"]["postData"]["params"]}
    headers = {h["name"].lower() for h in posted["request"]["headers"]}
    assert "content-type" in headers
    assert "cookie" not in headers  # a download never carries the browser's cookies
    assert {"name": "X-Sp-Sim-Verdict", "value": "works"} in posted["response"]["headers"]
    judged = await _evidence(tmp_path, running, "attempt.har", data)
    assert judged["verdict"] == "works"
    (sign_in,) = judged["sign_ins"]
    assert sign_in["initiated_by"] == "SP"
    assert sign_in["request"] is not None  # paired with its AuthnRequest
    assert sign_in["unknowns"] == []


async def test_har_and_saml_tracer_of_a_failing_attempt_reimport_as_failing(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    outcome = await running.flows.idp_initiated(running.launch, USER, ("wrong-audience",))
    assert not outcome.works
    failing = sorted(outcome.codes("fail"))
    har, _, _ = await _download(running, f"/results/{outcome.attempt}.har")
    judged = await _evidence(tmp_path, running, "attempt.har", har)
    assert judged["verdict"] == "fails"
    (sign_in,) = judged["sign_ins"]
    assert sign_in["initiated_by"] == "IdP"
    assert sorted(f["code"] for f in sign_in["report"]["findings"] if f["status"] == "fail") == (
        failing
    )
    tracer, content_type, disposition = await _download(
        running, f"/results/{outcome.attempt}.saml-tracer.json"
    )
    assert content_type == "application/json"
    assert disposition.endswith('.saml-tracer.json"')
    document = json.loads(tracer)
    assert set(document) == {"requests", "timestamp"}
    (posted,) = document["requests"]
    assert posted["method"] == "POST"
    assert posted["protocol"] == "SAML-P"
    assert posted["saml"].lstrip().startswith("<")
    assert "Response" in posted["saml"]
    assert posted["post"][0][0] == "SAMLResponse"
    assert {"requestId", "requestHeaders", "responseStatus", "responseHeaders"} <= set(posted)
    judged = await _evidence(tmp_path, running, "attempt.saml-tracer.json", tracer)
    assert judged["format"] == "SAML-tracer"
    assert judged["verdict"] == "fails"


async def test_har_of_a_refusal_reimports_as_refused(sp_start: Start, tmp_path: Path) -> None:
    running = await sp_start()
    running.change_idp_app(assignment_required=True)
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS50105"
    (refusal_id,) = running.state.refusals
    har, _, _ = await _download(running, f"/results/{refusal_id}.har")
    entries = json.loads(har)["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["GET", "POST"]  # request, picker
    assert entries[-1]["response"]["status"] == 400
    assert "AADSTS50105" in entries[-1]["response"]["content"]["text"]
    judged = await _evidence(tmp_path, running, "refusal.har", har)
    assert judged["verdict"] == "fails"  # never works
    (sign_in,) = judged["sign_ins"]
    assert sign_in["idp_error"]["aadsts"] == "AADSTS50105"


async def test_case_zip_holds_the_case_and_its_verdict(sp_start: Start, tmp_path: Path) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    data, content_type, _ = await _download(running, f"/results/{outcome.attempt}.case.zip")
    assert content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = set(bundle.namelist())
        folder = f"case-{outcome.attempt}"
        assert {
            f"{folder}/case.toml",
            f"{folder}/inputs/tenant.toml",
            f"{folder}/inputs/evidence.har",
            f"{folder}/report.json",
            f"{folder}/report.txt",
            f"{folder}/RERUN.txt",
        } <= names
        report = json.loads(bundle.read(f"{folder}/report.json"))
        bundle.extractall(tmp_path)
    assert report["verdict"] == "works"
    assert json.loads((tmp_path / folder / "inputs/evidence.har").read_text())["log"]["entries"]
    rerun = await asyncio.to_thread(run, "case", "run", str(tmp_path / folder), "--check")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr


async def test_downloads_of_unknown_or_uncaptured_results_say_why(sp_start: Start) -> None:
    running = await sp_start()
    for path in ("/results/nope.har", "/results/nope.case.zip", "/results/nope.saml-tracer.json"):
        status, page, _ = await _get(running, path)
        assert status == 404
        assert "only the most recent" in page
    big = "SAMLResponse=" + "A" * (BODY_KEPT + 10)  # judged, but too large to keep
    async with running.flows.session.post(
        f"{running.base}/us/login/saml",
        data=big,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as answer:
        assert answer.headers["X-Sp-Sim-Verdict"] == "fails"
    (attempt_id,) = running.state.attempts
    status, page, _ = await _get(running, f"/results/{attempt_id}.har")
    assert status == 404
    assert "larger than sp-sim keeps" in page
    status, page, _ = await _get(running, f"/results/{attempt_id}")
    assert status == 200
    assert "id=downloads" in page  # the links are there; the download says why it is empty


async def test_har_of_a_failing_sp_initiated_attempt_keeps_its_authn_request(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER, faults=("unsigned",))
    assert not outcome.works
    assert outcome.report is not None
    assert outcome.report.in_response_to is None  # not read from unsigned content
    har, _, _ = await _download(running, f"/results/{outcome.attempt}.har")
    entries = json.loads(har)["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["GET", "POST"]
    judged = await _evidence(tmp_path, running, "attempt.har", har)
    assert judged["verdict"] == "fails"
    (sign_in,) = judged["sign_ins"]
    assert sign_in["request"] is not None
    assert sorted(f["code"] for f in sign_in["report"]["findings"] if f["status"] == "fail") == (
        sorted(outcome.codes("fail"))
    )
