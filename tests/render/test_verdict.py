"""The verdict wording lives in `sp_sim.render.verdict`: every result says works, fails or
unknown with that type, and no other module of render, support or the CLI spells it."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Report, Status
from sp_sim.render.verdict import Verdict
from sp_sim.support.case import CaseResult
from sp_sim.support.evidence import CaptureFormat
from sp_sim.support.prediction import Diagnosis
from sp_sim.support.timeline import SignIn, Timelines

PACKAGE = Path(__file__).resolve().parents[2] / "sp_sim"
OK = Finding(Code.AUDIENCE_MATCH, Status.PASS, "ok")
BAD = Finding(Code.AUDIENCE_MISMATCH, Status.FAIL, "bad")
WARNED = Finding(Code.SIGNATURE_SHA1, Status.WARN, "sha-1")
UNSETTLED = Finding(Code.DOCTOR_UNKNOWN, Status.SKIPPED, "Unknown: …")
SKIPPED = Finding(Code.REPLAY_SKIPPED, Status.SKIPPED, "no cache")


def test_the_words() -> None:
    assert [str(v) for v in Verdict] == ["works", "fails", "unknown"]
    assert [v.heading for v in Verdict] == ["WORKS", "FAILS", "UNKNOWN"]
    assert [v.works for v in Verdict] == [True, False, False]
    assert Verdict.of(True) is Verdict.WORKS
    assert Verdict.of(False) is Verdict.FAILS


@pytest.mark.parametrize(
    ("parts", "empty", "expected"),
    [
        ([], Verdict.FAILS, Verdict.FAILS),
        ([], Verdict.WORKS, Verdict.WORKS),
        ([Verdict.WORKS, Verdict.WORKS], Verdict.FAILS, Verdict.WORKS),
        ([Verdict.WORKS, Verdict.UNKNOWN], Verdict.FAILS, Verdict.UNKNOWN),
        ([Verdict.UNKNOWN, Verdict.FAILS, Verdict.WORKS], Verdict.WORKS, Verdict.FAILS),
    ],
)
def test_an_unknown_is_not_a_pass(parts: list[Verdict], empty: Verdict, expected: Verdict) -> None:
    assert Verdict.all_of(parts, empty=empty) is expected


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((OK, WARNED, SKIPPED), Verdict.WORKS),  # a skipped engine check settles nothing either way
        ((OK, UNSETTLED), Verdict.UNKNOWN),
        ((UNSETTLED, BAD), Verdict.FAILS),
    ],
)
def test_findings_verdict(findings: tuple[Finding, ...], expected: Verdict) -> None:
    assert Verdict.of_findings(findings) is expected
    assert Diagnosis.of(findings).verdict is expected
    assert Diagnosis.of(findings).to_dict()["verdict"] == expected


def test_every_result_says_its_verdict_with_the_one_type() -> None:
    works, fails = Report((OK,)), Report((BAD, OK))
    assert Verdict.of_report(works) is Verdict.WORKS
    assert Verdict.of_report(fails) is Verdict.FAILS
    signed_in, refused = SignIn(1, report=works), SignIn(2, report=fails)
    assert (signed_in.verdict, refused.verdict, SignIn(3).verdict) == (
        Verdict.WORKS,
        Verdict.FAILS,
        Verdict.FAILS,  # no answer in the capture
    )
    assert signed_in.to_dict()["verdict"] == "works"
    assert Timelines(CaptureFormat.HAR, (signed_in,)).verdict is Verdict.WORKS
    assert Timelines(CaptureFormat.HAR, (signed_in, refused)).to_dict()["verdict"] == "fails"
    assert Timelines(CaptureFormat.HAR, ()).verdict is Verdict.FAILS  # nothing shown works
    instant = datetime(2026, 6, 1, tzinfo=UTC)
    case = CaseResult(instant, Diagnosis.of((OK,)), Timelines(CaptureFormat.HAR, (signed_in,)))
    assert (case.verdict, case.to_dict()["verdict"]) == (Verdict.WORKS, "works")
    assert case.text().startswith("case verdict: WORKS")
    assert CaseResult(instant, Diagnosis.of((BAD,))).verdict is Verdict.FAILS
    # with sign-ins, they are the facts: the doctor's unknowns are reported, not decisive
    with_sign_in = CaseResult(
        instant, Diagnosis.of((UNSETTLED,)), Timelines(CaptureFormat.HAR, (signed_in,))
    )
    assert with_sign_in.verdict is Verdict.WORKS
    # with none, the case rests on the doctor: an unknown is not a pass
    assert CaseResult(instant, Diagnosis.of((UNSETTLED,))).verdict is Verdict.UNKNOWN


def _spelled(path: Path) -> list[str]:
    """The string constants of a module that spell a verdict (docstrings aside)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    words = {"works", "fails", "WORKS", "FAILS", "would work", "WOULD FAIL"}
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value.strip() in words
    ]


def test_no_other_module_spells_a_verdict() -> None:
    modules = [
        *(PACKAGE / "render").glob("*.py"),
        *(PACKAGE / "support").glob("*.py"),
        *(PACKAGE / "cli").glob("*.py"),
    ]
    spelled = {
        str(p.relative_to(PACKAGE)): words
        for p in modules
        if p.name != "verdict.py" and (words := _spelled(p))
    }
    assert spelled == {}
