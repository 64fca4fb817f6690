"""XML-DSig as python-xmlsec (libxmlsec1) runs it, restricted to the algorithms a signature
is allowed: one table per SignedInfo slot, the context enabling exactly the signature's
own; and the digest recomputed (enveloped + exclusive c14n) to tell "content altered" from
"wrong key". RSASSA-PSS has no python-xmlsec transform object, so a PSS signature's
SignedInfo transforms are left unrestricted — after the same slot check has admitted only
the accepted c14n and PSS."""

from __future__ import annotations

import base64
import copy
import hashlib

from lxml import etree

from sp_sim.core.certs import Certificate
from sp_sim.core.checks.signed_info import SignedInfo
from sp_sim.core.libxmlsec import xmlsec
from sp_sim.core.xml import DSIG, DigestAlgorithm, SignatureAlgorithm, Transform, qname

SIGNATURE_TAG = qname(DSIG, "Signature")
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


def unaccepted(info: SignedInfo) -> list[str]:
    """Each algorithm URI that is not accepted in the slot it sits in."""
    slots = [
        (info.signature_method, _SIGNATURE_METHODS, "SignatureMethod"),
        (info.digest_method, _DIGEST_METHODS, "DigestMethod"),
        (info.c14n_method, _C14N_METHODS, "CanonicalizationMethod"),
        *((t, _REFERENCE_TRANSFORMS, "Transform") for t in info.transforms),
    ]
    return [f"{slot} {uri or '(none)'}" for uri, table, slot in slots if uri not in table]


def verify_with(signature: etree._Element, certificate: Certificate, info: SignedInfo) -> bool:
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


def digest_matches(element: etree._Element, info: SignedInfo) -> bool | None:
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
