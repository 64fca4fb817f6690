"""Mint SAML Responses shaped like Microsoft Entra ID's, signed for real with python-xmlsec.

The shape follows the genuine responses in idp_fixtures/entra-captures: `samlp:Response`
with a default-namespace `Issuer`, an `Assertion` in the default namespace, an
exc-c14n enveloped `Signature` right after the signed element's `Issuer`, KeyInfo with
the X509Certificate, SubjectConfirmationData NotOnOrAfter = IssueInstant + 5 min and
Conditions from IssueInstant − 5 min to + 60 min.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from lxml import etree

from sp_sim.core.bindings import new_id
from sp_sim.core.keys import SigningKey
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.xml import ASSERTION, BEARER, PROTOCOL, STATUS_SUCCESS, format_instant, qname

EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
PERSISTENT_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
UNSPECIFIED_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"


class Signing(StrEnum):
    """Entra's Signing Option, plus `none` for the unsigned fault."""

    ASSERTION = "assertion"
    RESPONSE = "response"
    BOTH = "both"
    NONE = "none"


class Algorithm(StrEnum):
    """Entra's Signing Algorithm."""

    SHA256 = "sha256"
    SHA1 = "sha1"


# lxml-stubs type nsmap keys as str; lxml takes None for the default namespace.
_DEFAULT_ASSERTION_NS: Any = {None: ASSERTION}

_TRANSFORMS = {
    Algorithm.SHA256: (xmlsec.Transform.RSA_SHA256, xmlsec.Transform.SHA256),
    Algorithm.SHA1: (xmlsec.Transform.RSA_SHA1, xmlsec.Transform.SHA1),
}


@dataclass(frozen=True)
class Token:
    """Everything that varies between two Entra responses."""

    issuer: str
    audience: str
    recipient: str
    name_id: str
    issue_instant: datetime
    destination: str | None = None
    name_id_format: str = EMAIL_FORMAT
    in_response_to: str | None = None
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    authn_context: str = PASSWORD_CONTEXT
    signing: Signing = Signing.ASSERTION
    algorithm: Algorithm = Algorithm.SHA256
    not_before_margin: timedelta = timedelta(minutes=5)
    lifetime: timedelta = timedelta(minutes=60)
    confirmation_lifetime: timedelta = timedelta(minutes=5)
    response_id: str = field(default_factory=new_id)
    assertion_id: str = field(default_factory=new_id)

    @property
    def session_index(self) -> str:
        """The AuthnStatement's SessionIndex: the assertion ID, as in Entra's tokens."""
        return self.assertion_id


