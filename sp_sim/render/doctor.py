"""The doctor's predictions for a person, and as JSON. A check the inputs could not settle
is shown as UNKNOWN and counted apart: it is neither a pass nor a failure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sp_sim.core.model import Finding, Status
from sp_sim.render.findings import findings_lines
from sp_sim.render.json import to_json
from sp_sim.render.verdict import Verdict, is_unknown


def _head(findings: Sequence[Finding]) -> str:
    failing = sum(1 for f in findings if f.status is Status.FAIL)
    unknown = sum(1 for f in findings if is_unknown(f))
    head = (
        f"doctor: {failing} predicted failure(s)"
        if failing
        else "doctor: no failure predicted from these settings"
    )
    if unknown:
        head += f"; {unknown} check(s) unknown for want of input, so not proven to pass"
    return head


def doctor_text(findings: Sequence[Finding], sources: Sequence[str]) -> str:
    """The head line, the sources, then every prediction, failures first."""
    lines = [_head(findings), "from " + "; ".join(sources), "", *findings_lines(findings)]
    return "\n".join(lines) + "\n"


def doctor_document(findings: Sequence[Finding], sources: Sequence[str]) -> dict[str, Any]:
    """{verdict, unknown (how many checks), sources, findings}. The verdict is `fails` when
    a failure is predicted, else `unknown` while any check could not be settled."""
    return {
        "verdict": str(Verdict.of_findings(findings)),
        "unknown": sum(1 for f in findings if is_unknown(f)),
        "sources": list(sources),
        "findings": [f.to_dict() for f in findings],
    }


def doctor_json(findings: Sequence[Finding], sources: Sequence[str]) -> str:
    return to_json(doctor_document(findings, sources))
