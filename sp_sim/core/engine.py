"""The check engine: bytes, settings and an instant in, a Report out.

Every check runs. A check that cannot run because an earlier one failed says
`skipped` and why; none falls silent. After the signature check, every check reads
the signed view (see checks/signature.py), never the raw document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lxml import etree

from sp_sim.core.checks import enveloped
from sp_sim.core.checks.audience import check_audience
from sp_sim.core.checks.authn import check_authn, check_replay
from sp_sim.core.checks.certificate import check_certificates
from sp_sim.core.checks.conditions import assertion_limits, check_time
from sp_sim.core.checks.destination import check_endpoint, compare_acs
from sp_sim.core.checks.issuer import check_issuer
from sp_sim.core.checks.nameid import check_name_qualifier, check_nameid
from sp_sim.core.checks.profile import check_profile
from sp_sim.core.checks.signature import SignedView, check_signature, verify_enveloped
from sp_sim.core.checks.status import check_status
from sp_sim.core.checks.structure import Document, parse_document
from sp_sim.core.checks.subject import (
    bearer_confirmations,
    check_confirmation,
    check_in_response_to,
)
from sp_sim.core.checks.transport import Decoded, decode_transport
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Report, Status
from sp_sim.core.settings import APPLICATIONS, CheckSettings
from sp_sim.core.xml import ASSERTION, format_instant, qname

_AFTER_TRANSPORT = (Code.XML_SKIPPED,)
_AFTER_XML = (Code.STATUS_SKIPPED,)
_AFTER_STATUS = (
    Code.SIGNATURE_SKIPPED,
    Code.CERTIFICATE_SKIPPED,
    Code.DESTINATION_SKIPPED,
)
_ASSERTION_CHECKS = (
    Code.ISSUER_SKIPPED,
    Code.AUDIENCE_SKIPPED,
    Code.TIME_SKIPPED,
    Code.SUBJECT_SKIPPED,
    Code.RECIPIENT_SKIPPED,
    Code.REPLAY_SKIPPED,
    Code.AUTHN_SKIPPED,
    Code.NAMEID_SKIPPED,
    Code.PROFILE_SKIPPED,
)


def _skipped(codes: tuple[Code, ...], reason: str) -> list[Finding]:
    return [Finding(code, Status.SKIPPED, f"Not checked: {reason}.") for code in codes]


def check_response(data: bytes, settings: CheckSettings, now: datetime) -> Report:
    """Judge one SAML Response as the SP would at `now`. Never raises on message content."""
    return check_decoded(decode_transport(data, settings), settings, now)


def check_decoded(decoded: Decoded, settings: CheckSettings, now: datetime) -> Report:
    """`check_response` for a message already decoded from its transport (a server that
    read RelayState and the NameID from the same decoding)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    at = format_instant(now)
    findings = [check_endpoint(settings), *decoded.findings]
    if decoded.xml is None:
        reason = "the message could not be decoded"
        findings += _skipped(
            _AFTER_TRANSPORT + _AFTER_XML + _AFTER_STATUS + _ASSERTION_CHECKS, reason
        )
        return Report(tuple(findings), judged_at=at)

    document, structure = parse_document(decoded.xml, settings.wording)
    findings += structure
    readable = _readable_assertion(document, findings, settings)
    if isinstance(readable, _Stop):
        findings += _skipped(readable.skip, readable.reason)
        return Report(tuple(findings), judged_at=at, xml=decoded.xml)

    fast = not enveloped.has_unusual_namespace(decoded.xml)
    view, signature, used = check_signature(readable.root, readable.assertion, settings, fast=fast)
    findings += signature
    findings += check_certificates(settings, used, now)
    findings.append(_check_destination(view, settings))
    user, application, initiated_by = _check_assertion(view, settings, now, findings)
    assertion = view.assertion
    return Report(
        tuple(_label_unverified(findings)),
        user=user,
        application=application,
        initiated_by=initiated_by,
        signed_elements=view.signed_elements,
        judged_at=at,
        assertion_id=None if assertion is None else assertion.get("ID"),
        in_response_to=_in_response_to(view),
        valid_until=_valid_until(view, settings),
        session_index=_session_index(view),
        xml=decoded.xml,
    )


def _error_status_coverage(
    root: etree._Element, status: Finding, settings: CheckSettings
) -> Finding:
    """An IdP's error answer is fact only when its signature verifies with the profile's
    certificates; otherwise it is labelled unverified and its AADSTS fix is not offered
    (anyone can post an error Response naming any code)."""
    covered = verify_enveloped(root, settings.certificates) is not None
    status = replace(status, covered_by_signature=covered)
    return status if covered else _label_unverified([status])[0]


@dataclass(frozen=True)
class _Stop:
    """The checks stop before the signature: which are skipped, and why."""

    skip: tuple[Code, ...]
    reason: str


