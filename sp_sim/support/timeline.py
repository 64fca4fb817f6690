"""Rebuild each sign-in of a capture — AuthnRequest, Entra's answer (a SAMLResponse or an
error page), the POST to Mimecast and its reply — pair responses with their requests by
InResponseTo, judge every response at the instant it was captured, and say which step
failed. Several sign-ins in one file are several timelines."""

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


@dataclass
class SignIn:
    """One sign-in attempt as the capture shows it."""

    number: int
    request: Step | None = None
    error: Step | None = None
    response: Step | None = None
    report: Report | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def initiated_by(self) -> str:
        return "SP" if self.request is not None else "IdP"

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
                sign_ins.append(SignIn(len(sign_ins) + 1, response=step))
    return sign_ins


def judge(
    sign_ins: list[SignIn], settings: CheckSettings, at: datetime | None = None
) -> list[SignIn]:
    """Judge each response at the instant it was captured (or `at`, when given)."""
    for sign_in in sign_ins:
        step = sign_in.response
        if step is None or step.body is None:
            continue
        instant = at or step.at or _issue_instant(step)
        if instant is None:
            instant = datetime.now(UTC)
            sign_in.notes.append("no capture time: judged now")
        request_id = sign_in.request.attribute("ID") if sign_in.request else None
        region = region_for_host(step.host)
        sign_in.report = check_response(
            step.body,
            replace(
                settings,
                outstanding_requests=None if request_id is None else frozenset({request_id}),
                received_at=region.acs_url if region is not None else None,
            ),
            instant,
        )
    return sign_ins


def _issue_instant(step: Step) -> datetime | None:
    value = step.attribute("IssueInstant")
    try:
        return None if value is None else parse_instant(value)
    except ValueError:
        return None
