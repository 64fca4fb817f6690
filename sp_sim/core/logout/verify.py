"""Verify a LogoutRequest or LogoutResponse received at the SP's SLO endpoint.

Every check runs (structure, issuer, signature, then session or request and status); a
message that cannot be read at all is `logout.malformed` alone. Later checks read only
what a verified signature covers.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from sp_sim.core.bindings import Parameter, read_post_form, read_redirect_query
from sp_sim.core.certs import Certificate
from sp_sim.core.codes import Code
from sp_sim.core.logout.model import MESSAGE_KINDS, LogoutKind, LogoutOutcome, LogoutSettings
from sp_sim.core.logout.signature import Signed, post_signature, redirect_signature
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.xml import (
    ASSERTION,
    PROTOCOL,
    STATUS_SUCCESS,
    UnsafeXML,
    parse_untrusted,
    qname,
    text_of,
)

_STATUS_CODE = f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusCode')}"


def check_redirect_logout(raw_query: str, settings: LogoutSettings) -> LogoutOutcome:
    """Verify a logout message received by HTTP-Redirect. `raw_query` is the query string
    exactly as it arrived: the signature covers those octets, not a re-encoding."""
    try:
        message = read_redirect_query(raw_query)
        xml = message.xml()
        root = _read(xml, message.parameter)
    except ValueError as error:
        return _malformed(str(error))
    signed = redirect_signature(message, root, settings)
    return _judge(signed, xml, message.relay_state, settings)


def check_post_logout(fields: Sequence[tuple[str, str]], settings: LogoutSettings) -> LogoutOutcome:
    """Verify a logout message received by HTTP-POST; `fields` are the form's, in order."""
    try:
        message = read_post_form(fields)
        root = _read(message.xml, message.parameter)
    except ValueError as error:
        return _malformed(str(error))
    return _judge(post_signature(root, settings), message.xml, message.relay_state, settings)


def _read(xml: bytes, parameter: Parameter) -> etree._Element:
    """The message's root, when it is the logout message the parameter should hold."""
    try:
        root = parse_untrusted(xml)
    except UnsafeXML:
        raise ValueError("the message has a DOCTYPE (forbidden in SAML); nothing read") from None
    except (etree.XMLSyntaxError, ValueError):
        raise ValueError("the message is not well-formed XML") from None
    kind = MESSAGE_KINDS[parameter]
    if root.tag != qname(PROTOCOL, kind):
        raise ValueError(f"{parameter} holds {etree.QName(root).localname}, not a samlp:{kind}")
    if root.get("Version") != "2.0" or not root.get("ID"):
        raise ValueError(f"the {kind} lacks ID or Version 2.0")
    ids = [e.get("ID") for e in root.iter(etree.Element) if e.get("ID") is not None]
    if len(ids) != len(set(ids)):
        raise ValueError("two elements share one ID (a signature-wrapping shape)")
    if kind is LogoutKind.REQUEST and not text_of(root.find(qname(ASSERTION, "NameID"))):
        raise ValueError("the LogoutRequest has no NameID (EncryptedID is not supported)")
    if kind is LogoutKind.RESPONSE and root.find(_STATUS_CODE) is None:
        raise ValueError("the LogoutResponse has no Status/StatusCode")
    return root


def _malformed(reason: str) -> LogoutOutcome:
    finding = Finding(
        Code.LOGOUT_MALFORMED,
        Status.FAIL,
        f"The logout message cannot be read: {reason}. Nothing else was checked.",
        expected="a SAMLRequest holding a LogoutRequest or a SAMLResponse holding a "
        "LogoutResponse (deflated on HTTP-Redirect, base64 on both bindings)",
        observed=reason,
        hint=Hint(Side.SENDER, "logout message", "send a SAML 2.0 logout message as issued"),
    )
    return LogoutOutcome(None, (finding,))


def _judge(
    signed: Signed, xml: bytes, relay_state: str | None, settings: LogoutSettings
) -> LogoutOutcome:
    view, covered = signed.view, signed.signer is not None
    kind = LogoutKind(etree.QName(view).localname)
    findings = [*_check_issuer(view, kind, settings, covered), *signed.findings]
    ended: tuple[str, ...] = ()
    if kind is LogoutKind.REQUEST:
        found, ended = _check_session(view, settings, covered)
        findings += found
    else:
        findings += [*_check_request(view, settings, covered), *_check_status(view, covered)]
    failed = any(f.status is Status.FAIL for f in findings)
    if not failed:
        findings.append(_accepted(view, kind, signed.signer, len(ended)))
    return LogoutOutcome(
        kind=kind,
        findings=tuple(findings),
        message_id=view.get("ID"),
        issuer=text_of(view.find(qname(ASSERTION, "Issuer"))),
        name_id=text_of(view.find(qname(ASSERTION, "NameID"))),
        in_response_to=view.get("InResponseTo"),
        relay_state=relay_state,
        ended_sessions=() if failed else ended,
        xml=xml,
    )


