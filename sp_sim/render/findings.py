"""The one way a finding is printed as text: its status label, code, message and, for a
failure, a warning or an unknown, the expected / observed / fix / where lines. `check`,
`evidence`, `doctor`, case reports and the pytest harness all print through here, so a
finding reads the same wherever it shows up.

    FAIL  audience.mismatch
          The Audience is not this SP's entity ID.
          expected  https://us-api.mimecast.com/sso/CUSA1A1
          observed  https://eu-api.mimecast.com/sso/CUSA1A1
          fix       Entra app › Basic SAML Configuration › Identifier (Entity ID): …

`brief=True` gives the two-line form a test failure message wants: `FAIL code: message`
and its fix."""

from __future__ import annotations

from collections.abc import Iterable

from sp_sim.core.model import Finding, Report, Status
from sp_sim.render.verdict import is_unknown

__all__ = ["explain", "finding_lines", "findings_lines", "label", "paint"]

_LABEL = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.PASS: "PASS", Status.SKIPPED: "SKIP"}
_COLOUR = {Status.FAIL: "31;1", Status.WARN: "33;1", Status.PASS: "32", Status.SKIPPED: "2"}
_UNKNOWN_COLOUR = "35;1"
_FIX_COLOUR = "36"
_DETAIL = "      "  # under the code, after the label column
_PROBLEMS = (Status.FAIL, Status.WARN)


def paint(text: str, sgr: str, colour: bool) -> str:
    """`text` in the ANSI colour `sgr` when `colour`, else unchanged."""
    return f"\x1b[{sgr}m{text}\x1b[0m" if colour else text


def label(finding: Finding) -> str:
    """FAIL, WARN, PASS, SKIP, or UNKNOWN for a check that could not be settled."""
    return "UNKNOWN" if is_unknown(finding) else _LABEL[finding.status]


def _head(finding: Finding, colour: bool, *, brief: bool) -> str:
    sgr = _UNKNOWN_COLOUR if is_unknown(finding) else _COLOUR[finding.status]
    shown = paint(label(finding) if brief else label(finding).ljust(4), sgr, colour)
    unsigned = " (read from unsigned content)" if finding.covered_by_signature is False else ""
    return f"{shown}{' ' if brief else '  '}{finding.code}{unsigned}"


def _fix(finding: Finding, prefix: str, colour: bool) -> list[str]:
    return [] if finding.hint is None else [paint(f"{prefix}{finding.hint}", _FIX_COLOUR, colour)]


def finding_lines(
    finding: Finding, *, colour: bool = False, brief: bool = False, indent: str = ""
) -> list[str]:
    """The finding as text lines (without newlines), each prefixed with `indent`.

    The full form is the label, the code and the message; a failure, a warning or an
    unknown adds what was expected and observed, the fix and where it looked. The brief
    form is one line `LABEL code: message` and its fix."""
    if brief:
        head = _head(finding, colour, brief=True)
        lines = [f"{head}: {finding.message}", *_fix(finding, "  fix: ", colour)]
    else:
        lines = [_head(finding, colour, brief=False), f"{_DETAIL}{finding.message}"]
        if finding.status in _PROBLEMS or is_unknown(finding):
            lines += _details(finding, colour)
    return [f"{indent}{line}" for line in lines]


def _details(finding: Finding, colour: bool) -> list[str]:
    lines = []
    if finding.expected is not None:
        lines.append(f"{_DETAIL}expected  {finding.expected}")
    if finding.observed is not None:
        lines.append(f"{_DETAIL}observed  {finding.observed}")
    lines += _fix(finding, f"{_DETAIL}fix       ", colour)
    if finding.location:
        lines.append(f"{_DETAIL}where     {finding.location}")
    return lines


def findings_lines(
    findings: Report | Iterable[Finding],
    *,
    problems_only: bool = False,
    colour: bool = False,
    indent: str = "",
) -> list[str]:
    """Every finding (or only failures and warnings) in the order `Report.ordered()`
    gives: failures first, then warnings, passes and skipped checks, each in check order."""
    report = findings if isinstance(findings, Report) else Report(tuple(findings))
    lines: list[str] = []
    for finding in report.ordered():
        if not problems_only or finding.status in _PROBLEMS:
            lines += finding_lines(finding, colour=colour, indent=indent)
    return lines


def explain(report: Report, *, colour: bool = False) -> str:
    """Why a sign-in would fail, for a test failure message: every failing check with
    its fix. A report that works says so."""
    if report.works:
        return f"SSO would work: {report.summary()}"
    lines = [f"SSO would fail ({len(report.failures)} failing check(s)):"]
    for finding in report.failures:
        lines += finding_lines(finding, colour=colour, brief=True, indent="  ")
    return "\n".join(lines)
