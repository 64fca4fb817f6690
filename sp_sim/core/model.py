"""What a check produces: findings, and the report that gathers them.

Everything here is a frozen value. A validation outcome is data, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sp_sim.core.codes import Code


class Status(StrEnum):
    """How one check came out."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skipped"


class Side(StrEnum):
    """Where the user has to make a change. The values are stable JSON codes; the two IdP
    sides come in an Entra form (the profile's provider is Entra) and a neutral form (any
    other or an unknown provider): see core/wording.py."""

    ENTRA_APP = "Entra app"
    MIMECAST_PROFILE = "Mimecast authentication profile"
    MIMECAST_DIRECTORY = "Mimecast directory"
    MIMECAST_APPLICATION_SETTINGS = "Mimecast application settings"
    ENTRA_USER = "Entra user"
    SENDER = "whoever sent this message"
    CLOCKS = "server clocks"
    SP = "the service provider (sp-sim's own settings)"
    IDP = "IdP"
    IDP_USER = "IdP user"


@dataclass(frozen=True)
class Hint:
    """What to change, on which side, in which field."""

    side: Side
    field: str
    text: str

    def __str__(self) -> str:
        return f"{self.side} › {self.field}: {self.text}"


@dataclass(frozen=True)
class Finding:
    """The outcome of one check.

    `code` is public and stable. `covered_by_signature` says whether what was
    observed came from an element a verified signature covers: True, False
    (read from unverified content, for diagnosis only), or None when the check
    did not read the message.
    """

    code: Code
    status: Status
    message: str
    expected: str | None = None
    observed: str | None = None
    hint: Hint | None = None
    location: str | None = None
    covered_by_signature: bool | None = None

    @property
    def check(self) -> str:
        """The check this finding belongs to: the part of the code before the dot."""
        return self.code.check

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": str(self.code),
            "check": self.check,
            "status": str(self.status),
            "message": self.message,
            "expected": self.expected,
            "observed": self.observed,
            "hint": None
            if self.hint is None
            else {"side": str(self.hint.side), "field": self.hint.field, "text": self.hint.text},
            "location": self.location,
            "covered_by_signature": self.covered_by_signature,
        }

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Finding:
        """The finding `to_dict` wrote (`check` is derived from the code, so not read).
        Raises ValueError for an unknown code, status or side."""
        hint = document.get("hint")
        return cls(
            code=Code(document["code"]),
            status=Status(document["status"]),
            message=document["message"],
            expected=document.get("expected"),
            observed=document.get("observed"),
            hint=None if hint is None else Hint(Side(hint["side"]), hint["field"], hint["text"]),
            location=document.get("location"),
            covered_by_signature=document.get("covered_by_signature"),
        )


_STATUS_ORDER = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2, Status.SKIPPED: 3}


@dataclass(frozen=True)
class Report:
    """Every finding about one message, and what they add up to."""

    findings: tuple[Finding, ...]
    user: str | None = None
    application: str | None = None
    initiated_by: str | None = None
    signed_elements: tuple[str, ...] = ()
    judged_at: str | None = None
    assertion_id: str | None = None
    in_response_to: str | None = None
    """The request this response answers, read only from signed content (None otherwise)."""
    valid_until: str | None = None
    """When the assertion stops being acceptable (its earliest NotOnOrAfter plus the clock
    skew): how long a replay cache must remember its ID."""
    session_index: str | None = None
    """The signed AuthnStatement's SessionIndex, for single logout."""
    xml: bytes | None = field(default=None, repr=False)

    @property
    def works(self) -> bool:
        """True when no check failed: Mimecast would sign the user in."""
        return not self.failures

    @property
    def verdict(self) -> str:
        return "works" if self.works else "fails"

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.FAIL)

    def codes(self, status: Status | None = None) -> set[str]:
        """The codes present, optionally only those with one status."""
        return {str(f.code) for f in self.findings if status is None or f.status is status}

    def ordered(self) -> list[Finding]:
        """Failures first, then warnings, passes and skipped checks, each in check order."""
        return sorted(self.findings, key=lambda f: _STATUS_ORDER[f.status])

    def summary(self) -> str:
        if self.works:
            who = self.user or "the user in the NameID"
            where = f" to {self.application}" if self.application else ""
            return f"would sign in as {who}{where}"
        names = ", ".join(dict.fromkeys(f.check for f in self.failures))
        return f"would fail: {names}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "user": self.user if self.works else None,
            "application": self.application,
            "initiated_by": self.initiated_by,
            "signed_elements": list(self.signed_elements),
            "judged_at": self.judged_at,
            "assertion_id": self.assertion_id,
            "in_response_to": self.in_response_to,
            "valid_until": self.valid_until,
            "session_index": self.session_index,
            "findings": [f.to_dict() for f in self.ordered()],
        }

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Report:
        """The report `to_dict` wrote: its findings in that order (failures first), the user
        only when it works (as written), and no XML. Raises ValueError for an unknown code,
        status or side, KeyError when `findings` is missing."""
        return cls(
            findings=tuple(Finding.from_dict(f) for f in document["findings"]),
            user=document.get("user"),
            application=document.get("application"),
            initiated_by=document.get("initiated_by"),
            signed_elements=tuple(document.get("signed_elements", ())),
            judged_at=document.get("judged_at"),
            assertion_id=document.get("assertion_id"),
            in_response_to=document.get("in_response_to"),
            valid_until=document.get("valid_until"),
            session_index=document.get("session_index"),
        )
