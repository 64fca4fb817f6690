"""Subject confirmation: bearer, for this ACS, answering which request.

Profiles §4.1.4.2: a Web SSO assertion carries a bearer SubjectConfirmation whose data
names the Recipient (the ACS URL) and, in answer to a request, InResponseTo.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from sp_sim.core.checks.destination import compare_acs
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import ASSERTION, BEARER, qname

_SUBJECT = "/Response/Assertion/Subject/SubjectConfirmation"


_CONFIRMATIONS = f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'SubjectConfirmation')}"
_CONFIRMATION_DATA = qname(ASSERTION, "SubjectConfirmationData")


def bearer_confirmations(assertion: etree._Element) -> list[etree._Element]:
    """The SubjectConfirmationData of every bearer SubjectConfirmation."""
    return [
        data
        for confirmation in assertion.iterfind(_CONFIRMATIONS)
        if confirmation.get("Method") == BEARER
        for data in confirmation.iterfind(_CONFIRMATION_DATA)
    ]


def _methods(assertion: etree._Element) -> list[str]:
    return [
        c.get("Method", "")
        for c in assertion.iterfind(
            f"{qname(ASSERTION, 'Subject')}/{qname(ASSERTION, 'SubjectConfirmation')}"
        )
    ]


def check_bearer(assertion: etree._Element, covered: bool) -> Finding:
    """Profiles §4.1.4.2: at least one bearer SubjectConfirmation, with data."""
    methods = _methods(assertion)
    if not methods:
        return Finding(
            Code.SUBJECT_NO_CONFIRMATION,
            Status.FAIL,
            "The assertion has no SubjectConfirmation.",
            expected=BEARER,
            location=_SUBJECT,
            covered_by_signature=covered,
        )
    if BEARER not in methods or not bearer_confirmations(assertion):
        return Finding(
            Code.SUBJECT_NOT_BEARER,
            Status.FAIL,
            "No bearer SubjectConfirmation with data; Web SSO needs one.",
            expected=BEARER,
            observed=", ".join(methods),
            location=_SUBJECT,
            covered_by_signature=covered,
        )
    return Finding(
        Code.SUBJECT_BEARER,
        Status.PASS,
        "Bearer subject confirmation.",
        expected=BEARER,
        observed=BEARER,
        location=_SUBJECT,
        covered_by_signature=covered,
    )


def check_recipient(data: etree._Element, settings: CheckSettings, covered: bool) -> Finding:
    """Profiles §4.1.4.3: the bearer confirmation's Recipient is the ACS URL."""
    location = f"{_SUBJECT}/SubjectConfirmationData/@Recipient"
    recipient = data.get("Recipient")
    if recipient is None:
        return Finding(
            Code.RECIPIENT_MISSING,
            Status.FAIL,
            "SubjectConfirmationData has no Recipient.",
            expected=settings.acs_url,
            location=location,
            covered_by_signature=covered,
        )
    if not settings.acs_url:
        return Finding(
            Code.RECIPIENT_SKIPPED,
            Status.SKIPPED,
            "No ACS URL is configured; Recipient was not compared.",
            observed=recipient,
            location=location,
            covered_by_signature=covered,
        )
    return compare_acs("Recipient", recipient, settings, location, covered)


def check_confirmation(
    assertion: etree._Element, settings: CheckSettings, covered: bool
) -> list[Finding]:
    """The bearer method, then each bearer confirmation's Recipient."""
    bearer = check_bearer(assertion, covered)
    if bearer.status is not Status.PASS:
        return [bearer]
    recipients = [check_recipient(d, settings, covered) for d in bearer_confirmations(assertion)]
    return [bearer, *recipients]


