"""What the doctor reads, how it words a prediction, and what it comes to: the `Evidence`
support collected (anything None is unknown), `PREDICTS` (what each failing prediction
says will happen: an AADSTS code, an engine check, or page text), the two finding shapes,
a prediction and an unknown, and the `Diagnosis` they add up to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sp_sim.core.certs import Certificate
from sp_sim.core.codes import Code
from sp_sim.core.metadata import IdpMetadata
from sp_sim.core.model import Finding, Hint, Report, Status
from sp_sim.render.doctor import doctor_document, doctor_text
from sp_sim.render.verdict import Verdict, is_unknown
from sp_sim.support.graph import EntraApp
from sp_sim.tenant import AuthenticationProfile, Tenant

PREDICTS: dict[Code, str] = {
    # an AADSTS code, an engine check code (a prefix when it ends with "."), or page text
    Code.DOCTOR_IDENTIFIER_MISMATCH: "AADSTS700016",
    Code.DOCTOR_IDENTIFIER_NOT_URL: "AADSTS650056",
    Code.DOCTOR_REPLY_URL_MISSING: "AADSTS50011",
    Code.DOCTOR_CONTEXT_REQUESTED: "AADSTS75011",
    Code.DOCTOR_CERTIFICATE_NOT_IN_PROFILE: "signature.key-mismatch",
    Code.DOCTOR_CERTIFICATE_NOT_IN_METADATA: "signature.key-mismatch",
    Code.DOCTOR_ISSUER_MISMATCH: "issuer.",
    Code.DOCTOR_SIGN_ON_URL_SET: "validate your identity",
    Code.DOCTOR_NAMEID_UPN: "nameid.upn-not-address",
    Code.DOCTOR_ASSIGNMENT_REQUIRED: "AADSTS50105",
    Code.DOCTOR_DIRECTORY_EMPTY: "nameid.unregistered-domain",
}


class Intent(StrEnum):
    """Which sign-in the customer intends: SP-initiated, IdP-initiated (the My Apps tile),
    or both. The values are what `--intent` accepts."""

    SP = "sp"
    IDP = "idp"
    BOTH = "both"


@dataclass(frozen=True)
class Evidence:
    """What support collected. Anything None is unknown."""

    tenant: Tenant
    profile: AuthenticationProfile
    entra: EntraApp | None = None
    metadata: IdpMetadata | None = None
    metadata_certificates: tuple[Certificate, ...] = ()
    intent: Intent = Intent.BOTH

    @property
    def entity_id(self) -> str:
        return self.tenant.account.entity_id

    @property
    def acs_url(self) -> str:
        return self.tenant.account.acs_url


def unknown(what: str, missing: str) -> Finding:
    """A check the inputs cannot settle: neither a pass nor a failure."""
    return Finding(
        Code.DOCTOR_UNKNOWN,
        Status.SKIPPED,
        f"Unknown: {what} cannot be predicted without {missing}.",
    )


def predicted(
    code: Code,
    message: str,
    expected: str | None,
    observed: str | None,
    hint: Hint | None,
    status: Status = Status.FAIL,
) -> Finding:
    """A failing (or warning) prediction, naming what it predicts."""
    what = PREDICTS.get(code)
    suffix = f" Predicts: {_predicts(what)}." if what else ""
    return Finding(code, status, message + suffix, expected=expected, observed=observed, hint=hint)


def _predicts(what: str) -> str:
    """What a PREDICTS entry foretells, as a phrase: Entra's AADSTS error, a failing
    engine check (or family of checks), or the words of Mimecast's error page."""
    if what.startswith("AADSTS"):
        return f"Entra refuses the sign-in with {what}"
    if what.endswith("."):
        return f"the {what}* checks fail"
    if "." in what:
        return f"the {what} check fails"
    return f"Mimecast's error page, which says it can't {what}"


@dataclass(frozen=True)
class Diagnosis:
    """The doctor's predictions, failures first, and the inputs they came from."""

    findings: tuple[Finding, ...]
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, findings: tuple[Finding, ...], sources: tuple[str, ...] = ()) -> Diagnosis:
        """The findings in the one status order (`Report.ordered()`: failures first)."""
        return cls(tuple(Report(findings).ordered()), sources)

    @property
    def verdict(self) -> Verdict:
        """`fails` when a failure is predicted; else `unknown` while any check could not be
        settled (an unknown is not a pass); `works` only when every check passed."""
        return Verdict.of_findings(self.findings)

    @property
    def works(self) -> bool:
        return self.verdict.works

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.FAIL)

    @property
    def unknowns(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if is_unknown(f))

    def to_dict(self) -> dict[str, Any]:
        return doctor_document(self.findings, self.sources)

    def text(self) -> str:
        return doctor_text(self.findings, self.sources)
