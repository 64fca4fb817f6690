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

import base64
import copy
import hashlib
from dataclasses import dataclass

from lxml import etree

from sp_sim.core.certs import Certificate, CertificateError, certificate_from_base64
from sp_sim.core.checks import enveloped
from sp_sim.core.checks.signed_info import SignedInfo, read_signed_info
from sp_sim.core.codes import Code
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings, Verifier
from sp_sim.core.xml import (
    ASSERTION,
    DSIG,
    SHA1_ALGORITHMS,
    DigestAlgorithm,
    SignatureAlgorithm,
    Transform,
    parse_untrusted,
    qname,
    text_of,
)

SIGNATURE_TAG = qname(DSIG, "Signature")
_SIGNING_OPTION = Hint(
    Side.ENTRA_APP,
    "SAML Signing Certificate › Signing Option",
    "choose 'Sign SAML assertion' (Entra's default)",
)
_CERTIFICATE_FIELD = "Identity Provider Certificate (Metadata)"
# The algorithms xmlsec may run, by URI, one table per slot of SignedInfo.
_SIGNATURE_METHODS = {
    SignatureAlgorithm.RSA_SHA1.value: xmlsec.Transform.RSA_SHA1,
    SignatureAlgorithm.RSA_SHA256.value: xmlsec.Transform.RSA_SHA256,
    SignatureAlgorithm.RSA_SHA384.value: xmlsec.Transform.RSA_SHA384,
    SignatureAlgorithm.RSA_SHA512.value: xmlsec.Transform.RSA_SHA512,
    SignatureAlgorithm.RSA_PSS_SHA256.value: None,  # no python-xmlsec object: see above
}
_DIGEST_METHODS = {
    DigestAlgorithm.SHA1.value: xmlsec.Transform.SHA1,
    DigestAlgorithm.SHA256.value: xmlsec.Transform.SHA256,
    DigestAlgorithm.SHA384.value: xmlsec.Transform.SHA384,
    DigestAlgorithm.SHA512.value: xmlsec.Transform.SHA512,
}
_C14N_METHODS = {
    Transform.EXC_C14N.value: xmlsec.Transform.EXCL_C14N,
    Transform.EXC_C14N_COMMENTS.value: xmlsec.Transform.EXCL_C14N_COMMENTS,
    Transform.C14N.value: xmlsec.Transform.C14N,
}
_REFERENCE_TRANSFORMS = {
    Transform.ENVELOPED.value: xmlsec.Transform.ENVELOPED,
    **_C14N_METHODS,
}


@dataclass(frozen=True)
class SignedView:
    """What later checks read. `*_covered` says whether a verified signature covers it."""

    response: etree._Element
    assertion: etree._Element | None
    response_covered: bool
    assertion_covered: bool
    signed_elements: tuple[str, ...]


def _unaccepted(info: SignedInfo) -> list[str]:
    """Each algorithm URI that is not accepted in the slot it sits in."""
    slots = [
        (info.signature_method, _SIGNATURE_METHODS, "SignatureMethod"),
        (info.digest_method, _DIGEST_METHODS, "DigestMethod"),
        (info.c14n_method, _C14N_METHODS, "CanonicalizationMethod"),
        *((t, _REFERENCE_TRANSFORMS, "Transform") for t in info.transforms),
    ]
    return [f"{slot} {uri or '(none)'}" for uri, table, slot in slots if uri not in table]


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _verify_with(signature: etree._Element, certificate: Certificate, info: SignedInfo) -> bool:
    """xmlsec's verdict, with only this signature's (already accepted) algorithms enabled.
    A key xmlsec cannot load, or a document it cannot process, verifies nothing."""
    context = xmlsec.SignatureContext()
    for uri in (*info.transforms, info.digest_method):
        context.enable_reference_transform({**_REFERENCE_TRANSFORMS, **_DIGEST_METHODS}[uri])
    method = _SIGNATURE_METHODS[info.signature_method]
    if method is not None:
        context.enable_signature_transform(_C14N_METHODS[info.c14n_method])
        context.enable_signature_transform(method)
    try:
        context.key = certificate.xmlsec_key
        context.verify(signature)
    except xmlsec.Error:
        return False
    return True


