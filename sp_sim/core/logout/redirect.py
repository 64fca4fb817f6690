"""The HTTP-Redirect binding (SAML Bindings §3.4): deflate and base64, the query string,
and its RSA signature over the received octets. The one implementation of the binding
that sp-sim's SP and fake IdP use.

"To construct the signature, a string consisting of the concatenation of the RelayState
(if present), SigAlg, and SAMLRequest (or SAMLResponse) query string parameters (each
one URL-encoded) is constructed in one of the following ways (ordered as below):
SAMLRequest=value&RelayState=value&SigAlg=value" (§3.4.4.1); the verifier takes them
as they appear in the received URL, never a re-encoding.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import load_der_x509_certificate

from sp_sim.core.certs import Certificate
from sp_sim.core.xml import SignatureAlgorithm

MAX_INFLATED = 1024 * 1024
SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SignatureAlgorithm.RSA_SHA1.value: hashes.SHA1,
    SignatureAlgorithm.RSA_SHA256.value: hashes.SHA256,
    SignatureAlgorithm.RSA_SHA384.value: hashes.SHA384,
    SignatureAlgorithm.RSA_SHA512.value: hashes.SHA512,
}
"""The SigAlg URIs accepted (RSA PKCS#1 v1.5) and their hashes."""
MESSAGE_KINDS = {"SAMLRequest": "LogoutRequest", "SAMLResponse": "LogoutResponse"}
"""The message parameters, and the logout message each holds."""
_PARAMETERS = ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")


def _quote(value: str) -> str:
    """URL-encode a field, leaving `/` and `:` as RFC 3986 allows in a query: a client that
    normalises a Location before following it (aiohttp's requoting does) then still sends
    the octets that were signed. Verifiers take whatever encoding arrives."""
    return quote(value, safe="/:")


def deflate_encode(xml: bytes) -> str:
    """The Redirect binding's encoding of a message: base64 of raw DEFLATE (RFC 1951)."""
    compressor = zlib.compressobj(wbits=-15)
    return base64.b64encode(compressor.compress(xml) + compressor.flush()).decode("ascii")


def inflate_decode(value: str, limit: int = MAX_INFLATED) -> bytes:
    """The message in a URL-decoded SAMLRequest / SAMLResponse value. Raises ValueError
    when it is not base64 or not DEFLATE, or inflates to more than `limit` bytes."""
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the message is not base64") from None
    inflater = zlib.decompressobj(-15)
    try:
        xml = inflater.decompress(raw, limit)
    except zlib.error:
        raise ValueError("the message is not DEFLATE-compressed") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"the message inflates to more than {limit:,} bytes")
    return xml


def encode_redirect(
    xml: bytes,
    parameter: str = "SAMLRequest",
    relay_state: str | None = None,
    private_key_pem: bytes | None = None,
    algorithm: SignatureAlgorithm = SignatureAlgorithm.RSA_SHA256,
) -> str:
    """The Redirect binding's query string; with a private key, signed (SigAlg, Signature)
    over the URL-encoded fields in the binding's order, RSA PKCS#1 v1.5."""
    parts = [f"{parameter}={_quote(deflate_encode(xml))}"]
    if relay_state is not None:
        parts.append(f"RelayState={_quote(relay_state)}")
    if private_key_pem is None:
        return "&".join(parts)
    parts.append(f"SigAlg={_quote(algorithm.value)}")
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the Redirect binding is signed with an RSA key here")
    signature = key.sign(
        "&".join(parts).encode(), padding.PKCS1v15(), SIGNATURE_HASHES[algorithm]()
    )
    parts.append(f"Signature={_quote(base64.b64encode(signature).decode())}")
    return "&".join(parts)


@dataclass(frozen=True)
class RedirectMessage:
    """One Redirect-binding message as received: its fields URL-decoded, and the octets
    its signature covers exactly as they arrived."""

    parameter: str
    value: str
    relay_state: str | None
    sig_alg: str | None
    signature: str | None
    signed_octets: bytes


def binding_fields(pairs: Iterable[tuple[str, str]], where: str) -> dict[str, str]:
    """The binding's parameters among `pairs` (a query's or a form's): exactly one message
    parameter, each parameter at most once. Raises ValueError naming what is wrong."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name not in _PARAMETERS:
            continue
        if name in found:
            # Two of one: the signature could cover one and the reader take the other.
            raise ValueError(f"{name} appears twice in the {where}")
        found[name] = value
    present = [name for name in MESSAGE_KINDS if name in found]
    if not present:
        raise ValueError(f"the {where} has neither SAMLRequest nor SAMLResponse")
    if len(present) > 1:
        raise ValueError(f"the {where} has both SAMLRequest and SAMLResponse")
    if not found[present[0]]:
        raise ValueError(f"{present[0]} is empty")
    return found


def read_redirect_query(raw_query: str) -> RedirectMessage:
    """Read a Redirect query string as it arrived (not re-encoded). Raises ValueError when
    it holds no message, both kinds, or a binding parameter twice."""
    pairs = (part.partition("=") for part in raw_query.split("&"))
    raw = binding_fields(((name, value) for name, _, value in pairs), "query")
    parameter = next(name for name in MESSAGE_KINDS if name in raw)
    covered = [f"{name}={raw[name]}" for name in (parameter, "RelayState", "SigAlg") if name in raw]
    relay_state, sig_alg, signature = (raw.get(n) for n in ("RelayState", "SigAlg", "Signature"))
    return RedirectMessage(
        parameter=parameter,
        # base64 holds no spaces, so a `+` there is a plus sign; elsewhere it is a space.
        value=unquote(raw[parameter]),
        relay_state=None if relay_state is None else unquote_plus(relay_state),
        sig_alg=None if sig_alg is None else unquote_plus(sig_alg),
        signature=None if signature is None else unquote(signature),
        signed_octets="&".join(covered).encode("utf-8", "replace"),
    )


def _public_key(certificate: Certificate) -> rsa.RSAPublicKey | None:
    try:
        key = load_der_x509_certificate(certificate.der).public_key()
    except ValueError:
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def redirect_signer(
    message: RedirectMessage, certificates: Iterable[Certificate]
) -> Certificate | None:
    """The certificate whose key made the message's Signature over its signed octets with
    its SigAlg (RSA PKCS#1 v1.5, SHA-1/256/384/512), or None. Never raises on content."""
    algorithm = SIGNATURE_HASHES.get(message.sig_alg or "")
    if algorithm is None or not message.signature:
        return None
    try:
        signature = base64.b64decode("".join(message.signature.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    for certificate in certificates:
        key = _public_key(certificate)
        if key is None:
            continue
        try:
            key.verify(signature, message.signed_octets, padding.PKCS1v15(), algorithm())
        except (InvalidSignature, ValueError):
            continue
        return certificate
    return None
