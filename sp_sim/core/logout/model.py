"""What the logout check gets and gives: the profile's values and snapshots of the SP's
sessions and requests in, a frozen outcome with findings out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sp_sim.core.bindings import Parameter
from sp_sim.core.certs import Certificate
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Status
from sp_sim.core.wording import Wording, wording_for
from sp_sim.core.xml import STATUS_SUCCESS

REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
REQUEST_DENIED = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
REQUEST_UNSUPPORTED = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported"
UNKNOWN_PRINCIPAL = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"


class LogoutKind(StrEnum):
    """The two single-logout messages (SAML Core §3.7)."""

    REQUEST = "LogoutRequest"
    RESPONSE = "LogoutResponse"


MESSAGE_KINDS = {Parameter.REQUEST: LogoutKind.REQUEST, Parameter.RESPONSE: LogoutKind.RESPONSE}
"""The logout message each binding parameter holds."""

# The status of the LogoutResponse that answers a refused LogoutRequest, by first failure.
_ANSWERS: dict[Code, tuple[str, str | None]] = {
    Code.LOGOUT_MALFORMED: (REQUESTER, None),
    Code.LOGOUT_ISSUER_MISMATCH: (REQUESTER, REQUEST_DENIED),
    Code.LOGOUT_UNSIGNED: (REQUESTER, REQUEST_DENIED),
    Code.LOGOUT_SIGNATURE_INVALID: (REQUESTER, REQUEST_DENIED),
    Code.LOGOUT_UNSUPPORTED_ALGORITHM: (REQUESTER, REQUEST_UNSUPPORTED),
    Code.LOGOUT_UNKNOWN_SESSION: (REQUESTER, UNKNOWN_PRINCIPAL),
}


@dataclass(frozen=True)
class KnownSession:
    """A session this SP issued, as the logout check sees it."""

    key: str
    name_id: str
    session_index: str | None


@dataclass(frozen=True)
class LogoutSettings:
    """What a logout message is verified against: the profile's Issuer URL and
    certificates, whether it accepts unsigned logout messages, and snapshots of the SP's
    sessions and outstanding LogoutRequest IDs."""

    issuer: str | None
    certificates: tuple[Certificate, ...] = ()
    allow_unsigned: bool = False
    sessions: tuple[KnownSession, ...] = ()
    outstanding_requests: frozenset[str] = frozenset()
    provider: str | None = None
    """The profile's Provider, which words the fixes (`CheckSettings.provider`)."""

    @property
    def wording(self) -> Wording:
        return wording_for(self.provider)


@dataclass(frozen=True)
class LogoutOutcome:
    """What the SLO endpoint made of one logout message. `ended_sessions` are the keys of
    the sessions an accepted LogoutRequest ends; empty otherwise."""

    kind: LogoutKind | None
    """None when the message could not be read at all."""
    findings: tuple[Finding, ...]
    message_id: str | None = None
    issuer: str | None = None
    name_id: str | None = None
    in_response_to: str | None = None
    relay_state: str | None = None
    ended_sessions: tuple[str, ...] = ()
    xml: bytes | None = field(default=None, repr=False)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.FAIL)

    @property
    def accepted(self) -> bool:
        """No check failed: the SP acts on the message."""
        return not self.failures

    @property
    def authentic(self) -> bool:
        """From the profile's IdP, verified and correlated; only its status may have failed
        (a genuine LogoutResponse saying the IdP could not log the user out)."""
        return all(f.code is Code.LOGOUT_FAILED for f in self.failures)

    def codes(self, status: Status | None = None) -> set[str]:
        return {str(f.code) for f in self.findings if status is None or f.status is status}

    def answer_status(self) -> tuple[str, str | None]:
        """(top-level, second-level) StatusCode of the LogoutResponse that answers this
        LogoutRequest: Success, or Requester with the reason's second-level code."""
        if self.accepted:
            return STATUS_SUCCESS, None
        return _ANSWERS.get(self.failures[0].code, (RESPONDER, None))

    def status_message(self) -> str | None:
        """The StatusMessage of a refusal: every failure's code and message."""
        return "; ".join(f"{f.code}: {f.message}" for f in self.failures) or None