def _element(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    child = etree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = text
    return child


def build_assertion(token: Token) -> etree._Element:
    """The unsigned Assertion, children in Entra's order."""
    a = ASSERTION
    instant = format_instant(token.issue_instant)
    assertion = etree.Element(
        qname(a, "Assertion"),
        {"ID": token.assertion_id, "IssueInstant": instant, "Version": "2.0"},
        nsmap=_DEFAULT_ASSERTION_NS,
    )
    _element(assertion, qname(a, "Issuer"), token.issuer)
    subject = _element(assertion, qname(a, "Subject"))
    _element(subject, qname(a, "NameID"), token.name_id, Format=token.name_id_format)
    confirmation = _element(subject, qname(a, "SubjectConfirmation"), Method=BEARER)
    data = {
        "NotOnOrAfter": format_instant(token.issue_instant + token.confirmation_lifetime),
        "Recipient": token.recipient,
    }
    if token.in_response_to:
        data = {"InResponseTo": token.in_response_to, **data}
    _element(confirmation, qname(a, "SubjectConfirmationData"), **data)
    conditions = _element(
        assertion,
        qname(a, "Conditions"),
        NotBefore=format_instant(token.issue_instant - token.not_before_margin),
        NotOnOrAfter=format_instant(token.issue_instant + token.lifetime),
    )
    restriction = _element(conditions, qname(a, "AudienceRestriction"))
    _element(restriction, qname(a, "Audience"), token.audience)
    if token.attributes:
        statement = _element(assertion, qname(a, "AttributeStatement"))
        for name, values in token.attributes:
            attribute = _element(statement, qname(a, "Attribute"), Name=name)
            for value in values:
                _element(attribute, qname(a, "AttributeValue"), value)
    authn = _element(
        assertion,
        qname(a, "AuthnStatement"),
        AuthnInstant=format_instant(token.issue_instant - timedelta(seconds=1)),
        SessionIndex=token.session_index,
    )
    context = _element(authn, qname(a, "AuthnContext"))
    _element(context, qname(a, "AuthnContextClassRef"), token.authn_context)
    return assertion


def build_response(token: Token, assertion: etree._Element | None = None) -> etree._Element:
    """The unsigned Response around an Assertion (built from the token when not given)."""
    attributes = {
        "ID": token.response_id,
        "Version": "2.0",
        "IssueInstant": format_instant(token.issue_instant),
        "Destination": token.destination or token.recipient,
    }
    if token.in_response_to:
        attributes["InResponseTo"] = token.in_response_to
    response = etree.Element(qname(PROTOCOL, "Response"), attributes, nsmap={"samlp": PROTOCOL})
    issuer = etree.SubElement(response, qname(ASSERTION, "Issuer"), nsmap=_DEFAULT_ASSERTION_NS)
    issuer.text = token.issuer
    status = _element(response, qname(PROTOCOL, "Status"))
    _element(status, qname(PROTOCOL, "StatusCode"), Value=STATUS_SUCCESS)
    response.append(assertion if assertion is not None else build_assertion(token))
    return response


def sign_element(
    element: etree._Element, key: SigningKey, algorithm: Algorithm = Algorithm.SHA256
) -> None:
    """Add an enveloped exc-c14n signature right after the element's Issuer, and sign."""
    sign_method, digest_method = _TRANSFORMS[algorithm]
    signature = xmlsec.template.create(element, xmlsec.Transform.EXCL_C14N, sign_method)
    issuer = element.find(qname(ASSERTION, "Issuer"))
    if issuer is None:
        element.insert(0, signature)
    else:
        issuer.addnext(signature)
    reference = xmlsec.template.add_reference(signature, digest_method, uri=f"#{element.get('ID')}")
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(key_info))
    xmlsec.tree.add_ids(element.getroottree().getroot(), ["ID"])
    context = xmlsec.SignatureContext()
    context.key = key.xmlsec_key
    context.sign(signature)


def mint_response_element(
    token: Token,
    key: SigningKey,
    before_signing: Callable[[etree._Element], None] | None = None,
) -> etree._Element:
    """A signed Response tree, for callers that mutate it further (faults).

    `before_signing` may reshape the unsigned Response; the signature then covers it.
    """
    response = build_response(token)
    if before_signing is not None:
        before_signing(response)
    assertion = response.find(qname(ASSERTION, "Assertion"))
    assert assertion is not None
    if token.signing in (Signing.ASSERTION, Signing.BOTH):
        sign_element(assertion, key, token.algorithm)
    if token.signing in (Signing.RESPONSE, Signing.BOTH):
        sign_element(response, key, token.algorithm)
    return response


def mint_error_response(
    token: Token,
    status: str,
    message: str,
    second_status: str | None = None,
    key: SigningKey | None = None,
) -> bytes:
    """An Entra error answer: a Response with an error Status, an AADSTS message and no
    Assertion; signed (the Response) when a key is given."""
    response = build_response(token)
    assertion = response.find(qname(ASSERTION, "Assertion"))
    assert assertion is not None
    response.remove(assertion)
    status_element = response.find(qname(PROTOCOL, "Status"))
    assert status_element is not None
    status_element.clear()
    code = _element(status_element, qname(PROTOCOL, "StatusCode"), Value=status)
    if second_status:
        _element(code, qname(PROTOCOL, "StatusCode"), Value=second_status)
    _element(status_element, qname(PROTOCOL, "StatusMessage"), message)
    if key is not None:
        sign_element(response, key, token.algorithm)
    return etree.tostring(response)


def mint_response(token: Token, key: SigningKey) -> bytes:
    """A signed Response as bytes, as Entra would POST it (before base64)."""
    return etree.tostring(mint_response_element(token, key))
