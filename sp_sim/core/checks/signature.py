"""Signature: which elements are signed, whether the configured certificate verifies them,
and the signed view that every later check reads.

XML-DSig verification is python-xmlsec's (libxmlsec1), against the configured
certificates only. A certificate in KeyInfo is never trusted; it is compared by
thumbprint to explain a failure. The digest is recomputed here only to tell "content
altered" from "wrong key": xmlsec alone decides whether a signature is valid.

Every algorithm slot is checked against its own list before xmlsec sees the signature
(a digest URI in the SignatureMethod slot is refused, not handed on), and the context
then enables exactly those algorithms. RSASSA-PSS is the one exception: python-xmlsec
exposes no transform object for it, so a PSS signature's SignedInfo transforms are left
unrestricted — after the same pre-check has admitted only the accepted c14n and PSS.

After verification, the covered element is re-read from its canonical form (what the
digest covers: the element minus its enveloped signature, comments dropped), so later
checks cannot be steered by anything outside it — the defence against signature
wrapping and comment truncation (see signxml's "see what is signed").
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from sp_sim.core.certs import Certificate
from sp_sim.core.checks import enveloped
from sp_sim.core.checks.dsig import (
    SIGNATURE_TAG,
    canonical_without_signature,
    unaccepted,
    verify_with,
)
from sp_sim.core.checks.signature_failures import explain_failure, no_certificate, unsigned
from sp_sim.core.checks.signed_info import SignedInfo, read_signed_info
from sp_sim.core.codes import Code
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.model import Finding, Hint, Status
from sp_sim.core.settings import CheckSettings, Verifier
from sp_sim.core.wording import Wording
from sp_sim.core.xml import (
    ASSERTION,
    SHA1_ALGORITHMS,
    SignatureAlgorithm,
    parse_untrusted,
    qname,
)


@dataclass(frozen=True)
class SignedView:
    """What later checks read. `*_covered` says whether a verified signature covers it."""

    response: etree._Element
    assertion: etree._Element | None
    response_covered: bool
    assertion_covered: bool
    signed_elements: tuple[str, ...]


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


@dataclass(frozen=True)
class _Outcome:
    verified_by: Certificate | None
    findings: tuple[Finding, ...]
    canonical: bytes | None = None
    """The signed element's canonical form, when the verifier already made it."""


def _references_element(
    element: etree._Element, signature: etree._Element, uri: str | None
) -> bool:
    """The Reference names this element: `#ID`, or `""` (the whole document) when the
    signature sits directly inside the document's root."""
    element_id = element.get("ID")
    if uri == "":
        return element.getparent() is None and signature.getparent() is element
    return bool(element_id) and uri == f"#{element_id}"


def _refused_shape(
    element: etree._Element,
    signature: etree._Element,
    info: SignedInfo,
    where: str,
    wording: Wording,
) -> Finding | None:
    """A signature that proves nothing about its element, or uses an unaccepted algorithm."""
    name = _name(element)
    if info.references != 1 or not _references_element(element, signature, info.reference_uri):
        return Finding(
            Code.SIGNATURE_BAD_REFERENCE,
            Status.FAIL,
            f"The signature inside the {name} does not reference that {name}, so it "
            "proves nothing about it: a signature-wrapping shape.",
            expected=f'one Reference with URI="#{element.get("ID")}"',
            observed=f"{info.references} Reference(s), URI={info.reference_uri!r}",
            location=where,
        )
    refused_algorithms = unaccepted(info)
    if refused_algorithms:
        return Finding(
            Code.SIGNATURE_UNSUPPORTED_ALGORITHM,
            Status.FAIL,
            f"The {name} signature uses an algorithm or transform that is not accepted "
            "in its place.",
            expected="RSA-SHA256, SHA-256, enveloped-signature + exc-c14n",
            observed=", ".join(refused_algorithms),
            hint=Hint(wording.app, wording.signing_algorithm, "choose SHA-256"),
            location=where,
        )
    return None


def _valid(
    name: str, certificate: Certificate, info: SignedInfo, where: str, wording: Wording
) -> list[Finding]:
    algorithm = SignatureAlgorithm(info.signature_method).name.replace("_", "-")
    found = [
        Finding(
            Code.SIGNATURE_VALID,
            Status.PASS,
            f"The {name} signature verifies with the configured certificate "
            f"{certificate.thumbprint} ({algorithm}).",
            expected="a signature by a configured certificate",
            observed=f"{algorithm}, certificate {certificate.thumbprint}",
            location=where,
        )
    ]
    if {info.signature_method, info.digest_method} & SHA1_ALGORITHMS:
        found.append(
            Finding(
                Code.SIGNATURE_SHA1,
                Status.WARN,
                f"The {name} is signed with SHA-1, which is deprecated.",
                expected="RSA-SHA256",
                observed=f"{info.signature_method}, {info.digest_method}",
                hint=Hint(wording.app, wording.signing_algorithm, "choose SHA-256"),
                location=where,
            )
        )
    return found


