"""Whether the profile's IdP signed a logout message: SigAlg and Signature on the
HTTP-Redirect binding, an enveloped XML signature (checks.signature) on HTTP-POST.
Unsigned is refused, or a warning when the profile allows it; SHA-1 is a warning."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from sp_sim.core.bindings import SIGNATURE_HASHES, RedirectMessage, redirect_signer
from sp_sim.core.certs import Certificate
from sp_sim.core.checks.dsig import SIGNATURE_TAG
from sp_sim.core.checks.signature import verify_enveloped
from sp_sim.core.codes import Code
from sp_sim.core.logout.model import MESSAGE_KINDS, LogoutSettings
from sp_sim.core.model import Finding, Hint, Side, Status
from sp_sim.core.xml import DSIG, SignatureAlgorithm, parse_untrusted, qname

_SIGNING_HINT = Hint(
    Side.SENDER,
    "logout message signature",
    "sign logout messages with the IdP's signing key (SigAlg and Signature on "
    "HTTP-Redirect, an enveloped signature on HTTP-POST)",
)
_CERTIFICATE_HINT = {
    entra: Hint(
        Side.MIMECAST_PROFILE,
        "Identity Provider Certificate (Metadata)",
        f"paste the {'Entra app' if entra else 'IdP'}'s active signing certificate, or Import "
        "the metadata again",
    )
    for entra in (True, False)
}


def _algorithm_hint(settings: LogoutSettings) -> Hint:
    wording = settings.wording
    return Hint(wording.app, wording.signing_algorithm, "SHA-256")


@dataclass(frozen=True)
class Signed:
    """The signature check's findings, and what the later checks read."""

    findings: tuple[Finding, ...]
    view: etree._Element
    """What later checks read: the covered element when a signature verified."""
    signer: Certificate | None = None


def redirect_signature(
    message: RedirectMessage, root: etree._Element, settings: LogoutSettings
) -> Signed:
    """Bindings §3.4.4.1: SigAlg and Signature over the received octets. A signature
    inside the deflated XML does not count on this binding."""
    kind = MESSAGE_KINDS[message.parameter]
    if message.signature is None and message.sig_alg is None:
        return Signed((_unsigned(kind, settings, "no SigAlg or Signature"),), root)
    if message.sig_alg is None or message.signature is None:
        missing = "SigAlg" if message.sig_alg is None else "Signature"
        return Signed((_invalid(kind, settings, f"the query has no {missing}"),), root)
    if message.sig_alg not in SIGNATURE_HASHES:
        return Signed((_unsupported(kind, message.sig_alg, "query: SigAlg", settings),), root)
    signer = redirect_signer(message, settings.certificates)
    if signer is None:
        return Signed((_invalid(kind, settings, "the query signature does not verify"),), root)
    return Signed(_sha1(kind, message.sig_alg, settings), root, signer)


def post_signature(root: etree._Element, settings: LogoutSettings) -> Signed:
    """HTTP-POST: the enveloped signature directly inside the message, verified by
    checks.signature; afterwards only its canonical, covered form is read."""
    kind = etree.QName(root).localname
    signature = root.find(SIGNATURE_TAG)
    if signature is None:
        return Signed((_unsigned(kind, settings, "no enveloped Signature"),), root)
    method = signature.find(f"{qname(DSIG, 'SignedInfo')}/{qname(DSIG, 'SignatureMethod')}")
    algorithm = "" if method is None else method.get("Algorithm", "")
    if algorithm not in SIGNATURE_HASHES:
        return Signed((_unsupported(kind, algorithm, f"/{kind}/Signature", settings),), root)
    signer = verify_enveloped(root, settings.certificates)
    if signer is None:
        return Signed((_invalid(kind, settings, "the enveloped signature does not verify"),), root)
    return Signed(_sha1(kind, algorithm, settings), _covered_view(root), signer)


def _covered_view(root: etree._Element) -> etree._Element:
    """The message as its digest covers it: the signature removed, exc-c14n, no comments."""
    detached = copy.deepcopy(root)
    for signature in detached.findall(SIGNATURE_TAG):
        detached.remove(signature)
    return parse_untrusted(etree.tostring(detached, method="c14n", exclusive=True))


def _unsigned(kind: str, settings: LogoutSettings, observed: str) -> Finding:
    if settings.allow_unsigned:
        message = (
            f"The {kind} is not signed; accepted because the profile allows unsigned logout "
            "messages, though anyone could forge one."
        )
    else:
        message = (
            f"The {kind} is not signed, so anyone could forge it: to end a user's session, "
            "or to fake the IdP's answer. Refused."
        )
    return Finding(
        Code.LOGOUT_UNSIGNED,
        Status.WARN if settings.allow_unsigned else Status.FAIL,
        message,
        expected="a signature by the IdP's signing certificate",
        observed=observed,
        hint=_SIGNING_HINT,
    )


def _invalid(kind: str, settings: LogoutSettings, observed: str) -> Finding:
    configured = ", ".join(c.thumbprint for c in settings.certificates)
    if configured:
        message = (
            f"The {kind}'s signature does not verify with the profile's certificate(s) "
            f"{configured}: the message was changed after signing, or another key signed it."
        )
    else:
        message = f"The {kind} is signed, but the profile holds no certificate to verify it."
    return Finding(
        Code.LOGOUT_SIGNATURE_INVALID,
        Status.FAIL,
        message,
        expected=f"a signature by {configured or 'an Identity Provider Certificate'}",
        observed=observed,
        hint=_CERTIFICATE_HINT[settings.wording.entra],
    )


def _unsupported(kind: str, algorithm: str, location: str, settings: LogoutSettings) -> Finding:
    return Finding(
        Code.LOGOUT_UNSUPPORTED_ALGORITHM,
        Status.FAIL,
        f"The {kind} is signed with {algorithm or 'no named algorithm'}, which is not accepted.",
        expected="RSA-SHA256 (or RSA-SHA1, -SHA384, -SHA512)",
        observed=algorithm or "none",
        hint=_algorithm_hint(settings),
        location=location,
    )


def _sha1(kind: str, algorithm: str, settings: LogoutSettings) -> tuple[Finding, ...]:
    if algorithm != SignatureAlgorithm.RSA_SHA1.value:
        return ()
    return (
        Finding(
            Code.LOGOUT_SHA1,
            Status.WARN,
            f"The {kind} is signed with RSA-SHA1, which is deprecated.",
            expected=SignatureAlgorithm.RSA_SHA256.value,
            observed=algorithm,
            hint=_algorithm_hint(settings),
        ),
    )
