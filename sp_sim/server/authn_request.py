"""The SP's side of SAML requests: build an AuthnRequest or LogoutRequest and encode it
for the HTTP-Redirect (deflate, base64, optional RSA-SHA256 query signature) or
HTTP-POST binding."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from sp_sim.core.xml import ASSERTION, PROTOCOL, format_instant, qname
from sp_sim.idp.keys import SigningKey
from sp_sim.idp.mint import new_id

POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


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
        "ProtocolBinding": POST_BINDING,
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


def redirect_query(
    xml: bytes,
    relay_state: str | None = None,
    signing_key: SigningKey | None = None,
    parameter: str = "SAMLRequest",
) -> str:
    """The query string of the HTTP-Redirect binding (signed with RSA-SHA256 when a key is
    given, over the URL-encoded fields in the binding's order)."""
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(xml) + compressor.flush()
    parts = [f"{parameter}={quote(base64.b64encode(deflated).decode(), safe='')}"]
    if relay_state is not None:
        parts.append(f"RelayState={quote(relay_state, safe='')}")
    if signing_key is not None:
        parts.append(f"SigAlg={quote(RSA_SHA256, safe='')}")
        key = serialization.load_pem_private_key(signing_key.private_key_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign("&".join(parts).encode(), padding.PKCS1v15(), hashes.SHA256())
        parts.append(f"Signature={quote(base64.b64encode(signature).decode(), safe='')}")
    return "&".join(parts)


def post_fields(
    xml: bytes, relay_state: str | None = None, parameter: str = "SAMLRequest"
) -> dict[str, str]:
    """The form fields of the HTTP-POST binding."""
    fields = {parameter: base64.b64encode(xml).decode()}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    return fields
