"""The doctor's predictions for a person, and as JSON."""

from __future__ import annotations

import json

from sp_sim.core.model import Finding, Status

_LABEL = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.PASS: "PASS", Status.SKIPPED: "SKIP"}


def doctor_text(findings: list[Finding], sources: list[str]) -> str:
    failing = [f for f in findings if f.status is Status.FAIL]
    head = (
        f"doctor: {len(failing)} predicted failure(s)"
        if failing
        else "doctor: no failure predicted from these settings"
    )
    lines = [head, "from " + "; ".join(sources), ""]
    for finding in findings:
        lines.append(f"{_LABEL[finding.status]}  {finding.code}")
        lines.append(f"      {finding.message}")
        if finding.status in (Status.FAIL, Status.WARN):
            if finding.expected:
                lines.append(f"      expected  {finding.expected}")
            if finding.observed:
                lines.append(f"      observed  {finding.observed}")
            if finding.hint:
                lines.append(f"      fix       {finding.hint}")
    return "\n".join(lines) + "\n"


def doctor_json(findings: list[Finding], sources: list[str]) -> str:
    works = not any(f.status is Status.FAIL for f in findings)
    return json.dumps(
        {
            "verdict": "works" if works else "fails",
            "sources": sources,
            "findings": [f.to_dict() for f in findings],
        },
        indent=2,
        ensure_ascii=False,
    )
