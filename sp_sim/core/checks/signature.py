"""Signature: which elements are signed, whether the configured certificate verifies them,
and the signed view that every later check reads.

XML-DSig verification is python-xmlsec's (libxmlsec1), against the configured
certificates only. A certificate in KeyInfo is never trusted; it is compared by
thumbprint to explain a failure. The digest is recomputed here only to tell "content
altered" from "wrong key": xmlsec alone decides whether a signature is valid.

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
from sp_sim.core.codes import Code
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings
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
# The algorithms xmlsec may run, by URI. A signature is checked against these before
# xmlsec sees it, and its context then enables exactly the ones it uses.
_XMLSEC_TRANSFORMS = {
    Transform.ENVELOPED.value: xmlsec.Transform.ENVELOPED,
    Transform.EXC_C14N.value: xmlsec.Transform.EXCL_C14N,
    Transform.EXC_C14N_COMMENTS.value: xmlsec.Transform.EXCL_C14N_COMMENTS,
    Transform.C14N.value: xmlsec.Transform.C14N,
    DigestAlgorithm.SHA1.value: xmlsec.Transform.SHA1,
    DigestAlgorithm.SHA256.value: xmlsec.Transform.SHA256,
    DigestAlgorithm.SHA384.value: xmlsec.Transform.SHA384,
    DigestAlgorithm.SHA512.value: xmlsec.Transform.SHA512,
    SignatureAlgorithm.RSA_SHA1.value: xmlsec.Transform.RSA_SHA1,
    SignatureAlgorithm.RSA_SHA256.value: xmlsec.Transform.RSA_SHA256,
    SignatureAlgorithm.RSA_SHA384.value: xmlsec.Transform.RSA_SHA384,
    SignatureAlgorithm.RSA_SHA512.value: xmlsec.Transform.RSA_SHA512,
}
_C14N = {t.value for t in (Transform.EXC_C14N, Transform.EXC_C14N_COMMENTS, Transform.C14N)}
_TRANSFORMS = {t.value for t in Transform}


@dataclass(frozen=True)
class SignedView:
    """What later checks read. `*_covered` says whether a verified signature covers it."""

    response: etree._Element
    assertion: etree._Element | None
    response_covered: bool
    assertion_covered: bool
    signed_elements: tuple[str, ...]


@dataclass(frozen=True)
class _SignedInfo:
    reference_uri: str | None
    references: int
    signature_method: str
    digest_method: str
    digest_value: str
    transforms: tuple[str, ...]
    c14n_method: str
    inclusive_prefixes: tuple[str, ...]


def _signed_info(signature: etree._Element) -> _SignedInfo:
    info = signature.find(qname(DSIG, "SignedInfo"))
    references = [] if info is None else info.findall(qname(DSIG, "Reference"))
    reference = references[0] if references else None

    def algorithm(parent: etree._Element | None, tag: str) -> str:
        found = None if parent is None else parent.find(qname(DSIG, tag))
        return "" if found is None else found.get("Algorithm", "")

    transforms = (
        ()
        if reference is None
        else tuple(t.get("Algorithm", "") for t in reference.iter(qname(DSIG, "Transform")))
    )
    prefixes: tuple[str, ...] = ()
    if reference is not None:
        for element in reference.iter(
            "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces"
        ):
            prefixes = tuple(element.get("PrefixList", "").split())
    return _SignedInfo(
        reference_uri=None if reference is None else reference.get("URI"),
        references=len(references),
        signature_method=algorithm(info, "SignatureMethod"),
        digest_method=algorithm(reference, "DigestMethod"),
        digest_value="".join((text_of(reference.find(qname(DSIG, "DigestValue"))) or "").split())
        if reference is not None
        else "",
        transforms=transforms,
        c14n_method=algorithm(info, "CanonicalizationMethod"),
        inclusive_prefixes=prefixes,
    )


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _verify_with(signature: etree._Element, certificate: Certificate, info: _SignedInfo) -> bool:
    """xmlsec's verdict, with only this signature's (already accepted) algorithms enabled."""
    context = xmlsec.SignatureContext()
    for uri in (*info.transforms, info.digest_method):
        context.enable_reference_transform(_XMLSEC_TRANSFORMS[uri])
    for uri in (info.c14n_method, info.signature_method):
        context.enable_signature_transform(_XMLSEC_TRANSFORMS[uri])
    context.key = certificate.xmlsec_key
    try:
        context.verify(signature)
    except xmlsec.Error:
        return False
    return True


def _digest_matches(element: etree._Element, info: _SignedInfo) -> bool:
    """Recompute the reference digest (enveloped + exc-c14n) to explain a failure."""
    unsigned = _canonical_without_signature(element, info)
    algorithm = DigestAlgorithm(info.digest_method).hashlib_name
    digest = base64.b64encode(hashlib.new(algorithm, unsigned).digest()).decode()
    return digest == info.digest_value


def _canonical_without_signature(element: etree._Element, info: _SignedInfo | None) -> bytes:
    detached = copy.deepcopy(element)
    for signature in detached.findall(SIGNATURE_TAG):
        detached.remove(signature)
    with_comments = info is not None and Transform.EXC_C14N_COMMENTS.value in info.transforms
    return etree.tostring(
        detached,
        method="c14n",
        exclusive=True,
        with_comments=with_comments,
        inclusive_ns_prefixes=list(info.inclusive_prefixes) if info else None,
    )


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


def _check_one(
    element: etree._Element, signature: etree._Element, settings: CheckSettings
) -> _Outcome:
    name = _name(element)
    where = f"/{'Response/' if name == 'Assertion' else ''}{name}/Signature"
    info = _signed_info(signature)
    element_id = element.get("ID")
    if info.references != 1 or not element_id or info.reference_uri != f"#{element_id}":
        return _Outcome(
            None,
            (
                Finding(
                    Code.SIGNATURE_BAD_REFERENCE,
                    Status.FAIL,
                    f"The signature inside the {name} does not reference that {name}, so it "
                    "proves nothing about it: a signature-wrapping shape.",
                    expected=f'one Reference with URI="#{element_id}"',
                    observed=f"{info.references} Reference(s), URI={info.reference_uri!r}",
                    location=where,
                ),
            ),
        )
    unknown = [
        a
        for a in (info.signature_method, info.digest_method, info.c14n_method, *info.transforms)
        if a not in {*SignatureAlgorithm, *DigestAlgorithm, *_TRANSFORMS}
    ]
    if unknown or info.c14n_method not in _C14N:
        return _Outcome(
            None,
            (
                Finding(
                    Code.SIGNATURE_UNSUPPORTED_ALGORITHM,
                    Status.FAIL,
                    f"The {name} signature uses an algorithm or transform that is not accepted.",
                    expected="RSA-SHA256, SHA-256, enveloped-signature + exc-c14n",
                    observed=", ".join(unknown) or info.c14n_method,
                    hint=Hint(Side.ENTRA_APP, "Signing Algorithm", "choose SHA-256"),
                    location=where,
                ),
            ),
        )
    for certificate in settings.certificates:
        if _verify_with(signature, certificate, info):
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
            return _Outcome(certificate, tuple(found))
    return _Outcome(None, (_explain_failure(element, signature, info, settings, where),))


def _explain_failure(
    element: etree._Element,
    signature: etree._Element,
    info: _SignedInfo,
    settings: CheckSettings,
    where: str,
) -> Finding:
    name = _name(element)
    configured = ", ".join(c.thumbprint for c in settings.certificates)
    if not _digest_matches(element, info):
        return Finding(
            Code.SIGNATURE_DIGEST_MISMATCH,
            Status.FAIL,
            f"The {name} was changed after it was signed: its digest no longer matches. "
            "Something between Entra and Mimecast altered it, or it was forged.",
            expected=f"digest {info.digest_value}",
            observed="a different digest of the signed content",
            hint=Hint(Side.SENDER, name, "send the message exactly as Entra issued it"),
            location=where,
        )
    carried = _keyinfo_certificate(signature)
    configured_ders = {c.der for c in settings.certificates}
    if (
        carried is not None
        and carried.der not in configured_ders
        and _verify_with(signature, carried, info)
    ):
        return Finding(
            Code.SIGNATURE_KEY_MISMATCH,
            Status.FAIL,
            f"The {name} is signed by certificate {carried.thumbprint}, which the "
            f"profile does not hold (it holds {configured}). Entra signs with "
            "certificate X, the profile holds Y: the certificate was rolled over in "
            "Entra, pasted from another app, or the message is forged.",
            expected=f"signed by {configured}",
            observed=f"signed by {carried.describe()}",
            hint=Hint(
                Side.MIMECAST_PROFILE,
                "Identity Provider Certificate (Metadata)",
                f"if {carried.thumbprint} is the active certificate of your Entra app, "
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
            "Identity Provider Certificate (Metadata)",
            "paste the Entra app's active signing certificate",
        ),
        location=where,
    )


def check_signature(
    root: etree._Element, assertion: etree._Element | None, settings: CheckSettings
) -> tuple[SignedView, list[Finding], tuple[Certificate, ...]]:
    """Verify the Response and Assertion signatures; return the view later checks read.

    Also returns the certificates that verified something, for the certificate check.
    """
    signed = [
        (element, signature)
        for element in (root, assertion)
        if element is not None and (signature := element.find(SIGNATURE_TAG)) is not None
    ]
    unverified = SignedView(root, assertion, False, False, ())
    if not signed:
        stray = list(root.iter(SIGNATURE_TAG))
        code = Code.SIGNATURE_ASSERTION_NOT_COVERED if stray else Code.SIGNATURE_MISSING
        where = root.getroottree().getpath(stray[0]) if stray else "/Response"
        return (
            unverified,
            [
                Finding(
                    code,
                    Status.FAIL,
                    "Neither the Response nor the Assertion is signed"
                    + (
                        f"; a Signature sits at {where}, where it covers neither." if stray else "."
                    ),
                    expected="a signed Assertion, a signed Response, or both",
                    observed="no signature on Response or Assertion",
                    hint=_SIGNING_OPTION,
                    location=where,
                )
            ],
            (),
        )
    if not settings.certificates:
        return (
            unverified,
            [
                Finding(
                    Code.SIGNATURE_NO_CERTIFICATE,
                    Status.FAIL,
                    f"The {' and '.join(_name(e) for e, _ in signed)} is signed, but no IdP "
                    "certificate is configured, so nothing can be verified.",
                    expected="an Identity Provider Certificate in the profile",
                    observed="none configured",
                    hint=Hint(
                        Side.MIMECAST_PROFILE,
                        "Identity Provider Certificate (Metadata)",
                        "paste the Entra app's Certificate (Base64), or Import the metadata",
                    ),
                )
            ],
            (),
        )
    xmlsec.tree.add_ids(root, ["ID"])
    findings: list[Finding] = []
    verified: dict[str, etree._Element] = {}
    used: list[Certificate] = []
    for element, signature in signed:
        outcome = _check_one(element, signature, settings)
        findings.extend(outcome.findings)
        if outcome.verified_by is not None:
            used.append(outcome.verified_by)
            verified[_name(element)] = parse_untrusted(_canonical_without_signature(element, None))
    return _view(root, assertion, verified), findings, tuple(used)


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
