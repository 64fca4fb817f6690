"""The ACS's JSON reads back as the Report it was written from (`Report.from_dict`), so a
flow's outcome carries a typed Report, not a dict."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Report, Side, Status
from sp_sim.flows import FlowOutcome, Stage
from tests.helpers.server import Start

USER = "B.Simon@contoso.com"
maybe_text = st.none() | st.text(max_size=40)

hints = st.builds(Hint, st.sampled_from(Side), st.text(max_size=20), st.text(max_size=40))
findings = st.builds(
    Finding,
    code=st.sampled_from(Code),
    status=st.sampled_from(Status),
    message=st.text(max_size=60),
    expected=maybe_text,
    observed=maybe_text,
    hint=st.none() | hints,
    location=maybe_text,
    covered_by_signature=st.none() | st.booleans(),
)
reports = st.builds(
    Report,
    findings=st.lists(findings, max_size=8).map(tuple),
    user=maybe_text,
    application=maybe_text,
    initiated_by=st.none() | st.sampled_from(["sp", "idp"]),
    signed_elements=st.lists(st.sampled_from(["Response", "Assertion"]), max_size=2).map(tuple),
    judged_at=maybe_text,
    assertion_id=maybe_text,
    in_response_to=maybe_text,
    valid_until=maybe_text,
    session_index=maybe_text,
    xml=st.none() | st.binary(max_size=20),
)


def _as_written(report: Report) -> Report:
    """What `to_dict` carries: findings failures first, the user only when it works, no XML."""
    return replace(
        report,
        findings=tuple(report.ordered()),
        user=report.user if report.works else None,
        xml=None,
    )


@given(findings)
def test_a_finding_survives_its_json(finding: Finding) -> None:
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


@given(reports)
def test_a_report_survives_its_json(report: Report) -> None:
    document = report.to_dict()
    restored = Report.from_dict(json.loads(json.dumps(document)))
    assert restored == _as_written(report)
    assert restored.to_dict() == document
    assert restored.verdict == report.verdict


async def test_a_flows_outcome_carries_the_report_the_acs_judged(sp_start: Start) -> None:
    running = await sp_start()
    outcome = await running.flows.idp_initiated(running.launch, USER, ("expired",))
    assert outcome.stage is Stage.SP_ACS
    assert outcome.attempt is not None
    attempt = running.state.attempts[outcome.attempt]
    assert outcome.report == _as_written(attempt.report)
    assert outcome.codes(Status.FAIL) == outcome.codes("fail")
    assert "time.expired" in outcome.codes(Status.FAIL)
    assert outcome.to_dict()["report"] == attempt.report.to_dict()


def test_an_outcome_is_frozen_and_takes_a_stage_by_name() -> None:
    outcome = FlowOutcome(stage="idp", hops=["GET / 200"])  # type: ignore[arg-type]
    assert outcome.stage is Stage.IDP
    assert outcome.hops == ("GET / 200",)
    assert not outcome.works
    assert outcome.codes() == set()
