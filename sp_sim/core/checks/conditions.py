"""Time: is `now` inside the assertion's validity, allowing for clock skew?

SAML Core §2.5.1.2: valid when NotBefore <= now < NotOnOrAfter. Profiles §4.1.4.2: the
bearer SubjectConfirmationData NotOnOrAfter bounds when the assertion may be delivered.
`now` and the skew are parameters: an old failure is reproduced at its own instant.

One function per rule, each given the read `Window` and the `Clock` it is judged at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from sp_sim.core.checks.subject import bearer_confirmations
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.xml import ASSERTION, format_instant, parse_instant, qname

_CLOCK = Hint(Side.CLOCKS, "time", "synchronise the clocks (NTP) of the IdP and the SP host")
_CONDITIONS = "/Response/Assertion/Conditions"
_SCD = "/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData"


def human(delta: timedelta) -> str:
    """A duration as `2 d 1 h 2 min 3 s` (zero parts left out)."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _instant(element: etree._Element, name: str) -> datetime | None:
    value = element.get(name)
    return None if value is None else parse_instant(value)


def assertion_limits(assertion: etree._Element) -> list[datetime]:
    """Every readable NotOnOrAfter that bounds the assertion (Conditions and bearer data)."""
    conditions = assertion.find(qname(ASSERTION, "Conditions"))
    holders = [] if conditions is None else [conditions]
    holders += bearer_confirmations(assertion)
    limits = []
    for holder in holders:
        try:
            limit = _instant(holder, "NotOnOrAfter")
        except ValueError:
            continue
        if limit is not None:
            limits.append(limit)
    return limits


@dataclass(frozen=True)
class Window:
    """The assertion's time limits as read: Conditions and each bearer confirmation's."""

    not_before: datetime | None
    not_after: datetime | None
    deliver_by: tuple[datetime | None, ...]

    @property
    def text(self) -> str:
        start = format_instant(self.not_before) if self.not_before else "…"
        return f"{start} to {format_instant(self.not_after) if self.not_after else '…'}"


@dataclass(frozen=True)
class Clock:
    """The instant judged at, the skew allowed, and whether a signature covers the times."""

    now: datetime
    skew: timedelta
    covered: bool

    @property
    def at(self) -> str:
        return format_instant(self.now)

    def finding(
        self,
        code: Code,
        message: str,
        expected: str | None,
        observed: str | None,
        location: str,
        *,
        status: Status = Status.FAIL,
        hint: Hint | None = _CLOCK,
    ) -> Finding:
        return Finding(
            code,
            status,
            message,
            expected=expected,
            observed=observed,
            hint=hint,
            location=location,
            covered_by_signature=self.covered,
        )


def read_window(assertion: etree._Element, confirmations: Iterable[etree._Element]) -> Window:
    """Raises ValueError for a time that is no xs:dateTime (or is out of range)."""
    conditions = assertion.find(qname(ASSERTION, "Conditions"))
    return Window(
        not_before=None if conditions is None else _instant(conditions, "NotBefore"),
        not_after=None if conditions is None else _instant(conditions, "NotOnOrAfter"),
        deliver_by=tuple(_instant(c, "NotOnOrAfter") for c in confirmations),
    )


def check_limits_present(window: Window, clock: Clock) -> list[Finding]:
    """An assertion with no NotOnOrAfter, or a bearer confirmation without one, never expires."""
    found = []
    if window.not_after is None:
        found.append(
            clock.finding(
                Code.TIME_MISSING,
                "The assertion has no Conditions NotOnOrAfter: it would never expire.",
                "Conditions with NotBefore and NotOnOrAfter",
                None,
                _CONDITIONS,
                hint=None,
            )
        )
    if any(limit is None for limit in window.deliver_by):
        found.append(
            clock.finding(
                Code.TIME_MISSING,
                "A bearer SubjectConfirmationData has no NotOnOrAfter.",
                "NotOnOrAfter on SubjectConfirmationData",
                None,
                _SCD,
                hint=None,
            )
        )
    return found


def check_not_before(window: Window, clock: Clock) -> list[Finding]:
    """Core §2.5.1.2: not valid before NotBefore (less the skew)."""
    start = window.not_before
    if start is None or clock.now + clock.skew >= start:
        return []
    early = start - clock.now
    return [
        clock.finding(
            Code.TIME_NOT_YET_VALID,
            f"At {clock.at} the assertion is not valid for another {human(early)} "
            f"({human(early - clock.skew)} beyond the skew): the IdP's clock runs ahead, "
            "or the SP's behind.",
            f"NotBefore <= now + {human(clock.skew)}",
            f"NotBefore {format_instant(start)}",
            f"{_CONDITIONS}/@NotBefore",
        )
    ]


def check_not_on_or_after(window: Window, clock: Clock) -> list[Finding]:
    """Core §2.5.1.2: not valid at or after NotOnOrAfter (plus the skew)."""
    end = window.not_after
    if end is None or clock.now - clock.skew < end:
        return []
    return [
        clock.finding(
            Code.TIME_EXPIRED,
            f"At {clock.at} the assertion expired {human(clock.now - end)} ago "
            f"({human(clock.now - clock.skew - end)} beyond the skew).",
            f"now - {human(clock.skew)} < NotOnOrAfter",
            f"NotOnOrAfter {format_instant(end)}",
            f"{_CONDITIONS}/@NotOnOrAfter",
        )
    ]


def check_delivery(window: Window, clock: Clock) -> list[Finding]:
    """Profiles §4.1.4.2: each bearer confirmation bounds when it may be delivered."""
    return [
        clock.finding(
            Code.TIME_CONFIRMATION_EXPIRED,
            f"At {clock.at} the time to deliver the assertion ran out {human(clock.now - limit)} "
            f"ago ({human(clock.now - clock.skew - limit)} beyond the skew). IdPs commonly "
            "give five minutes.",
            f"now - {human(clock.skew)} < NotOnOrAfter",
            f"NotOnOrAfter {format_instant(limit)}",
            f"{_SCD}/@NotOnOrAfter",
        )
        for limit in window.deliver_by
        if limit is not None and clock.now - clock.skew >= limit
    ]


_RULES = (check_limits_present, check_not_before, check_not_on_or_after, check_delivery)


def check_time(
    assertion: etree._Element,
    confirmations: Iterable[etree._Element],
    now: datetime,
    skew: timedelta,
    covered: bool,
) -> list[Finding]:
    """NotBefore / NotOnOrAfter of Conditions and of the bearer confirmations."""
    clock = Clock(now, skew, covered)
    try:
        window = read_window(assertion, confirmations)
    except ValueError as error:
        return [
            clock.finding(
                Code.TIME_UNREADABLE,
                f"A time is unreadable: {error}.",
                "xs:dateTime in UTC",
                None,
                _CONDITIONS,
                hint=None,
            )
        ]
    findings = [finding for rule in _RULES for finding in rule(window, clock)]
    if findings:
        return findings
    skew_text = f"allowing {human(skew)} of clock skew"
    left = ""
    if window.not_after and window.not_after > now:
        left = f"; {human(window.not_after - now)} left"
    return [
        clock.finding(
            Code.TIME_VALID,
            f"At {clock.at}, inside {window.text}, {skew_text}{left}.",
            f"inside the window, {skew_text}",
            window.text,
            _CONDITIONS,
            status=Status.PASS,
            hint=None,
        )
    ]