@dataclass(frozen=True)
class _Readable:
    root: etree._Element
    assertion: etree._Element


def _readable_assertion(
    document: Document | None, findings: list[Finding], settings: CheckSettings
) -> _Readable | _Stop:
    """The Response and its one Assertion, or why the checks stop; adds the status finding
    and, for a Success without assertion, `xml.no-assertion`."""
    later = _AFTER_STATUS + _ASSERTION_CHECKS
    if document is None:
        return _Stop(_AFTER_XML + later, "the XML is unreadable or unsafe")
    succeeded, status = check_status(document.root)
    if not succeeded:
        status = _error_status_coverage(document.root, status, settings)
    findings.append(status)
    if not succeeded:
        return _Stop(later, "the IdP answered with an error, not an assertion")
    if not document.usable:
        return _Stop(later, "the message's structure is refused (see xml.*)")
    if document.assertion is None:
        findings.append(
            Finding(
                Code.XML_NO_ASSERTION,
                Status.FAIL,
                "The Response says Success but holds no Assertion.",
                expected="one saml:Assertion",
                location="/Response",
            )
        )
        return _Stop(later, "there is no assertion")
    return _Readable(document.root, document.assertion)


def _label_unverified(findings: list[Finding]) -> list[Finding]:
    """Content no verified signature covers is not fact: say so, and offer no fix from it."""
    return [
        replace(f, message=f"Unverified: {f.message}", hint=None)
        if f.covered_by_signature is False
        else f
        for f in findings
    ]


def _in_response_to(view: SignedView) -> str | None:
    """The request answered, from signed content only: the covered assertion's bearer
    confirmation first, else a covered Response envelope. Unsigned claims count for nothing."""
    if view.assertion is not None and view.assertion_covered:
        for data in bearer_confirmations(view.assertion):
            if data.get("InResponseTo"):
                return data.get("InResponseTo")
    if view.response_covered:
        return view.response.get("InResponseTo")
    return None


def _valid_until(view: SignedView, settings: CheckSettings) -> str | None:
    """The earliest NotOnOrAfter of the assertion plus the skew: after it, no check passes."""
    if view.assertion is None:
        return None
    limits = assertion_limits(view.assertion)
    if not limits:
        return None
    try:
        return format_instant(min(limits) + settings.clock_skew)
    except OverflowError:
        return format_instant(datetime.max.replace(tzinfo=UTC))


def _session_index(view: SignedView) -> str | None:
    if view.assertion is None or not view.assertion_covered:
        return None
    statement = view.assertion.find(qname(ASSERTION, "AuthnStatement"))
    return None if statement is None else statement.get("SessionIndex")


def _check_destination(view: SignedView, settings: CheckSettings) -> Finding:
    destination = view.response.get("Destination")
    covered = view.response_covered
    location = "/Response/@Destination"
    if not settings.acs_url:
        return Finding(
            Code.DESTINATION_SKIPPED,
            Status.SKIPPED,
            "No ACS URL is configured; Destination was not compared.",
            observed=destination,
            location=location,
            covered_by_signature=covered,
        )
    if destination is None:
        # Bindings §3.5.5.2: a signed Response must carry Destination.
        return Finding(
            Code.DESTINATION_MISSING,
            Status.FAIL if covered else Status.WARN,
            "The Response has no Destination.",
            expected=settings.acs_url,
            location=location,
            covered_by_signature=covered,
        )
    return compare_acs("Destination", destination, settings, location, covered)


def _check_assertion(
    view: SignedView, settings: CheckSettings, now: datetime, findings: list[Finding]
) -> tuple[str | None, str | None, str | None]:
    """The checks that read the assertion; returns (user, application, initiated_by)."""
    assertion = view.assertion
    if assertion is None:  # the signed Response holds no Assertion; structure said why
        findings += _skipped(_ASSERTION_CHECKS, "there is no assertion")
        return None, None, None
    covered = view.assertion_covered
    findings += check_issuer(view.response, assertion, settings, view.response_covered, covered)
    findings.append(check_audience(assertion, settings, covered))
    confirmations = bearer_confirmations(assertion)
    findings += check_time(assertion, confirmations, now, settings.clock_skew, covered)
    findings += check_confirmation(assertion, settings, covered)
    initiated_by, correlation = check_in_response_to(
        view.response, confirmations, settings, view.response_covered, covered
    )
    findings.append(correlation)
    findings.append(check_replay(assertion, settings, covered))
    findings.append(check_authn(assertion, settings, covered))
    subject, nameid = check_nameid(assertion, settings, covered)
    findings.append(nameid)
    findings += check_name_qualifier(assertion, settings, covered)
    findings.append(check_profile(subject.address, settings, covered))
    address = subject.address
    user = address.email if address else subject.name_id
    application = None
    if address is not None:
        application = APPLICATIONS.get(address.application or "mimecast", address.application)
    return user, application, initiated_by
