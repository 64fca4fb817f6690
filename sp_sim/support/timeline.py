"""Rebuild each sign-in of a capture — AuthnRequest, Entra's answer (a SAMLResponse or an
error page), the POST to Mimecast and its reply — pair responses with their requests by
InResponseTo, judge every response at the instant it was captured, and say which step
failed. Several sign-ins in one file are several timelines.

Responses are judged in capture order with one request store and one replay cache for the
whole capture (`sp_sim.support.stores`): a request is used once, and a second post of an
accepted assertion fails `replay.replayed`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sp_sim.core.aadsts import CATALOGUE
from sp_sim.core.engine import check_response
from sp_sim.core.mimecast import region_for_host
from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import format_instant, parse_instant
from sp_sim.render.verdict import Verdict
from sp_sim.support.evidence import CaptureFormat, Step, StepKind
from sp_sim.support.stores import CaptureStores


@dataclass(frozen=True)
class SignIn:
    """One sign-in attempt as the capture shows it."""

    number: int
    request: Step | None = None
    error: Step | None = None
    response: Step | None = None
    report: Report | None = None
    notes: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
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
    def verdict(self) -> Verdict:
        """works or fails: what the capture shows it cannot tell stays in `unknowns`."""
        return Verdict.of(self.works)

    @property
    def open(self) -> bool:
        """An AuthnRequest the capture shows no answer to (yet)."""
        return self.request is not None and self.response is None and self.error is None

    @property
    def failed_step(self) -> str | None:
        """Which step failed, in words, or None when the sign-in would work."""
        if self.error is not None:
            return _refused(self.error)
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
        return {
            "sign_in": self.number,
            "initiated_by": self.initiated_by,
            "verdict": str(self.verdict),
            "failed_step": self.failed_step,
            "request": _step_dict(self.request),
            "idp_error": _step_dict(self.error),
            "response": _step_dict(self.response),
            "report": None if self.report is None else self.report.to_dict(),
            "notes": list(self.notes),
            "unknowns": list(self.unknowns),
        }


def _refused(error: Step) -> str:
    known = CATALOGUE.get(error.aadsts or "")
    said = error.aadsts_text or (known.meaning if known else "")
    fix = f" Fix: {known.hint}." if known else ""
    where = (
        f" (correlation {error.correlation_id}, {error.idp_timestamp})"
        if error.correlation_id
        else ""
    )
    return f"Entra refused the AuthnRequest with {error.aadsts}: {said}{where}.{fix}"


def _step_dict(step: Step | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "kind": str(step.kind),
        "method": step.method,
        "url": step.url,
        "at": None if step.at is None else format_instant(step.at),
        "status": step.status,
        "reply": step.reply or None,
        "aadsts": step.aadsts,
        "correlation_id": step.correlation_id,
        "notes": list(step.notes),
    }


@dataclass(frozen=True)
class Timelines:
    """Every sign-in one capture shows, judged."""

    capture_format: CaptureFormat
    sign_ins: tuple[SignIn, ...]

    @property
    def verdict(self) -> Verdict:
        """works only when the capture shows a sign-in and every one works."""
        return Verdict.all_of((s.verdict for s in self.sign_ins), empty=Verdict.FAILS)

    @property
    def works(self) -> bool:
        return self.verdict.works

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": str(self.capture_format),
            "verdict": str(self.verdict),
            "sign_ins": [s.to_dict() for s in self.sign_ins],
        }


def judge_capture(
    capture_format: CaptureFormat,
    steps: list[Step],
    settings: CheckSettings,
    at: datetime | None = None,
) -> Timelines:
    """The capture's sign-ins, rebuilt and judged (see `build_timelines` and `judge`)."""
    return Timelines(capture_format, tuple(judge(build_timelines(steps), settings, at)))


def build_timelines(steps: list[Step]) -> list[SignIn]:
    """Group steps into sign-ins, in capture order."""
    sign_ins: list[SignIn] = []
    by_request: dict[str, int] = {}  # AuthnRequest ID -> its sign-in's place in sign_ins
    for step in steps:
        if step.kind is StepKind.AUTHN_REQUEST:
            if request_id := step.attribute("ID"):
                by_request[request_id] = len(sign_ins)
            sign_ins.append(SignIn(len(sign_ins) + 1, request=step))
        elif step.kind is StepKind.IDP_ERROR:
            _add_error(sign_ins, step)
        elif step.kind is StepKind.SAML_RESPONSE:
            _add_response(sign_ins, step, by_request.get(step.attribute("InResponseTo") or ""))
    return sign_ins


