"""The SP's side of SAML messages: build an AuthnRequest, a LogoutRequest or a
LogoutResponse as Mimecast sends them. `sp_sim.core.bindings` encodes them for the
HTTP-Redirect or HTTP-POST binding."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode

from lxml import etree

from sp_sim.core.bindings import Binding, new_id
from sp_sim.core.xml import ASSERTION, PROTOCOL, STATUS_SUCCESS, format_instant, qname

# Characters XML 1.0 cannot hold; a reason quoting a hostile message may contain them.
_XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STATUS_MESSAGE_LIMIT = 2000


def build_authn_request(
    entity_id: str,
    acs_url: str | None,
    destination: str,
    now: datetime,
    request_id: str | None = None,
    requested_contexts: tuple[str, ...] = (),
    name_id_format: str | None = None,
) -> tuple[str, bytes]:
    """(request ID, XML) of an AuthnRequest as Mimecast would send it."""
    request_id = request_id or new_id()
    attributes = {
        "ID": request_id,
        "Version": "2.0",
        "IssueInstant": format_instant(now),
        "Destination": destination,
        "ProtocolBinding": Binding.POST.uri,
    }
    if acs_url:
        attributes["AssertionConsumerServiceURL"] = acs_url
    root = etree.Element(
        qname(PROTOCOL, "AuthnRequest"), attributes, nsmap={"samlp": PROTOCOL, "saml": ASSERTION}
    )
    etree.SubElement(root, qname(ASSERTION, "Issuer")).text = entity_id
    if name_id_format:
        etree.SubElement(root, qname(PROTOCOL, "NameIDPolicy"), Format=name_id_format)
    if requested_contexts:
        context = etree.SubElement(
            root, qname(PROTOCOL, "RequestedAuthnContext"), Comparison="exact"
        )
        for class_ref in requested_contexts:
            etree.SubElement(context, qname(ASSERTION, "AuthnContextClassRef")).text = class_ref
    return request_id, etree.tostring(root)


def with_login_hint(login_url: str, email: str) -> str:
    """The Login URL with Entra's `login_hint` query parameter: the address typed on the
    sign-in page, which Entra pre-fills (the fake IdP pre-selects it in its picker)."""
    separator = "&" if "?" in login_url else "?"
    return f"{login_url}{separator}{urlencode({'login_hint': email})}"


def build_logout_request(
    entity_id: str,
    destination: str,
    name_id: str,
    now: datetime,
    session_index: str | None = None,
) -> tuple[str, bytes]:
    """(request ID, XML) of an SP-initiated LogoutRequest."""
    request_id = new_id()
    root = etree.Element(
        qname(PROTOCOL, "LogoutRequest"),
        {
            "ID": request_id,
            "Version": "2.0",
            "IssueInstant": format_instant(now),
            "Destination": destination,
        },
        nsmap={"samlp": PROTOCOL, "saml": ASSERTION},
    )
    etree.SubElement(root, qname(ASSERTION, "Issuer")).text = entity_id
    etree.SubElement(root, qname(ASSERTION, "NameID")).text = name_id
    if session_index:
        etree.SubElement(root, qname(PROTOCOL, "SessionIndex")).text = session_index
    return request_id, etree.tostring(root)


def build_logout_response(
    entity_id: str,
    destination: str,
    in_response_to: str | None,
    now: datetime,
    status: tuple[str, str | None] = (STATUS_SUCCESS, None),
    status_message: str | None = None,
) -> bytes:
    """An SP LogoutResponse: Success, or a refusal with a second-level code and the reason."""
    attributes = {
        "ID": new_id(),
        "Version": "2.0",
        "IssueInstant": format_instant(now),
        "Destination": destination,
    }
    if in_response_to:
        attributes["InResponseTo"] = in_response_to
    root = etree.Element(
        qname(PROTOCOL, "LogoutResponse"), attributes, nsmap={"samlp": PROTOCOL, "saml": ASSERTION}
    )
    etree.SubElement(root, qname(ASSERTION, "Issuer")).text = entity_id
    element = etree.SubElement(root, qname(PROTOCOL, "Status"))
    code = etree.SubElement(element, qname(PROTOCOL, "StatusCode"), Value=status[0])
    if status[1]:
        etree.SubElement(code, qname(PROTOCOL, "StatusCode"), Value=status[1])
    if status_message:
        text = _XML_UNSAFE.sub("\ufffd", status_message[:_STATUS_MESSAGE_LIMIT])
        etree.SubElement(element, qname(PROTOCOL, "StatusMessage")).text = text
    return etree.tostring(root)
