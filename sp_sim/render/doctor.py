"""The doctor's predictions for a person, and as JSON. A check the inputs could not settle
is shown as UNKNOWN and counted apart: it is neither a pass nor a failure."""

from __future__ import annotations

import json

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Status

_LABEL = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.PASS: "PASS", Status.SKIPPED: "SKIP"}


def _label(finding: Finding) -> str:
    return "UNKNOWN" if finding.code is Code.DOCTOR_UNKNOWN else _LABEL[finding.status]


def _unknowns(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.code is Code.DOCTOR_UNKNOWN]


def _head(findings: list[Finding]) -> str:
    failing = sum(1 for f in findings if f.status is Status.FAIL)
    unknown = len(_unknowns(findings))
    head = (
        f"doctor: {failing} predicted failure(s)"
        if failing
        else "doctor: no failure predicted from these settings"
    )
    if unknown:
        head += f"; {unknown} check(s) unknown for want of input, so not proven to pass"
    return head


def doctor_text(findings: list[Finding], sources: list[str]) -> str:
    lines = [_head(findings), "from " + "; ".join(sources), ""]
    for finding in findings:
        lines.append(f"{_label(finding)}  {finding.code}")
        lines.append(f"      {finding.message}")
        if finding.status in (Status.FAIL, Status.WARN) or finding.code is Code.DOCTOR_UNKNOWN:
            if finding.expected:
                lines.append(f"      expected  {finding.expected}")
            if finding.observed:
                lines.append(f"      observed  {finding.observed}")
            if finding.hint:
                lines.append(f"      fix       {finding.hint}")
    return "\n".join(lines) + "\n"


def doctor_verdict(findings: list[Finding]) -> str:
    """`fails` when a failure is predicted; else `unknown` while any check could not be
    settled (an unknown is not a pass); `works` only when every check passed."""
    if any(f.status is Status.FAIL for f in findings):
        return "fails"
    return "unknown" if _unknowns(findings) else "works"


def doctor_json(findings: list[Finding], sources: list[str]) -> str:
    return json.dumps(
        {
            "verdict": doctor_verdict(findings),
            "unknown": len(_unknowns(findings)),
            "sources": sources,
            "findings": [f.to_dict() for f in findings],
        },
        indent=2,
        ensure_ascii=False,
    )