def _add_error(sign_ins: list[SignIn], step: Step) -> None:
    """Entra's error page answers the latest open AuthnRequest sent to its host."""
    waiting = [
        place
        for place, s in enumerate(sign_ins)
        if s.open and s.request is not None and s.request.host == step.host
    ]
    if waiting:
        sign_ins[waiting[-1]] = replace(sign_ins[waiting[-1]], error=step)
    else:
        sign_ins.append(SignIn(len(sign_ins) + 1, error=step))


def _add_response(sign_ins: list[SignIn], step: Step, answered: int | None) -> None:
    """A response answers the open AuthnRequest it names; any other is a sign-in of its own."""
    if answered is not None and sign_ins[answered].open:
        sign_ins[answered] = replace(sign_ins[answered], response=step)
    else:
        earlier = None if answered is None else sign_ins[answered]
        sign_ins.append(_unpaired(len(sign_ins) + 1, step, sign_ins, earlier))


def _unpaired(number: int, step: Step, earlier: list[SignIn], answered: SignIn | None) -> SignIn:
    """A response that is not the first answer to a request in the capture: IdP-initiated,
    a post of an earlier response again, or a second answer to one request."""
    again = next(
        (s for s in earlier if s.response is not None and s.response.xml == step.xml), None
    )
    notes: tuple[str, ...] = ()
    if again is not None and step.xml is not None:
        notes = (f"the same SAMLResponse as sign-in {again.number}, posted again",)
    elif answered is not None:
        notes = (
            f"answers the AuthnRequest of sign-in {answered.number}, which was already answered",
        )
    return SignIn(number, response=step, notes=notes)


def judge(
    sign_ins: list[SignIn], settings: CheckSettings, at: datetime | None = None
) -> list[SignIn]:
    """Judge each response at the instant it was captured (or `at`, when given), in capture
    order, with the capture's request store and replay cache (see `sp_sim.support.stores`).
    A pasted message (no capture around it) is judged with the settings alone."""
    judged = list(sign_ins)
    stores = CaptureStores.from_settings(settings)
    for _, is_response, place in _in_capture_order(sign_ins):
        sign_in = judged[place]
        if not is_response:
            stores.send(sign_in.request.attribute("ID") if sign_in.request else None)
        else:
            judged[place] = _judge_response(sign_in, settings, stores, at)
    return judged


def _judge_response(
    sign_in: SignIn, settings: CheckSettings, stores: CaptureStores, at: datetime | None
) -> SignIn:
    step = sign_in.response
    if step is None or step.body is None:
        return sign_in
    notes, unknowns = sign_in.notes, sign_in.unknowns
    instant = at or step.at or _issue_instant(step)
    if instant is None:
        instant = datetime.now(UTC)
        notes += ("no capture time: judged now",)
    region = region_for_host(step.host)
    judged = replace(settings, received_at=region.acs_url if region is not None else None)
    if step.xml is not None:  # a captured message, not one pasted on its own
        named = step.named_requests()
        judged = stores.settings_for(judged, named)
        unknowns = tuple(_unknown_request(r) for r in sorted(stores.unknown_requests(named)))
    report = check_response(step.body, judged, instant)
    stores.record(report)
    return replace(sign_in, report=report, notes=notes, unknowns=unknowns)


def _in_capture_order(sign_ins: list[SignIn]) -> list[tuple[int, bool, int]]:
    """Each AuthnRequest and response as (capture position, is a response, place in
    `sign_ins`), in capture order; a request before a response at the same position."""
    events = [(s.request.index, False, n) for n, s in enumerate(sign_ins) if s.request is not None]
    events += [
        (s.response.index, True, n) for n, s in enumerate(sign_ins) if s.response is not None
    ]
    return sorted(events, key=lambda e: (e[0], e[1]))


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
