"""Evidence import: HAR and SAML-tracer files in the real formats, recorded by the flow
driver from sign-ins against the fake IdP (Entra error pages included), rebuilt into
timelines and judged at the instant they were captured."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sp_sim.core.bindings import AutoPost
from sp_sim.core.model import Status
from sp_sim.core.settings import CheckSettings
from sp_sim.flows import FlowOutcome, Stage
from sp_sim.server import urls
from sp_sim.support.capture import to_har, to_saml_tracer
from sp_sim.support.evidence import EvidenceError, read_evidence
from sp_sim.support.timeline import SignIn, build_timelines, judge
from tests.helpers import NOW
from tests.helpers.commands import run
from tests.helpers.server import DEMO_TENANT, Running, Start
from tests.helpers.support import four_sign_ins

USER = "B.Simon@contoso.com"


def _settings(running: Running) -> CheckSettings:
    return replace(
        running.state.tenant.check_settings(),
        entity_id=urls.entity_id(running.state),
        acs_url=urls.acs_url(running.state),
    )


def _judged(data: bytes, settings: CheckSettings) -> tuple[str, list[SignIn]]:
    capture_format, steps = read_evidence(data)
    return capture_format, judge(build_timelines(steps), settings)


async def test_har_timelines(sp_start: Start) -> None:
    running = await sp_start()
    await four_sign_ins(running)
    data = json.dumps(to_har(running.flows.recorder)).encode()
    capture_format, sign_ins = _judged(data, _settings(running))
    assert capture_format == "HAR"
    assert [s.initiated_by for s in sign_ins] == ["SP", "SP", "IdP", "IdP"]
    assert [s.works for s in sign_ins] == [True, False, False, True]
    error = sign_ins[1].error
    assert error is not None
    assert error.aadsts == "AADSTS50011"
    assert error.correlation_id is not None
    assert "AADSTS50011" in (sign_ins[1].failed_step or "")
    assert "audience.mismatch" in (sign_ins[2].failed_step or "")
    assert sign_ins[0].report is not None
    assert "subject.sp-initiated" in sign_ins[0].report.codes()
    assert all(s.response is None or s.response.at == NOW for s in sign_ins)


async def test_saml_tracer_timelines(sp_start: Start) -> None:
    running = await sp_start()
    await four_sign_ins(running)
    data = json.dumps(to_saml_tracer(running.flows.recorder, NOW)).encode()
    capture_format, sign_ins = _judged(data, _settings(running))
    assert capture_format == "SAML-tracer"
    assert [s.works for s in sign_ins] == [True, False, False, True]
    # SAML-tracer keeps no page bodies: the refused request shows as unanswered.
    assert sign_ins[1].error is None
    assert "no answer from the IdP" in (sign_ins[1].failed_step or "")


async def test_judged_at_the_captured_instant_not_now(sp_start: Start) -> None:
    running = await sp_start()
    assert (await running.flows.idp_initiated(running.launch, USER)).works
    data = json.dumps(to_har(running.flows.recorder)).encode()
    _, steps = read_evidence(data)
    later = judge(build_timelines(steps), _settings(running), at=NOW.replace(hour=20))
    assert "time.expired" in later[0].report.codes()  # type: ignore[union-attr]


async def test_evidence_command(sp_start: Start, tmp_path: Path) -> None:
    running = await sp_start()
    await four_sign_ins(running)
    har = tmp_path / "capture.har"
    har.write_text(json.dumps(to_har(running.flows.recorder)))
    result = run("evidence", str(har), "--tenant", str(DEMO_TENANT), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert [s["verdict"] for s in document["sign_ins"]] == ["works", "fails", "fails", "works"]
    text = run("evidence", str(har), "--tenant", str(DEMO_TENANT))
    assert "Sign-in 2 · SP-initiated · FAILS" in text.stdout
    assert "→ failed step: Entra refused the AuthnRequest with AADSTS50011" in text.stdout


def test_raw_message_and_bad_files(tmp_path: Path) -> None:
    response = Path(str(DEMO_TENANT)).parent / "response.xml"
    works = run(
        "evidence", str(response), "--tenant", str(DEMO_TENANT), "--at", "2026-11-22T10:00:30Z"
    )
    assert works.returncode == 0, works.stdout
    not_har = tmp_path / "other.json"
    not_har.write_text('{"hello": 1}')
    assert run("evidence", str(not_har)).returncode == 2
    with pytest.raises(EvidenceError):
        read_evidence(b"")
    broken = tmp_path / "broken.har"
    broken.write_text(
        '{"log": {"entries": [{"request": {"method": "POST", "url": "x", '
        '"postData": {"params": [{"name": "SAMLResponse", "value": "%%%"}]}}}]}}'
    )
    result = run("evidence", str(broken))
    assert result.returncode == 1  # nothing judged: no sign-in works


async def _post_again(running: Running) -> FlowOutcome:
    """The browser posts the last SAMLResponse it posted once more (Back, then Resubmit)."""
    posted = [
        e
        for e in running.flows.recorder.exchanges
        if e.method == "POST" and e.url.endswith("/login/saml")
    ][-1]
    form = AutoPost(posted.url, dict(posted.form))
    return await running.flows.post_response(form, FlowOutcome(stage=Stage.IDP))


def _failing(sign_in: SignIn) -> set[str]:
    assert sign_in.report is not None
    return sign_in.report.codes(Status.FAIL)


@pytest.mark.parametrize("initiated_by", ["IdP", "SP"])
@pytest.mark.parametrize("writer", ["HAR", "SAML-tracer"])
async def test_a_second_post_of_one_response_fails_as_the_server_said(
    sp_start: Start, initiated_by: str, writer: str
) -> None:
    running = await sp_start()
    if initiated_by == "SP":
        first = await running.flows.sp_initiated(USER)
    else:
        first = await running.flows.idp_initiated(running.launch, USER)
    second = await _post_again(running)
    assert first.works
    assert "replay.replayed" in second.codes("fail")
    recorder = running.flows.recorder
    document = to_har(recorder) if writer == "HAR" else to_saml_tracer(recorder, NOW)
    _, sign_ins = _judged(json.dumps(document).encode(), _settings(running))
    assert [s.works for s in sign_ins] == [True, False]
    assert [s.initiated_by for s in sign_ins] == [initiated_by, initiated_by]
    # the capture is judged as the server judged it: a replay, and (SP-initiated) a
    # request that was used up by the first answer
    assert _failing(sign_ins[1]) == second.codes("fail")
    assert "posted again" in " ".join(sign_ins[1].notes)
    assert not sign_ins[1].unknowns


async def test_a_request_the_capture_does_not_show_is_unknown_not_refused(
    sp_start: Start, tmp_path: Path
) -> None:
    running = await sp_start()
    assert (await running.flows.sp_initiated(USER)).works
    # the capture started after the AuthnRequest: only the POST to Mimecast is in it
    exchanges = running.flows.recorder.exchanges
    running.flows.recorder.exchanges = [e for e in exchanges if e.url.endswith("/login/saml")]
    har = tmp_path / "late.har"
    har.write_text(json.dumps(to_har(running.flows.recorder)))
    _, sign_ins = _judged(har.read_bytes(), _settings(running))
    (sign_in,) = sign_ins
    assert sign_in.initiated_by == "SP"
    assert sign_in.report is not None
    assert "subject.unknown-request" not in sign_in.report.codes()
    assert sign_in.works
    (unknown,) = sign_in.unknowns
    request_id = next(iter(sign_in.response.named_requests()))  # type: ignore[union-attr]
    assert request_id in unknown
    result = run("evidence", str(har), "--tenant", str(DEMO_TENANT), "--format", "json")
    assert json.loads(result.stdout)["sign_ins"][0]["unknowns"] == [unknown]
    assert (
        f"unknown       InResponseTo {request_id}"
        in run("evidence", str(har), "--tenant", str(DEMO_TENANT)).stdout
    )
    # when support names the requests that were outstanding, the response is compared
    told = run(
        "evidence",
        str(har),
        "--tenant",
        str(DEMO_TENANT),
        "--request-id",
        "_other",
        "--format",
        "json",
    )
    assert told.returncode == 1
    codes = {f["code"] for f in json.loads(told.stdout)["sign_ins"][0]["report"]["findings"]}
    assert "subject.unknown-request" in codes


async def test_an_answer_to_a_refused_response_s_request_still_counts(sp_start: Start) -> None:
    """A refused response uses nothing up (as in the server): the request stays outstanding."""
    running = await sp_start()
    refused = await running.flows.sp_initiated(USER, faults=("wrong-audience",))
    assert not refused.works
    again = await _post_again(running)
    assert "subject.unknown-request" not in again.codes("fail")
    _, sign_ins = _judged(json.dumps(to_har(running.flows.recorder)).encode(), _settings(running))
    assert [s.works for s in sign_ins] == [False, False]
    assert _failing(sign_ins[1]) == again.codes("fail")
