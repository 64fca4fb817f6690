"""The report for a person at a terminal: failing checks first, colour on a TTY."""

from __future__ import annotations

from sp_sim.core.model import Finding, Report, Status

_LABEL = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.PASS: "PASS", Status.SKIPPED: "SKIP"}
_COLOUR = {Status.FAIL: "31;1", Status.WARN: "33;1", Status.PASS: "32", Status.SKIPPED: "2"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _finding(finding: Finding, colour: bool) -> list[str]:
    label = _paint(_LABEL[finding.status].ljust(4), _COLOUR[finding.status], colour)
    unverified = " (read from unsigned content)" if finding.covered_by_signature is False else ""
    lines = [f"{label}  {finding.code}{unverified}", f"      {finding.message}"]
    if finding.status in (Status.FAIL, Status.WARN):
        if finding.expected is not None:
            lines.append(f"      expected  {finding.expected}")
        if finding.observed is not None:
            lines.append(f"      observed  {finding.observed}")
        if finding.hint is not None:
            lines.append(_paint(f"      fix       {finding.hint}", "36", colour))
        if finding.location:
            lines.append(f"      where     {finding.location}")
    return lines


def report_text(report: Report, colour: bool = False) -> str:
    """Verdict, context, then every finding, failures first."""
    verdict = _paint(
        f"WOULD WORK: {report.summary()}" if report.works else report.summary().upper(),
        "32;1" if report.works else "31;1",
        colour,
    )
    context = [f"judged at {report.judged_at}"] if report.judged_at else []
    if report.initiated_by:
        context.append(f"{report.initiated_by.upper()}-initiated")
    context.append("signed: " + (" and ".join(report.signed_elements) or "nothing verified"))
    lines = [verdict, " · ".join(context), ""]
    for finding in report.ordered():
        lines += _finding(finding, colour)
    counts = {s: sum(1 for f in report.findings if f.status is s) for s in Status}
    lines += ["", ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines)
