"""What the SP remembers across the sign-ins of one capture, as the simulator's server does:
the AuthnRequests it sent (outstanding until an accepted response answers one) and the
assertions it accepted (a second post of one is a replay).

The rule for a response whose InResponseTo names no AuthnRequest shown earlier in the
capture: the request may have been sent before the capture started (or from another tab),
so whether Mimecast still held it is unknown. Such a response is judged without a request
store (the engine then does not compare InResponseTo) and the sign-in says it is unknown.
Only when the caller names the requests outstanding before the capture (`--request-id`)
is every InResponseTo compared. Requests do not expire within a capture: the assertion's
own time limits are judged at the captured instant.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field, replace

from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings


@dataclass(frozen=True)
class _Either(Container[str]):
    """An ID seen in either container: the capture's accepted assertions, or the caller's."""

    first: Container[str]
    second: Container[str]

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second


@dataclass
class CaptureStores:
    """One request store and one replay cache for every sign-in of one capture, fed in
    capture order. `before` are the requests the caller says were outstanding before the
    capture (None: not known); `seen` the assertion IDs the caller says were used."""

    before: frozenset[str] | None = None
    seen: Container[str] | None = None
    sent: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: CheckSettings) -> CaptureStores:
        given = settings.outstanding_requests
        return cls(
            before=None if given is None else frozenset(given),
            seen=settings.seen_assertion_ids,
        )

    def send(self, request_id: str | None) -> None:
        """The capture shows the SP sending this AuthnRequest."""
        if request_id:
            self.sent.add(request_id)

    def unknown_requests(self, named: frozenset[str]) -> frozenset[str]:
        """The InResponseTo values nothing in the capture (or the caller) can answer for."""
        if self.before is not None or named & self.sent:
            return frozenset()
        return named

    def settings_for(self, settings: CheckSettings, named: frozenset[str]) -> CheckSettings:
        """Snapshots of both stores for judging the next response, which names `named`."""
        outstanding: frozenset[str] | None = None
        if not self.unknown_requests(named):
            outstanding = frozenset((self.before or frozenset()) | self.sent) - self.answered
        accepted = frozenset(self.accepted)
        seen = accepted if self.seen is None else _Either(accepted, self.seen)
        return replace(settings, outstanding_requests=outstanding, seen_assertion_ids=seen)

    def record(self, report: Report) -> None:
        """An accepted assertion is used up, and so is the request it answered."""
        if not report.works:
            return
        if report.assertion_id:
            self.accepted.add(report.assertion_id)
        if report.in_response_to:
            self.answered.add(report.in_response_to)
