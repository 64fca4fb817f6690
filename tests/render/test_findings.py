"""The one finding printer: its lines for each status, with and without colour, and every
place that prints findings (check, evidence, doctor, case reports, the pytest harness's
message) printing the same lines through it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Report, Side, Status
from sp_sim.render.doctor import doctor_text
from sp_sim.render.findings import explain, finding_lines, findings_lines
from sp_sim.render.text import report_text
from sp_sim.support.case import CaseResult
from sp_sim.support.evidence import CaptureFormat, Step, StepKind
from sp_sim.support.prediction import Diagnosis
from sp_sim.support.timeline import SignIn, Timelines
from sp_sim.support.timeline_text import timelines_text

HINT = Hint(Side.ENTRA_APP, "Basic SAML Configuration › Identifier (Entity ID)", "set it to X")
FAILED = Finding(
    Code.AUDIENCE_MISMATCH,
    Status.FAIL,
    "The Audience is not this SP's entity ID.",
    expected="https://us-api.mimecast.com/sso/CUSA1A1",
    observed="https://eu-api.mimecast.com/sso/CUSA1A1",
    hint=HINT,
    location="/Response/Assertion/Conditions/AudienceRestriction/Audience",
    covered_by_signature=True,
)
WARNED = Finding(
    Code.SIGNATURE_SHA1, Status.WARN, "Signed with SHA-1.", expected="SHA-256", observed="SHA-1"
)
PASSED = Finding(Code.AUDIENCE_MATCH, Status.PASS, "The Audience is the entity ID.", "a", "a")
SKIPPED = Finding(Code.REPLAY_SKIPPED, Status.SKIPPED, "No replay cache.", expected="x")
UNKNOWN = Finding(Code.DOCTOR_UNKNOWN, Status.SKIPPED, "Unknown: no input.", expected="e")
UNSIGNED = Finding(
    Code.NAMEID_UNKNOWN_ADDRESS,
    Status.FAIL,
    "Unverified: no such address.",
    covered_by_signature=False,
)
FIX = "fix       Entra app › Basic SAML Configuration › Identifier (Entity ID): set it to X"


@pytest.mark.parametrize(
    ("finding", "lines"),
    [
        (
            FAILED,
            [
                "FAIL  audience.mismatch",
                "      The Audience is not this SP's entity ID.",
                "      expected  https://us-api.mimecast.com/sso/CUSA1A1",
                "      observed  https://eu-api.mimecast.com/sso/CUSA1A1",
                f"      {FIX}",
                "      where     /Response/Assertion/Conditions/AudienceRestriction/Audience",
            ],
        ),
        (
            WARNED,
            [
                "WARN  signature.sha1",
                "      Signed with SHA-1.",
                "      expected  SHA-256",
                "      observed  SHA-1",
            ],
        ),
        # a pass or a skipped check says what it found, without details
        (PASSED, ["PASS  audience.match", "      The Audience is the entity ID."]),
        (SKIPPED, ["SKIP  replay.skipped", "      No replay cache."]),
        # an unknown is neither: its own label, with what it could not settle
        (UNKNOWN, ["UNKNOWN  doctor.unknown", "      Unknown: no input.", "      expected  e"]),
        (
            UNSIGNED,
            [
                "FAIL  nameid.unknown-address (read from unsigned content)",
                "      Unverified: no such address.",
            ],
        ),
    ],
    ids=["fail", "warn", "pass", "skipped", "unknown", "unsigned"],
)
def test_each_status_prints_its_lines(finding: Finding, lines: list[str]) -> None:
    assert finding_lines(finding) == lines


@pytest.mark.parametrize(
    ("finding", "label"),
    [
        (FAILED, "\x1b[31;1mFAIL\x1b[0m  audience.mismatch"),
        (WARNED, "\x1b[33;1mWARN\x1b[0m  signature.sha1"),
        (PASSED, "\x1b[32mPASS\x1b[0m  audience.match"),
        (SKIPPED, "\x1b[2mSKIP\x1b[0m  replay.skipped"),
        (UNKNOWN, "\x1b[35;1mUNKNOWN\x1b[0m  doctor.unknown"),
    ],
    ids=["fail", "warn", "pass", "skipped", "unknown"],
)
def test_colour_paints_the_label_and_the_fix_only(finding: Finding, label: str) -> None:
    painted, plain = finding_lines(finding, colour=True), finding_lines(finding)
    assert painted[0] == label
    fixes = [n for n, line in enumerate(plain) if line.lstrip().startswith("fix ")]
    for number, line in enumerate(painted[1:], start=1):
        expected = f"\x1b[36m{plain[number]}\x1b[0m" if number in fixes else plain[number]
        assert line == expected


def test_brief_form_is_one_line_and_its_fix() -> None:
    assert finding_lines(FAILED, brief=True, indent="  ") == [
        "  FAIL audience.mismatch: The Audience is not this SP's entity ID.",
        "    fix: Entra app › Basic SAML Configuration › Identifier (Entity ID): set it to X",
    ]
    assert finding_lines(UNSIGNED, brief=True) == [
        "FAIL nameid.unknown-address (read from unsigned content): Unverified: no such address."
    ]


def test_findings_print_in_the_reports_order() -> None:
    report = Report((PASSED, SKIPPED, WARNED, FAILED))
    lines = findings_lines(report)
    heads = [line for line in lines if not line.startswith(" ")]
    assert heads == [finding_lines(f)[0] for f in report.ordered()]
    assert [h.split()[0] for h in heads] == ["FAIL", "WARN", "PASS", "SKIP"]
    problems = findings_lines(report, problems_only=True, indent="  ")
    assert problems == [f"  {line}" for f in (FAILED, WARNED) for line in finding_lines(f)]
    assert findings_lines([PASSED, FAILED]) == findings_lines(Report((FAILED, PASSED)))


def test_explain_lists_the_failures_with_their_fix() -> None:
    report = Report((PASSED, WARNED, FAILED, UNSIGNED))
    assert explain(report).splitlines() == [
        "SSO would fail (2 failing check(s)):",
        *finding_lines(FAILED, brief=True, indent="  "),
        *finding_lines(UNSIGNED, brief=True, indent="  "),
    ]
    assert explain(Report((PASSED,), user="B.Simon@contoso.com")) == (
        "SSO would work: would sign in as B.Simon@contoso.com"
    )


def _contains(lines: list[str], block: list[str]) -> bool:
    return any(lines[n : n + len(block)] == block for n in range(len(lines)))


def _sign_in(report: Report) -> SignIn:
    at = datetime(2026, 6, 1, 12, tzinfo=UTC)
    response = Step(0, StepKind.SAML_RESPONSE, "POST", "https://x/login/saml", at, body=b"")
    return SignIn(1, response=response, report=report)


@pytest.mark.parametrize("finding", [FAILED, WARNED, UNSIGNED], ids=["fail", "warn", "unsigned"])
def test_check_evidence_doctor_and_cases_print_a_finding_alike(finding: Finding) -> None:
    """The same finding has the same lines wherever it is printed (indented in a timeline)."""
    report = Report((PASSED, finding))
    lines = finding_lines(finding)
    timelines = Timelines(CaptureFormat.HAR, (_sign_in(report),))
    diagnosis = Diagnosis.of((PASSED, finding), ("test",))
    case = CaseResult(datetime(2026, 6, 1, tzinfo=UTC), diagnosis, timelines)
    printed = {
        "check": report_text(report).splitlines(),
        "evidence": timelines_text(timelines).splitlines(),
        "doctor": doctor_text(diagnosis.findings, diagnosis.sources).splitlines(),
        "case": case.text().splitlines(),
    }
    for site, text in printed.items():
        indent = "    " if site == "evidence" else ""
        assert _contains(text, [f"{indent}{line}" for line in lines]), site
    assert _contains(case.text().splitlines(), [f"    {line}" for line in lines])
    coloured = report_text(report, colour=True).splitlines()
    assert _contains(coloured, finding_lines(finding, colour=True))
    if finding.status is Status.FAIL:
        assert _contains(
            explain(report).splitlines(), finding_lines(finding, brief=True, indent="  ")
        )
