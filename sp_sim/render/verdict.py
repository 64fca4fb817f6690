"""What a result comes to, in one wording: `works`, `fails` or `unknown`. Reports, sign-ins,
the doctor's diagnosis and case bundles all say their verdict with this type, and the text
and JSON printers word it from here.

An unknown is not a pass: a verdict made of several is `fails` when any part fails, else
`unknown` when any part is unknown, and `works` only when every part works."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Report, Status

__all__ = ["Verdict", "is_unknown"]


def is_unknown(finding: Finding) -> bool:
    """A check its inputs could not settle (`doctor.unknown`): neither a pass nor a
    failure. Printed UNKNOWN, and it makes a verdict `unknown` unless something fails."""
    return finding.code is Code.DOCTOR_UNKNOWN


class Verdict(StrEnum):
    """What a report, sign-in, diagnosis or case comes to."""

    WORKS = "works"
    FAILS = "fails"
    UNKNOWN = "unknown"

    @property
    def works(self) -> bool:
        return self is Verdict.WORKS

    @property
    def heading(self) -> str:
        """The verdict as a heading: WORKS, FAILS, UNKNOWN."""
        return self.value.upper()

    @classmethod
    def of(cls, works: bool) -> Verdict:
        return cls.WORKS if works else cls.FAILS

    @classmethod
    def of_report(cls, report: Report) -> Verdict:
        """The engine's verdict (`Report.verdict`): fails when a check failed."""
        return cls(report.verdict)

    @classmethod
    def of_findings(cls, findings: Iterable[Finding]) -> Verdict:
        """Fails when a finding fails; else unknown while any check could not be settled;
        works only when every check passed (or warned)."""
        return cls.all_of((cls._of_finding(f) for f in findings), empty=cls.WORKS)

    @classmethod
    def _of_finding(cls, finding: Finding) -> Verdict:
        if finding.status is Status.FAIL:
            return cls.FAILS
        return cls.UNKNOWN if is_unknown(finding) else cls.WORKS

    @classmethod
    def all_of(cls, verdicts: Iterable[Verdict], *, empty: Verdict) -> Verdict:
        """Fails when any part fails, else unknown when any is, else works; `empty`
        when there are no parts."""
        parts = set(verdicts)
        if not parts:
            return empty
        for verdict in (cls.FAILS, cls.UNKNOWN):
            if verdict in parts:
                return verdict
        return cls.WORKS
