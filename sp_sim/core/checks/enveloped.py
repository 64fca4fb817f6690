"""A verifier of our own for the one signature shape Entra and every mainstream IdP produce,
on lxml's exclusive c14n, hashlib and cryptography (as signxml verifies).

The shape: one Reference to the ID of the element that holds the Signature (or `""` when
that element is the document's root), transforms exactly enveloped-signature then
exclusive c14n (optionally with an InclusiveNamespaces prefix list), SignedInfo
canonicalised by exclusive c14n without its own prefix list, RSA PKCS#1 v1.5 with SHA-1/
256/384/512, and exactly one Signature child. Anything else returns None and goes to
python-xmlsec, the reference verifier; the suite runs both on every fault-matrix row and
the fuzz corpus and fails on any disagreement (tests/core/test_verifiers.py).

It also returns the canonical bytes of the signed element, so the signed view is parsed
from what the digest covered, with no second canonicalisation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from sp_sim.core.certs import Certificate
from sp_sim.core.checks.dsig import SIGNATURE_TAG
from sp_sim.core.checks.signed_info import EXC_C14N_NS, SignedInfo
from sp_sim.core.xml import DSIG, DigestAlgorithm, SignatureAlgorithm, Transform, qname

_SIGNED_INFO = qname(DSIG, "SignedInfo")
_SIGNATURE_VALUE = qname(DSIG, "SignatureValue")
_KEY_INFO = qname(DSIG, "KeyInfo")
_X509_DATA = qname(DSIG, "X509Data")
_X509_CERTIFICATE = qname(DSIG, "X509Certificate")
_C14N = qname(DSIG, "CanonicalizationMethod")
_METHOD = qname(DSIG, "SignatureMethod")
_REFERENCE = qname(DSIG, "Reference")
_TRANSFORMS = qname(DSIG, "Transforms")
_TRANSFORM = qname(DSIG, "Transform")
_DIGEST_METHOD = qname(DSIG, "DigestMethod")
_DIGEST_VALUE = qname(DSIG, "DigestValue")
_INCLUSIVE = f"{{{EXC_C14N_NS}}}InclusiveNamespaces"
# A namespace declaration whose URI has no scheme (relative), or that the parser may have
# changed (a character reference): libxmlsec1 refuses a document holding one anywhere (its
# XPointer and c14n see every namespace node), so such documents are left to it.
_SCHEMELESS_NAMESPACE = re.compile(
    rb"""xmlns(?::[^\s=]+)?\s*=\s*(["'])(?![A-Za-z][A-Za-z0-9+.-]*:[^&"']*\1)(?!\1)"""
)


def has_unusual_namespace(xml: bytes) -> bool:
    """True when some namespace declaration in the raw document is relative or encoded (or
    the document is not in an ASCII-compatible encoding, where the search cannot see)."""
    return b"\x00" in xml[:64] or _SCHEMELESS_NAMESPACE.search(xml) is not None


_SHAPE_TRANSFORMS = (Transform.ENVELOPED.value, Transform.EXC_C14N.value)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SignatureAlgorithm.RSA_SHA1.value: hashes.SHA1,
    SignatureAlgorithm.RSA_SHA256.value: hashes.SHA256,
    SignatureAlgorithm.RSA_SHA384.value: hashes.SHA384,
    SignatureAlgorithm.RSA_SHA512.value: hashes.SHA512,
}


def _children(element: etree._Element | None) -> list[etree._Element]:
    """The element children (no comments, PIs or entities), filtered by lxml in C."""
    return [] if element is None else list(element.iterchildren(etree.Element))


def _tags(elements: list[etree._Element]) -> list[str]:
    return [str(c.tag) for c in elements]


def _plain_key_info(key_info: etree._Element) -> bool:
    """KeyInfo as Entra writes it: X509Data holding X509Certificate elements, nothing else
    (xmlsec reads KeyInfo and refuses what it does not know; so must we, to agree)."""
    data = _children(key_info)
    if not data:
        return False
    for d in data:
        certificates = _children(d)
        if d.tag != _X509_DATA or not certificates:
            return False
        if any(c.tag != _X509_CERTIFICATE or _children(c) for c in certificates):
            return False
    return True


