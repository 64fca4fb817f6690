"""Time: is `now` inside the assertion's validity, allowing for clock skew?

SAML Core §2.5.1.2: valid when NotBefore <= now < NotOnOrAfter. Profiles §4.1.4.2: the
bearer SubjectConfirmationData NotOnOrAfter bounds when the assertion may be delivered.
`now` and the skew are parameters: an old failure is reproduced at its own instant.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    """A duration as `1 h 2 min 3 s`."""
    seconds = int(abs(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s"]
    return " ".join(p for p in parts if p and (p != "0 s" or seconds == 0))


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


def check_time(
    assertion: etree._Element,
    confirmations: Iterable[etree._Element],
    now: datetime,
    skew: timedelta,
    covered: bool,
) -> list[Finding]:
    """NotBefore / NotOnOrAfter of Conditions and of the bearer confirmations."""
    conditions = assertion.find(qname(ASSERTION, "Conditions"))
    skew_text = f"allowing {human(skew)} of clock skew"
    at = format_instant(now)

    def finding(
        code: Code,
        status: Status,
        message: str,
        expected: str | None,
        observed: str | None,
        location: str,
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
            covered_by_signature=covered,
        )

    try:
        not_before = None if conditions is None else _instant(conditions, "NotBefore")
        not_after = None if conditions is None else _instant(conditions, "NotOnOrAfter")
        deliver_by = [(_instant(c, "NotOnOrAfter"), c) for c in confirmations]
    except ValueError as error:
        return [
            finding(
                Code.TIME_UNREADABLE,
                Status.FAIL,
                f"A time is unreadable: {error}.",
                "xs:dateTime in UTC",
                None,
                _CONDITIONS,
                None,
            )
        ]
    findings: list[Finding] = []
    if not_after is None:
        findings.append(
            finding(
                Code.TIME_MISSING,
                Status.FAIL,
                "The assertion has no Conditions NotOnOrAfter: it would never expire.",
                "Conditions with NotBefore and NotOnOrAfter",
                None,
                _CONDITIONS,
                None,
            )
        )
    if any(limit is None for limit, _ in deliver_by):
        findings.append(
            finding(
                Code.TIME_MISSING,
                Status.FAIL,
                "A bearer SubjectConfirmationData has no NotOnOrAfter.",
                "NotOnOrAfter on SubjectConfirmationData",
                None,
                _SCD,
                None,
            )
        )
    window = f"{format_instant(not_before) if not_before else '…'} to " + (
        format_instant(not_after) if not_after else "…"
    )
    if not_before is not None and now + skew < not_before:
        findings.append(
            finding(
                Code.TIME_NOT_YET_VALID,
                Status.FAIL,
                f"At {at} the assertion is not valid for another {human(not_before - now)} "
                f"({human(not_before - now - skew)} beyond the skew): the IdP's clock runs ahead, "
                "or the SP's behind.",
                f"NotBefore <= now + {human(skew)}",
                f"NotBefore {format_instant(not_before)}",
                f"{_CONDITIONS}/@NotBefore",
            )
        )
    if not_after is not None and now - skew >= not_after:
        findings.append(
            finding(
                Code.TIME_EXPIRED,
                Status.FAIL,
                f"At {at} the assertion expired {human(now - not_after)} ago "
                f"({human(now - skew - not_after)} beyond the skew).",
                f"now - {human(skew)} < NotOnOrAfter",
                f"NotOnOrAfter {format_instant(not_after)}",
                f"{_CONDITIONS}/@NotOnOrAfter",
            )
        )
    for limit, _ in deliver_by:
        if limit is not None and now - skew >= limit:
            findings.append(
                finding(
                    Code.TIME_CONFIRMATION_EXPIRED,
                    Status.FAIL,
                    f"At {at} the time to deliver the assertion ran out {human(now - limit)} ago "
                    f"({human(now - skew - limit)} beyond the skew). Entra gives five minutes.",
                    f"now - {human(skew)} < NotOnOrAfter",
                    f"NotOnOrAfter {format_instant(limit)}",
                    f"{_SCD}/@NotOnOrAfter",
                )
            )
    if not findings:
        left = f"; {human(not_after - now)} left" if not_after and not_after > now else ""
        findings.append(
            finding(
                Code.TIME_VALID,
                Status.PASS,
                f"At {at}, inside {window}, {skew_text}{left}.",
                f"inside the window, {skew_text}",
                window,
                _CONDITIONS,
                None,
            )
        )
    return findings