def _digest_matches(element: etree._Element, info: SignedInfo) -> bool | None:
    """Recompute the reference digest (enveloped + exc-c14n) to explain a failure;
    None when the element cannot be canonicalised at all."""
    unsigned = canonical_without_signature(element, info)
    if unsigned is None:
        return None
    algorithm = DigestAlgorithm(info.digest_method).hashlib_name
    digest = base64.b64encode(hashlib.new(algorithm, unsigned).digest()).decode()
    return digest == info.digest_value


def _detach_signatures(element: etree._Element) -> etree._Element:
    """A copy without its enveloped Signature children. The enveloped-signature transform
    removes only the element, so the text after it (lxml's tail) stays in place."""
    detached = copy.deepcopy(element)
    for signature in detached.findall(SIGNATURE_TAG):
        tail = signature.tail or ""
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            detached.text = (detached.text or "") + tail
        detached.remove(signature)
    return detached


def canonical_without_signature(element: etree._Element, info: SignedInfo | None) -> bytes | None:
    """The element's exclusive canonical form minus its signature; None when it has none
    (a relative namespace URI, for one, cannot be canonicalised)."""
    with_comments = info is not None and Transform.EXC_C14N_COMMENTS.value in info.transforms
    try:
        return etree.tostring(
            _detach_signatures(element),
            method="c14n",
            exclusive=True,
            with_comments=with_comments,
            inclusive_ns_prefixes=list(info.inclusive_prefixes) if info else None,
        )
    except (etree.C14NError, ValueError, TypeError):
        return None


def _keyinfo_certificate(signature: etree._Element) -> Certificate | None:
    element = signature.find(f"{qname(DSIG, 'KeyInfo')}//{qname(DSIG, 'X509Certificate')}")
    if element is None or not text_of(element):
        return None
    try:
        return certificate_from_base64(text_of(element) or "", "KeyInfo")
    except CertificateError:
        return None


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
    element: etree._Element, signature: etree._Element, info: SignedInfo, where: str
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
    unaccepted = _unaccepted(info)
    if unaccepted:
        return Finding(
            Code.SIGNATURE_UNSUPPORTED_ALGORITHM,
            Status.FAIL,
            f"The {name} signature uses an algorithm or transform that is not accepted "
            "in its place.",
            expected="RSA-SHA256, SHA-256, enveloped-signature + exc-c14n",
            observed=", ".join(unaccepted),
            hint=Hint(Side.ENTRA_APP, "Signing Algorithm", "choose SHA-256"),
            location=where,
        )
    return None


def _valid(name: str, certificate: Certificate, info: SignedInfo, where: str) -> list[Finding]:
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
                hint=Hint(
                    Side.ENTRA_APP,
                    "SAML Signing Certificate › Signing Algorithm",
                    "choose SHA-256",
                ),
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
    refused = _refused_shape(element, signature, info, where)
    if refused is not None:
        return _Outcome(None, (refused,))
    if fast and settings.verifier is not Verifier.XMLSEC:
        quick = enveloped.verify(element, signature, info, settings.certificates)
        if quick is not None:
            certificate, outcome = quick
            if certificate is not None:
                found = tuple(_valid(name, certificate, info, where))
                return _Outcome(certificate, found, outcome.canonical)
    for certificate in settings.certificates:
        if _verify_with(signature, certificate, info):
            return _Outcome(certificate, tuple(_valid(name, certificate, info, where)))
    return _Outcome(None, (_explain_failure(element, signature, info, settings, where),))


def _looks_reformatted(element: etree._Element) -> bool:
    """Indentation between elements: what a pretty-printer or editor leaves behind."""
    return any(
        "\n" in text and not text.strip()
        for node in element.iter()
        for text in (node.text or "", node.tail or "")
    )