def _strict_structure(signature: etree._Element) -> bool:
    """Signature holds SignedInfo, SignatureValue and at most a KeyInfo, in that order;
    SignedInfo exactly CanonicalizationMethod, SignatureMethod and one Reference; the
    Reference exactly two Transforms, DigestMethod and DigestValue. A second SignatureValue
    or an Object is another shape: xmlsec judges those. Each node's children are listed
    once."""
    parts = _children(signature)
    tags = _tags(parts)
    if tags[:2] != [_SIGNED_INFO, _SIGNATURE_VALUE] or tags[2:] not in ([], [_KEY_INFO]):
        return False
    if tags[2:] and not _plain_key_info(parts[2]):
        return False
    if _children(parts[1]):  # a SignatureValue holds text only
        return False
    info = _children(parts[0])
    if _tags(info) != [_C14N, _METHOD, _REFERENCE]:
        return False
    if _children(info[0]) or _children(info[1]):
        return False
    reference = _children(info[2])
    if _tags(reference) != [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]:
        return False
    if _children(reference[1]) or _children(reference[2]):
        return False
    transforms = _children(reference[0])
    if _tags(transforms) != [_TRANSFORM, _TRANSFORM] or _children(transforms[0]):
        return False
    return _tags(_children(transforms[1])) in ([], [_INCLUSIVE])


def in_shape(shape: SignedInfo, element: etree._Element) -> bool:
    """The one shape this verifier handles; everything else goes to xmlsec."""
    signature = element.find(SIGNATURE_TAG)
    return (
        signature is not None
        and _strict_structure(signature)
        and shape.transforms == _SHAPE_TRANSFORMS
        and shape.c14n_method == Transform.EXC_C14N.value
        and not shape.signed_info_prefixes
        and shape.signature_method in _HASHES
        and shape.digest_method in {d.value for d in DigestAlgorithm}
        and len(element.findall(SIGNATURE_TAG)) == 1
    )


def canonical_unsigned(element: etree._Element, prefixes: tuple[str, ...]) -> bytes | None:
    """The element's exclusive canonical form without its one Signature child (the
    enveloped-signature transform keeps the text after it), or None when it has none.
    The Signature is taken out of the tree and put back: no copy of the element is made."""
    signature = element.find(SIGNATURE_TAG)
    if signature is None:
        return None
    parent_index = element.index(signature)
    tail, previous = signature.tail, signature.getprevious()
    kept_tail = None if previous is None else previous.tail
    kept_text = element.text
    if previous is not None:
        previous.tail = (previous.tail or "") + (tail or "")
    else:
        element.text = (element.text or "") + (tail or "")
    element.remove(signature)
    try:
        return etree.tostring(
            element, method="c14n", exclusive=True, inclusive_ns_prefixes=list(prefixes) or None
        )
    except (etree.C14NError, ValueError, TypeError):
        return None
    finally:
        signature.tail = tail
        element.insert(parent_index, signature)
        if previous is not None:
            previous.tail = kept_tail
        else:
            element.text = kept_text


@dataclass(frozen=True)
class FastOutcome:
    """The verdict, and the canonical bytes of the element the digest covered."""

    verified: bool
    canonical: bytes | None


def verify(
    element: etree._Element,
    signature: etree._Element,
    shape: SignedInfo,
    certificates: tuple[Certificate, ...],
) -> tuple[Certificate | None, FastOutcome] | None:
    """(the certificate that verifies, the outcome), or None when this signature is not in
    the shape (the caller then asks xmlsec). Never raises on content."""
    if not in_shape(shape, element):
        return None
    canonical = canonical_unsigned(element, shape.inclusive_prefixes)
    if canonical is None:
        return None
    digest = hashlib.new(DigestAlgorithm(shape.digest_method).hashlib_name, canonical).digest()
    if base64.b64encode(digest).decode() != shape.digest_value:
        return None, FastOutcome(False, canonical)
    signed_info = signature.find(_SIGNED_INFO)
    value = signature.find(_SIGNATURE_VALUE)
    if signed_info is None or value is None:
        return None
    try:
        signed = etree.tostring(signed_info, method="c14n", exclusive=True)
        signature_bytes = base64.b64decode("".join((value.text or "").split()), validate=True)
    except (etree.C14NError, ValueError, TypeError, binascii.Error):
        return None
    algorithm = _HASHES[shape.signature_method]()
    for certificate in certificates:
        key = certificate.public_key
        if not isinstance(key, rsa.RSAPublicKey):
            continue
        try:
            key.verify(signature_bytes, signed, padding.PKCS1v15(), algorithm)
        except (InvalidSignature, ValueError):
            continue
        return certificate, FastOutcome(True, canonical)
    return None, FastOutcome(False, canonical)


__all__ = [
    "FastOutcome",
    "canonical_unsigned",
    "has_unusual_namespace",
    "in_shape",
    "verify",
]
