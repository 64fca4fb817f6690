"""The report for a person at a terminal: failing checks first, colour on a TTY."""

from __future__ import annotations

from sp_sim.core.model import Report, Status
from sp_sim.render.findings import findings_lines, paint

_SPELLING = {"sp": "SP", "idp": "IdP"}


def initiated(initiated_by: str | None) -> str:
    """`SP-initiated` or `IdP-initiated` (one spelling everywhere), `?-initiated` unknown."""
    return f"{_SPELLING.get(initiated_by or '', initiated_by or '?')}-initiated"


def report_text(report: Report, colour: bool = False) -> str:
    """Verdict, context, then every finding, failures first."""
    verdict = paint(
        f"WOULD WORK: {report.summary()}" if report.works else report.summary().upper(),
        "32;1" if report.works else "31;1",
        colour,
    )
    context = [f"judged at {report.judged_at}"] if report.judged_at else []
    if report.initiated_by:
        context.append(initiated(report.initiated_by))
    context.append("signed: " + (" and ".join(report.signed_elements) or "nothing verified"))
    lines = [verdict, " · ".join(context), ""]
    lines += findings_lines(report, colour=colour)
    counts = {s: sum(1 for f in report.findings if f.status is s) for s in Status}
    lines += ["", ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines)