def _explain_failure(
    element: etree._Element,
    signature: etree._Element,
    info: SignedInfo,
    settings: CheckSettings,
    where: str,
) -> Finding:
    name = _name(element)
    configured = ", ".join(c.thumbprint for c in settings.certificates)
    intact = _digest_matches(element, info)
    if intact is None:
        return Finding(
            Code.SIGNATURE_UNPROCESSABLE,
            Status.FAIL,
            f"The signed {name} cannot be canonicalised (for example, a relative namespace "
            "URI), so no signature over it can be verified.",
            expected="a signed element exclusive canonicalisation accepts",
            observed="canonicalisation failed",
            location=where,
        )
    if not intact:
        return _digest_mismatch(element, info, where)
    carried = _keyinfo_certificate(signature)
    if (
        carried is not None
        and carried.der not in {c.der for c in settings.certificates}
        and _verify_with(signature, carried, info)
    ):
        return Finding(
            Code.SIGNATURE_KEY_MISMATCH,
            Status.FAIL,
            f"The {name} is signed by certificate {carried.thumbprint}, which the "
            f"profile does not hold (it holds {configured}): the certificate was rolled "
            "over at the IdP, pasted from another app, or the message is forged.",
            expected=f"signed by {configured}",
            observed=f"signed by {carried.describe()}",
            hint=Hint(
                Side.MIMECAST_PROFILE,
                _CERTIFICATE_FIELD,
                f"if {carried.thumbprint} is the active certificate of your IdP app, "
                "download its Certificate (Base64) and paste it, or Import the metadata again",
            ),
            location=where,
        )
    return Finding(
        Code.SIGNATURE_INVALID,
        Status.FAIL,
        f"The {name} signature value does not verify with the configured certificate(s) "
        f"{configured}, although the signed content is intact: SignedInfo was altered or "
        "the signature was made with another key.",
        expected=f"a signature by {configured}",
        observed="signature value mismatch",
        hint=Hint(
            Side.MIMECAST_PROFILE,
            _CERTIFICATE_FIELD,
            "paste the IdP app's active signing certificate",
        ),
        location=where,
    )


def _digest_mismatch(element: etree._Element, info: SignedInfo, where: str) -> Finding:
    name = _name(element)
    if _looks_reformatted(element):
        return Finding(
            Code.SIGNATURE_DIGEST_MISMATCH,
            Status.FAIL,
            f"The {name} was changed after it was signed: its digest no longer matches. It "
            "is indented between elements, so it was probably re-formatted (pretty-printed) "
            "after signing, which breaks the signature.",
            expected=f"digest {info.digest_value}",
            observed="a different digest of the signed content",
            hint=Hint(
                Side.SENDER,
                "SAMLResponse",
                "give sp-sim the raw base64 SAMLResponse as captured, not a re-formatted XML",
            ),
            location=where,
        )
    return Finding(
        Code.SIGNATURE_DIGEST_MISMATCH,
        Status.FAIL,
        f"The {name} was changed after it was signed: its digest no longer matches. "
        "Something between the IdP and Mimecast altered it, or it was forged.",
        expected=f"digest {info.digest_value}",
        observed="a different digest of the signed content",
        hint=Hint(Side.SENDER, name, "send the message exactly as the IdP issued it"),
        location=where,
    )


def _unsigned(root: etree._Element) -> Finding:
    stray = list(root.iter(SIGNATURE_TAG))
    code = Code.SIGNATURE_ASSERTION_NOT_COVERED if stray else Code.SIGNATURE_MISSING
    where = root.getroottree().getpath(stray[0]) if stray else "/Response"
    return Finding(
        code,
        Status.FAIL,
        "Neither the Response nor the Assertion is signed"
        + (f"; a Signature sits at {where}, where it covers neither." if stray else "."),
        expected="a signed Assertion, a signed Response, or both",
        observed="no signature on Response or Assertion",
        hint=_SIGNING_OPTION,
        location=where,
    )


def _no_certificate(names: list[str]) -> Finding:
    verb = "are" if len(names) > 1 else "is"
    return Finding(
        Code.SIGNATURE_NO_CERTIFICATE,
        Status.FAIL,
        f"The {' and the '.join(names)} {verb} signed, but no IdP certificate is "
        "configured, so nothing can be verified.",
        expected="an Identity Provider Certificate in the profile",
        observed="none configured",
        hint=Hint(
            Side.MIMECAST_PROFILE,
            _CERTIFICATE_FIELD,
            "paste the IdP app's Certificate (Base64), or Import the metadata",
        ),
    )


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
        return unverified, [_unsigned(root)], ()
    if not settings.certificates:
        return unverified, [_no_certificate([_name(e) for e, _ in signed])], ()
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