def _check_one(
    element: etree._Element, signature: etree._Element, settings: CheckSettings, fast: bool
) -> _Outcome:
    name = _name(element)
    where = f"/{'Response/' if name == 'Assertion' else ''}{name}/Signature"
    info = read_signed_info(signature)
    wording = settings.wording
    refused = _refused_shape(element, signature, info, where, wording)
    if refused is not None:
        return _Outcome(None, (refused,))
    if fast and settings.verifier is not Verifier.XMLSEC:
        quick = enveloped.verify(element, signature, info, settings.certificates)
        if quick is not None:
            certificate, outcome = quick
            if certificate is not None:
                found = tuple(_valid(name, certificate, info, where, wording))
                return _Outcome(certificate, found, outcome.canonical)
    for certificate in settings.certificates:
        if verify_with(signature, certificate, info):
            return _Outcome(certificate, tuple(_valid(name, certificate, info, where, wording)))
    return _Outcome(None, (explain_failure(element, signature, info, settings, where),))


def check_signature(
    root: etree._Element,
    assertion: etree._Element | None,
    settings: CheckSettings,
    *,
    fast: bool = False,
) -> tuple[SignedView, list[Finding], tuple[Certificate, ...]]:
    """Verify the Response and Assertion signatures; return the view later checks read.

    Also returns the certificates that verified something, for the certificate check.
    `fast` allows the restricted-shape verifier (the caller has looked at the raw bytes:
    core/checks/enveloped.py `has_unusual_namespace`).
    """
    signed = [
        (element, signature)
        for element in (root, assertion)
        if element is not None and (signature := element.find(SIGNATURE_TAG)) is not None
    ]
    unverified = SignedView(root, assertion, False, False, ())
    if not signed:
        return unverified, [unsigned(root, settings.wording)], ()
    if not settings.certificates:
        return unverified, [no_certificate([_name(e) for e, _ in signed], settings.wording)], ()
    xmlsec.tree.add_ids(root, ["ID"])
    findings: list[Finding] = []
    verified: dict[str, etree._Element] = {}
    used: list[Certificate] = []
    for element, signature in signed:
        outcome = _check_one(element, signature, settings, fast)
        seen = None
        if outcome.verified_by is not None:
            seen = _signed_content(element, outcome.canonical)
        if outcome.verified_by is not None and seen is None:
            outcome = _Outcome(None, (_unreadable_signed_content(element),))
        findings.extend(outcome.findings)
        if outcome.verified_by is not None and seen is not None:
            used.append(outcome.verified_by)
            verified[_name(element)] = seen
    return _view(root, assertion, verified), findings, tuple(used)


def _signed_content(element: etree._Element, canonical: bytes | None) -> etree._Element | None:
    """The element as its digest covers it, parsed again; None when that cannot be done."""
    if canonical is None:
        canonical = canonical_without_signature(element, None)
    if canonical is None:
        return None
    try:
        return parse_untrusted(canonical)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _unreadable_signed_content(element: etree._Element) -> Finding:
    return Finding(
        Code.SIGNATURE_UNPROCESSABLE,
        Status.FAIL,
        f"The {_name(element)} signature verified, but its signed content cannot be read "
        "back from its canonical form, so nothing in it is taken as fact.",
        expected="signed content that parses",
        observed="unreadable canonical form",
    )


def _view(
    root: etree._Element, assertion: etree._Element | None, verified: dict[str, etree._Element]
) -> SignedView:
    response_view = verified.get("Response")
    assertion_view = verified.get("Assertion")
    if assertion_view is None and response_view is not None:
        assertion_view = response_view.find(qname(ASSERTION, "Assertion"))
    return SignedView(
        response=root if response_view is None else response_view,
        assertion=assertion if assertion_view is None else assertion_view,
        response_covered=response_view is not None,
        assertion_covered=assertion_view is not None,
        signed_elements=tuple(verified),
    )


def verify_enveloped(
    element: etree._Element, certificates: tuple[Certificate, ...]
) -> Certificate | None:
    """The configured certificate that verifies the enveloped signature directly inside
    `element` (a Reference to the element's own ID, accepted algorithms only), or None.
    Never raises on content. For messages other than a Response (logout messages)."""
    signature = element.find(SIGNATURE_TAG)
    if signature is None or not certificates:
        return None
    xmlsec.tree.add_ids(element, ["ID"])
    outcome = _check_one(element, signature, CheckSettings(certificates=certificates), False)
    return outcome.verified_by