def _check_issuer(
    view: etree._Element, kind: LogoutKind, settings: LogoutSettings, covered: bool
) -> list[Finding]:
    """Profiles §4.4.4.1: the Issuer names the requesting entity; here, the profile's IdP."""
    issuer = text_of(view.find(qname(ASSERTION, "Issuer")))
    if settings.issuer and issuer == settings.issuer:
        return []
    if not settings.issuer:
        message = f"The profile has no Issuer URL, so the {kind} cannot be tied to its IdP."
    elif not issuer:
        message = f"The {kind} names no Issuer, so it cannot be tied to the profile's IdP."
    else:
        message = (
            f"The {kind} comes from {issuer!r}, not the profile's Issuer URL: another IdP or "
            "tenant sent it, or the profile's Issuer URL is wrong."
        )
    return [
        Finding(
            Code.LOGOUT_ISSUER_MISMATCH,
            Status.FAIL,
            message,
            expected=settings.issuer or "an Issuer URL in the profile",
            observed=issuer or "no Issuer",
            hint=Hint(
                Side.MIMECAST_PROFILE,
                "Issuer URL",
                "the Entra app's Microsoft Entra Identifier (https://sts.windows.net/<tenant>/),"
                " or Import the metadata"
                if settings.wording.entra
                else "the IdP's entity ID, or Import the metadata",
            ),
            location=f"/{kind}/Issuer",
            covered_by_signature=covered,
        )
    ]


def _check_session(
    view: etree._Element, settings: LogoutSettings, covered: bool
) -> tuple[list[Finding], tuple[str, ...]]:
    """Core §3.7.3.2: the sessions of the NameID, only those named when SessionIndex is
    given. A LogoutRequest that names none of this SP's sessions is refused."""
    name_id = text_of(view.find(qname(ASSERTION, "NameID"))) or ""
    indexes = tuple(text_of(e) or "" for e in view.findall(qname(PROTOCOL, "SessionIndex")))
    of_user = [s for s in settings.sessions if s.name_id.casefold() == name_id.casefold()]
    matched = [s for s in of_user if not indexes or s.session_index in indexes]
    if matched:
        return [], tuple(s.key for s in matched)
    named = f"SessionIndex {', '.join(indexes)}" if indexes else "no SessionIndex"
    if of_user:
        message = (
            f"{name_id} is signed in, but not in the session the LogoutRequest names ({named})."
        )
    else:
        message = f"No session this SP issued is for NameID {name_id!r}: nobody to log out."
    finding = Finding(
        Code.LOGOUT_UNKNOWN_SESSION,
        Status.FAIL,
        message,
        expected="the NameID and SessionIndex of a session this SP issued",
        observed=f"NameID {name_id!r}, {named}",
        location="/LogoutRequest/NameID",
        covered_by_signature=covered,
    )
    return [finding], ()


def _check_request(view: etree._Element, settings: LogoutSettings, covered: bool) -> list[Finding]:
    """A LogoutResponse answers a LogoutRequest this SP sent and still awaits."""
    answered = view.get("InResponseTo")
    if answered and answered in settings.outstanding_requests:
        return []
    return [
        Finding(
            Code.LOGOUT_UNKNOWN_REQUEST,
            Status.FAIL,
            "The LogoutResponse answers no LogoutRequest this SP sent (or it was already "
            "answered, or expired).",
            expected="InResponseTo naming an outstanding LogoutRequest",
            observed=f"InResponseTo={answered!r}" if answered else "no InResponseTo",
            location="/LogoutResponse/@InResponseTo",
            covered_by_signature=covered,
        )
    ]


def _check_status(view: etree._Element, covered: bool) -> list[Finding]:
    code = view.find(_STATUS_CODE)
    value = "" if code is None else code.get("Value", "")
    if value == STATUS_SUCCESS:
        return []
    second = None if code is None else code.find(qname(PROTOCOL, "StatusCode"))
    detail = [value or "no StatusCode value"]
    if second is not None:
        detail.append(second.get("Value", ""))
    text = text_of(view.find(f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusMessage')}"))
    return [
        Finding(
            Code.LOGOUT_FAILED,
            Status.FAIL,
            "The IdP did not confirm the logout" + (f": {text}" if text else "."),
            expected=STATUS_SUCCESS,
            observed=" / ".join(detail),
            location="/LogoutResponse/Status",
            covered_by_signature=covered,
        )
    ]


def _accepted(
    view: etree._Element, kind: LogoutKind, signer: Certificate | None, sessions: int
) -> Finding:
    issuer = text_of(view.find(qname(ASSERTION, "Issuer")))
    how = f"verified with {signer.thumbprint}" if signer else "unsigned, allowed by the profile"
    if kind is LogoutKind.REQUEST:
        name_id = text_of(view.find(qname(ASSERTION, "NameID")))
        what = f"ends {sessions} session(s) of {name_id}"
    else:
        what = f"confirms the logout this SP asked for ({view.get('InResponseTo')})"
    return Finding(
        Code.LOGOUT_ACCEPTED,
        Status.PASS,
        f"The {kind} from {issuer} ({how}) {what}.",
        expected="from the profile's IdP, verified, for a known session or request",
        observed=f"{issuer}, {how}",
        covered_by_signature=signer is not None,
    )
