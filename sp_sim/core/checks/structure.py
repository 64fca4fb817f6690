"""XML safety and shape: one samlp:Response holding one saml:Assertion, nothing more.

SAML Core §1.3 and Bindings §3.5.5: messages must not contain a DTD. Two Responses,
two Assertions or two elements with one ID are the shapes of signature-wrapping
attacks, so they fail here before any signature is looked at. Assertions inside an
`Advice` are allowed (Core §2.6.1) and never read.

The message must also conform to the SAML 2.0 schemas (core/schema.py). An element in a
look-alike namespace (`urn:oasis:names:tc:SAML:2.0:Assertion`, SAML 1.x's assertion
namespace) or a foreign one where SAML allows none is `xml.unknown-element`, naming it;
any other violation is `xml.schema-invalid`. Neither stops the later checks — they still
say what else is wrong — but either fails the verdict: Mimecast refuses such a message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from lxml import etree

from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Status
from sp_sim.core.schema import SAML_FAMILY, schema_errors
from sp_sim.core.wording import Wording
from sp_sim.core.xml import ASSERTION, PROTOCOL, UnsafeXML, parse_untrusted, qname

RESPONSE_TAG = qname(PROTOCOL, "Response")
ASSERTION_TAG = qname(ASSERTION, "Assertion")
ADVICE_TAG = qname(ASSERTION, "Advice")
ENCRYPTED_ASSERTION_TAG = qname(ASSERTION, "EncryptedAssertion")
_ENCRYPTION = "Entra: the app's Token encryption"
_FOLDED_FAMILY = {ns.casefold(): ns for ns in SAML_FAMILY}
# Elements outside SAML's namespaces, found in C: the document is walked once by libxml2.
_OUTSIDE_FAMILY = etree.XPath(
    "//*[" + " and ".join(f"namespace-uri() != '{ns}'" for ns in SAML_FAMILY) + "]"
)


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


def parse_document(xml: bytes, wording: Wording) -> tuple[Document | None, list[Finding]]:
    """Parse safely and check the shape (its findings in the profile's provider's words).
    Returns no Document when nothing can be read."""
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
    findings = _shape_findings(root, wording)
    assertions = _read_assertions(root)
    assertion = assertions[0] if len(assertions) == 1 else None
    usable = not findings
    findings += _conformance_findings(root)
    if not findings:
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


def _read_assertions(root: etree._Element) -> list[etree._Element]:
    """Every Assertion that could be read as the message's: all but those inside Advice."""
    return [
        a
        for a in root.iter(ASSERTION_TAG)
        if not any(p.tag == ADVICE_TAG for p in a.iterancestors())
    ]


def _look_alike(namespace: str) -> bool:
    """A namespace that is not SAML 2.0's but could pass for it with a careless reader."""
    if namespace in SAML_FAMILY:
        return False
    folded = namespace.casefold()
    return folded in _FOLDED_FAMILY or folded.startswith("urn:oasis:names:tc:saml:")


def _unknown_element(name: str, line: int | None, why: str) -> Finding:
    element = etree.QName(name)
    return Finding(
        Code.XML_UNKNOWN_ELEMENT,
        Status.FAIL,
        f"The message holds <{element.localname}> in namespace {element.namespace!r}{why}. "
        "A SAML 2.0 Response may not carry it there, and Mimecast refuses the message.",
        expected="only SAML 2.0 protocol, assertion, XML-DSig and XML-Encryption elements",
        observed=f"{name}" + (f" (line {line})" if line else ""),
        location="/",
    )


def _outside_family(root: etree._Element) -> list[etree._Element]:
    found: Any = _OUTSIDE_FAMILY(root)
    return [e for e in found if isinstance(e, etree._Element)]


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _conformance_findings(root: etree._Element) -> list[Finding]:
    """Look-alike namespaces anywhere, then the schema's verdict on the rest."""
    findings = [
        _unknown_element(element.tag, _line(element), ", a look-alike of a SAML namespace")
        for element in _outside_family(root)
        if _look_alike(etree.QName(element).namespace or "")
    ]
    named = {f.observed for f in findings}
    for error in schema_errors(root):
        if error.foreign_element is not None:
            finding = _unknown_element(error.foreign_element, error.line, "")
            if finding.observed not in named and not _look_alike(
                etree.QName(error.foreign_element).namespace or ""
            ):
                findings.append(finding)
            continue
        findings.append(
            Finding(
                Code.XML_SCHEMA_INVALID,
                Status.FAIL,
                f"The message does not conform to the SAML 2.0 schema: {error.message} "
                f"(line {error.line}).",
                expected="a Response valid against saml-schema-protocol-2.0.xsd",
                observed=error.message,
                location="/",
            )
        )
        break  # one schema error is enough to refuse; the rest usually follow from it
    return findings


def _shape_findings(root: etree._Element, wording: Wording) -> list[Finding]:
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
    assertions = _read_assertions(root)
    if len(assertions) > 1:
        findings.append(
            _fail(
                Code.XML_MULTIPLE_ASSERTIONS,
                f"{len(assertions)} Assertion elements; an IdP sends one. Which one a "
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
                "The assertion is encrypted: token encryption is on at the IdP"
                f"{wording.aside(_ENCRYPTION)}. "
                "A Mimecast profile has no decryption key, so it cannot read it.",
                expected="a plain saml:Assertion",
                observed="saml:EncryptedAssertion",
                hint=Hint(
                    wording.app,
                    wording.token_encryption,
                    "deactivate the token encryption certificate (Enterprise app › "
                    "Token encryption)"
                    if wording.entra
                    else "turn off encryption of assertions for this SP",
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
