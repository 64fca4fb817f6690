"""Rebuild each sign-in of a capture — AuthnRequest, Entra's answer (a SAMLResponse or an
error page), the POST to Mimecast and its reply — pair responses with their requests by
InResponseTo, judge every response at the instant it was captured, and say which step
failed. Several sign-ins in one file are several timelines.

Responses are judged in capture order with one request store and one replay cache for the
whole capture (`sp_sim.support.stores`): a request is used once, and a second post of an
accepted assertion fails `replay.replayed`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sp_sim.core.aadsts import CATALOGUE
from sp_sim.core.engine import check_response
from sp_sim.core.mimecast import region_for_host
from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.support.evidence import Step
from sp_sim.support.stores import CaptureStores


@dataclass
class SignIn:
    """One sign-in attempt as the capture shows it."""

    number: int
    request: Step | None = None
    error: Step | None = None
    response: Step | None = None
    report: Report | None = None
    notes: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    """What the capture cannot tell about this sign-in; never counted as a pass or a fail."""

    @property
    def initiated_by(self) -> str:
        """SP when the capture shows its AuthnRequest or the response answers one."""
        if self.request is not None:
            return "SP"
        if self.response is not None and self.response.named_requests():
            return "SP"
        return "IdP"

    @property
    def at(self) -> datetime | None:
        """When the capture shows the sign-in: its response, else its error, else its request."""
        for step in (self.response, self.error, self.request):
            if step is not None and step.at is not None:
                return step.at
        return None

    @property
    def works(self) -> bool:
        return self.error is None and self.report is not None and self.report.works

    @property
    def failed_step(self) -> str | None:
        """Which step failed, in words, or None when the sign-in would work."""
        if self.error is not None:
            known = CATALOGUE.get(self.error.aadsts or "")
            said = self.error.aadsts_text or (known.meaning if known else "")
            fix = f" Fix: {known.hint}." if known else ""
            where = (
                f" (correlation {self.error.correlation_id}, {self.error.idp_timestamp})"
                if self.error.correlation_id
                else ""
            )
            return f"Entra refused the AuthnRequest with {self.error.aadsts}: {said}{where}.{fix}"
        if self.report is None:
            return (
                "no answer from the IdP in the capture: the browser stopped at the IdP "
                "(a sign-in page, MFA, or the capture ended)"
            )
        if not self.report.works:
            checks = ", ".join(str(f.code) for f in self.report.failures)
            return f"Mimecast would refuse Entra's response: {checks}"
        return None

    def to_dict(self) -> dict[str, Any]:
        def step(s: Step | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {
                "kind": s.kind,
                "method": s.method,
                "url": s.url,
                "at": None if s.at is None else s.at.isoformat(),
                "status": s.status,
                "reply": s.reply or None,
                "aadsts": s.aadsts,
                "correlation_id": s.correlation_id,
                "notes": s.notes,
            }

        return {
            "sign_in": self.number,
            "initiated_by": self.initiated_by,
            "verdict": "works" if self.works else "fails",
            "failed_step": self.failed_step,
            "request": step(self.request),
            "idp_error": step(self.error),
            "response": step(self.response),
            "report": None if self.report is None else self.report.to_dict(),
            "notes": self.notes,
            "unknowns": self.unknowns,
        }


def build_timelines(steps: list[Step]) -> list[SignIn]:
    """Group steps into sign-ins, in capture order."""
    sign_ins: list[SignIn] = []
    by_request: dict[str, SignIn] = {}
    for step in steps:
        if step.kind == "authn-request":
            sign_in = SignIn(len(sign_ins) + 1, request=step)
            sign_ins.append(sign_in)
            if request_id := step.attribute("ID"):
                by_request[request_id] = sign_in
        elif step.kind == "idp-error":
            open_ones = [
                s
                for s in sign_ins
                if s.request is not None
                and s.response is None
                and s.error is None
                and s.request.host == step.host
            ]
            if open_ones:
                open_ones[-1].error = step
            else:
                sign_ins.append(SignIn(len(sign_ins) + 1, error=step))
        elif step.kind == "saml-response":
            answered = by_request.get(step.attribute("InResponseTo") or "")
            if answered is not None and answered.response is None and answered.error is None:
                answered.response = step
            else:
                sign_ins.append(_unpaired(len(sign_ins) + 1, step, sign_ins, answered))
    return sign_ins


def _unpaired(number: int, step: Step, earlier: list[SignIn], answered: SignIn | None) -> SignIn:
    """A response that is not the first answer to a request in the capture: IdP-initiated,
    a post of an earlier response again, or a second answer to one request."""
    sign_in = SignIn(number, response=step)
    again = next(
        (s for s in earlier if s.response is not None and s.response.xml == step.xml), None
    )
    if again is not None and step.xml is not None:
        sign_in.notes.append(f"the same SAMLResponse as sign-in {again.number}, posted again")
    elif answered is not None:
        sign_in.notes.append(
            f"answers the AuthnRequest of sign-in {answered.number}, which was already answered"
        )
    return sign_in


def judge(
    sign_ins: list[SignIn], settings: CheckSettings, at: datetime | None = None
) -> list[SignIn]:
    """Judge each response at the instant it was captured (or `at`, when given), in capture
    order, with the capture's request store and replay cache (see `sp_sim.support.stores`).
    A pasted message (no capture around it) is judged with the settings alone."""
    stores = CaptureStores.from_settings(settings)
    for _, kind, sign_in in _in_capture_order(sign_ins):
        if kind == "request":
            stores.send(sign_in.request.attribute("ID") if sign_in.request else None)
        else:
            _judge_response(sign_in, settings, stores, at)
    return sign_ins


def _judge_response(
    sign_in: SignIn, settings: CheckSettings, stores: CaptureStores, at: datetime | None
) -> None:
    step = sign_in.response
    if step is None or step.body is None:
        return
    instant = at or step.at or _issue_instant(step)
    if instant is None:
        instant = datetime.now(UTC)
        sign_in.notes.append("no capture time: judged now")
    region = region_for_host(step.host)
    judged = replace(settings, received_at=region.acs_url if region is not None else None)
    if step.xml is not None:  # a captured message, not one pasted on its own
        named = step.named_requests()
        judged = stores.settings_for(judged, named)
        sign_in.unknowns = [_unknown_request(r) for r in sorted(stores.unknown_requests(named))]
    sign_in.report = check_response(step.body, judged, instant)
    stores.record(sign_in.report)


def _in_capture_order(sign_ins: list[SignIn]) -> list[tuple[int, str, SignIn]]:
    """Each AuthnRequest and response as (capture position, kind, sign-in), in order; a
    request before a response at the same position."""
    events = [(s.request.index, "request", s) for s in sign_ins if s.request is not None]
    events += [(s.response.index, "response", s) for s in sign_ins if s.response is not None]
    return sorted(events, key=lambda e: (e[0], e[1] != "request"))


def _unknown_request(request_id: str) -> str:
    return (
        f"InResponseTo {request_id} names an AuthnRequest the capture does not show (sent "
        "before the capture started, or from another tab): whether Mimecast still held it "
        "outstanding is unknown, so it was not compared"
    )


def _issue_instant(step: Step) -> datetime | None:
    value = step.attribute("IssueInstant")
    try:
        return None if value is None else parse_instant(value)
    except ValueError:
        return None