def check_in_response_to(
    response: etree._Element,
    confirmations: list[etree._Element],
    settings: CheckSettings,
    response_covered: bool,
    assertion_covered: bool,
) -> tuple[str, Finding]:
    """('sp'|'idp', finding): which request the response answers, if any.

    The bearer confirmation's InResponseTo sits inside the assertion, which the IdP signs;
    the Response envelope's counts only when a verified signature covers the envelope.
    """
    on_response = response.get("InResponseTo")
    on_subject = next((d.get("InResponseTo") for d in confirmations if d.get("InResponseTo")), None)
    location = f"{_SUBJECT}/SubjectConfirmationData/@InResponseTo"
    if on_response and on_subject and on_response != on_subject:
        return "sp", Finding(
            Code.SUBJECT_IN_RESPONSE_TO_MISMATCH,
            Status.FAIL,
            "The Response and its SubjectConfirmationData answer different requests.",
            expected=on_subject,
            observed=on_response,
            location="/Response/@InResponseTo",
            covered_by_signature=assertion_covered and response_covered,
        )
    if on_subject:
        return "sp", _correlate(on_subject, settings, location, assertion_covered)
    if on_response and not response_covered:
        return "idp", Finding(
            Code.SUBJECT_IN_RESPONSE_TO_UNSIGNED,
            Status.FAIL,
            f"Only the unsigned Response envelope says it answers request {on_response}; "
            "the signed assertion's SubjectConfirmationData names no request (Profiles "
            "§4.1.4.2 puts InResponseTo there). Nothing signed ties this response to a "
            "request, so it is not taken as an answer to one.",
            expected="InResponseTo on the bearer SubjectConfirmationData",
            observed=f"InResponseTo {on_response} on the unsigned Response only",
            location="/Response/@InResponseTo",
            covered_by_signature=False,
        )
    if on_response:
        return "sp", _correlate(on_response, settings, "/Response/@InResponseTo", True)
    return "idp", Finding(
        Code.SUBJECT_IDP_INITIATED,
        Status.PASS,
        f"No InResponseTo: an IdP-initiated (unsolicited) response, as from "
        f"{settings.wording.portal}.",
        observed="no InResponseTo",
        location=location,
        covered_by_signature=assertion_covered,
    )


def _correlate(request_id: str, settings: CheckSettings, location: str, covered: bool) -> Finding:
    """Compare the request a response answers with the outstanding ones."""
    known = settings.outstanding_requests
    if known is None:
        return Finding(
            Code.SUBJECT_SP_INITIATED,
            Status.PASS,
            f"SP-initiated: answers request {request_id} (no request IDs were given to "
            "compare with).",
            observed=request_id,
            location=location,
            covered_by_signature=covered,
        )
    if request_id in known and not _cookie_came(request_id, settings):
        return Finding(
            Code.SUBJECT_COOKIE_LOST,
            Status.FAIL,
            f"InResponseTo {request_id} names an outstanding request, but the POST did not "
            "bring the cookie the SP set in the browser that started that sign-in. The "
            "browser drops a SameSite=Lax or SameSite=Strict cookie on the IdP's cross-site "
            "POST (and any cookie marked Secure over plain HTTP, or SameSite=None without "
            "Secure), so the SP cannot tell this browser started the request. This is cookie "
            "loss, not an unsolicited response.",
            expected=f"the pre-login cookie of request {request_id}",
            observed="no such cookie on the POST",
            hint=Hint(
                Side.SP,
                "pre-login cookie",
                "set it SameSite=None; Secure and serve the ACS over HTTPS "
                "(sp-sim: --prelogin-cookie none)",
            ),
            location=location,
            covered_by_signature=covered,
        )
    if request_id in known:
        return Finding(
            Code.SUBJECT_SP_INITIATED,
            Status.PASS,
            f"SP-initiated: answers outstanding request {request_id}.",
            expected=request_id,
            observed=request_id,
            location=location,
            covered_by_signature=covered,
        )
    return Finding(
        Code.SUBJECT_UNKNOWN_REQUEST,
        Status.FAIL,
        f"InResponseTo {request_id} names no outstanding request. Usually a stale browser "
        "tab (the request expired or was already answered), a restarted SP, or another SP "
        "instance that does not share this one's request store; else it was sent to "
        "another SP.",
        expected=_outstanding(known),
        observed=request_id,
        hint=Hint(Side.SENDER, "sign-in", "start the sign-in again from the SP"),
        location=location,
        covered_by_signature=covered,
    )


def _cookie_came(request_id: str, settings: CheckSettings) -> bool:
    """Whether the browser brought the request's pre-login cookie (True when the SP sets none)."""
    return settings.browser_requests is None or request_id in settings.browser_requests


def _outstanding(known: Collection[str]) -> str:
    if not known:
        return "(no outstanding request)"
    if len(known) > 3:
        return f"one of {len(known)} outstanding requests"
    return ", ".join(sorted(known))
