"""Why a signature did not verify, and what to change: content altered (and, on an
indented document, probably re-formatted), signed by a certificate the profile lacks, or a
bad signature value; and the shapes where nothing is signed or nothing can be verified."""

from __future__ import annotations

from lxml import etree

from sp_sim.core.certs import Certificate, CertificateError, certificate_from_base64
from sp_sim.core.checks.dsig import SIGNATURE_TAG, digest_matches, verify_with
from sp_sim.core.checks.signed_info import SignedInfo
from sp_sim.core.codes import Code
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.wording import Wording
from sp_sim.core.xml import DSIG, qname, text_of

_SIGN = {True: "choose 'Sign SAML assertion' (Entra's default)", False: "sign the assertion"}
_DOWNLOAD = {True: "download its Certificate (Base64)", False: "download its signing certificate"}
_CERTIFICATE_FIELD = "Identity Provider Certificate (Metadata)"


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _keyinfo_certificate(signature: etree._Element) -> Certificate | None:
    element = signature.find(f"{qname(DSIG, 'KeyInfo')}//{qname(DSIG, 'X509Certificate')}")
    if element is None or not text_of(element):
        return None
    try:
        return certificate_from_base64(text_of(element) or "", "KeyInfo")
    except CertificateError:
        return None


def _looks_reformatted(element: etree._Element) -> bool:
    """Indentation between elements: what a pretty-printer or editor leaves behind."""
    return any(
        "\n" in text and not text.strip()
        for node in element.iter()
        for text in (node.text or "", node.tail or "")
    )


def explain_failure(
    element: etree._Element,
    signature: etree._Element,
    info: SignedInfo,
    settings: CheckSettings,
    where: str,
) -> Finding:
    name = _name(element)
    configured = ", ".join(c.thumbprint for c in settings.certificates)
    intact = digest_matches(element, info)
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
        and verify_with(signature, carried, info)
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
                f"{_DOWNLOAD[settings.wording.entra]} and paste it, or Import the metadata "
                "again",
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


def unsigned(root: etree._Element, wording: Wording) -> Finding:
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
        hint=Hint(wording.app, wording.signing_option, _SIGN[wording.entra]),
        location=where,
    )


def no_certificate(names: list[str], wording: Wording) -> Finding:
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
            f"{_DOWNLOAD[wording.entra]} from the IdP app and paste it, or Import the metadata",
        ),
    )
