"""XML safety and shape: one samlp:Response holding one saml:Assertion, nothing more.

SAML Core §1.3 and Bindings §3.5.5: messages must not contain a DTD. Two Responses,
two Assertions or two elements with one ID are the shapes of signature-wrapping
attacks, so they fail here before any signature is looked at.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.xml import ASSERTION, PROTOCOL, UnsafeXML, parse_untrusted, qname

RESPONSE_TAG = qname(PROTOCOL, "Response")
ASSERTION_TAG = qname(ASSERTION, "Assertion")
ENCRYPTED_ASSERTION_TAG = qname(ASSERTION, "EncryptedAssertion")


@dataclass(frozen=True)
class Document:
    """The parsed message, unverified: nothing in it is trusted yet."""

    root: etree._Element
    assertion: etree._Element | None
    usable: bool


def _fail(code: Code, message: str, observed: str | None = None) -> Finding:
    return Finding(
        code,
        Status.FAIL,
        message,
        expected="one samlp:Response with one saml:Assertion, no DTD",
        observed=observed,
        location="/",
    )


def parse_document(xml: bytes) -> tuple[Document | None, list[Finding]]:
    """Parse safely and check the shape. Returns no Document when nothing can be read."""
    try:
        root = parse_untrusted(xml)
    except UnsafeXML:
        return None, [
            _fail(
                Code.XML_DTD_FORBIDDEN,
                "The message declares a DOCTYPE (entities or external references). SAML "
                "forbids DTDs; nothing in it is read.",
                observed="<!DOCTYPE …>",
            )
        ]
    except etree.XMLSyntaxError as error:
        return None, [_fail(Code.XML_MALFORMED, f"The XML does not parse: {error}.")]

    if root.tag != RESPONSE_TAG:
        return None, [
            _fail(
                Code.XML_NOT_A_RESPONSE,
                f"The root element is {etree.QName(root).localname!r} in "
                f"{etree.QName(root).namespace or 'no namespace'}, not samlp:Response.",
                observed=root.tag,
            )
        ]
    findings = _shape_findings(root)
    assertions = list(root.iter(ASSERTION_TAG))
    assertion = assertions[0] if len(assertions) == 1 else None
    usable = not findings
    if usable:
        findings.append(
            Finding(
                Code.XML_SAFE,
                Status.PASS,
                "Well-formed, no DTD, one Response"
                + (" holding one Assertion." if assertion is not None else "."),
                location="/",
            )
        )
    return Document(root, assertion if usable else None, usable), findings


def _shape_findings(root: etree._Element) -> list[Finding]:
    findings: list[Finding] = []
    responses = sum(1 for _ in root.iter(RESPONSE_TAG))
    if responses > 1:
        findings.append(
            _fail(
                Code.XML_MULTIPLE_RESPONSES,
                f"{responses} Response elements: a signature-wrapping shape.",
                observed=f"{responses} Responses",
            )
        )
    assertions = list(root.iter(ASSERTION_TAG))
    if len(assertions) > 1:
        findings.append(
            _fail(
                Code.XML_MULTIPLE_ASSERTIONS,
                f"{len(assertions)} Assertion elements; Entra sends one. Which one a "
                "library reads decides who signs in: a signature-wrapping shape.",
                observed=f"{len(assertions)} Assertions",
            )
        )
    elif len(assertions) == 1 and assertions[0].getparent() is not root:
        findings.append(
            _fail(
                Code.XML_ASSERTION_MISPLACED,
                "The Assertion is not a direct child of the Response.",
                observed=root.getroottree().getpath(assertions[0]),
            )
        )
    if any(True for _ in root.iter(ENCRYPTED_ASSERTION_TAG)):
        findings.append(
            Finding(
                Code.XML_ENCRYPTED_ASSERTION,
                Status.FAIL,
                "The assertion is encrypted: token encryption is on in the Entra app. "
                "A Mimecast profile has no decryption key, so it cannot read it.",
                expected="a plain saml:Assertion",
                observed="saml:EncryptedAssertion",
                hint=Hint(
                    Side.ENTRA_APP,
                    "Token encryption",
                    "deactivate the token encryption certificate (Enterprise app › "
                    "Token encryption)",
                ),
                location="/Response/EncryptedAssertion",
            )
        )
    ids = Counter(e.get("ID") for e in root.iter() if e.get("ID") is not None)
    repeated = sorted(str(i) for i, n in ids.items() if n > 1)
    if repeated:
        findings.append(
            _fail(
                Code.XML_DUPLICATE_ID,
                f"Several elements share the ID {', '.join(repeated)}: a signature-wrapping shape.",
                observed=", ".join(repeated),
            )
        )
    return findings
