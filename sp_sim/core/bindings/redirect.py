"""The HTTP-Redirect binding (SAML Bindings §3.4): the query string, and its RSA signature
over the octets as they arrived.

"To construct the signature, a string consisting of the concatenation of the RelayState
(if present), SigAlg, and SAMLRequest (or SAMLResponse) query string parameters (each
one URL-encoded) is constructed in one of the following ways (ordered as below):
SAMLRequest=value&RelayState=value&SigAlg=value" (§3.4.4.1); the verifier takes them
as they appear in the received URL, never a re-encoding.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import load_der_x509_certificate

from sp_sim.core.bindings.encoding import MAX_INFLATED, decode_base64, decode_message
from sp_sim.core.bindings.encoding import encode_message as _encode
from sp_sim.core.bindings.model import (
    Binding,
    BindingError,
    Parameter,
    binding_fields,
    message_parameter,
)
from sp_sim.core.certs import Certificate
from sp_sim.core.keys import SigningKey
from sp_sim.core.xml import SignatureAlgorithm

SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SignatureAlgorithm.RSA_SHA1.value: hashes.SHA1,
    SignatureAlgorithm.RSA_SHA256.value: hashes.SHA256,
    SignatureAlgorithm.RSA_SHA384.value: hashes.SHA384,
    SignatureAlgorithm.RSA_SHA512.value: hashes.SHA512,
}
"""The SigAlg URIs accepted (RSA PKCS#1 v1.5) and their hashes."""
_MESSAGE_NAMES = frozenset(Parameter)


def _quote(value: str) -> str:
    """URL-encode a field, leaving `/` and `:` as RFC 3986 allows in a query: a client that
    normalises a Location before following it (aiohttp's requoting does) then still sends
    the octets that were signed. Verifiers take whatever encoding arrives."""
    return quote(value, safe="/:")


def redirect_query(
    xml: bytes,
    relay_state: str | None = None,
    signing_key: SigningKey | None = None,
    parameter: Parameter = Parameter.REQUEST,
    algorithm: SignatureAlgorithm = SignatureAlgorithm.RSA_SHA256,
) -> str:
    """The Redirect binding's query string for a message; with a key, signed (SigAlg,
    Signature, RSA PKCS#1 v1.5) over the URL-encoded fields in the binding's order."""
    parts = [f"{parameter}={_quote(_encode(xml, Binding.REDIRECT))}"]
    if relay_state is not None:
        parts.append(f"RelayState={_quote(relay_state)}")
    if signing_key is None:
        return "&".join(parts)
    parts.append(f"SigAlg={_quote(algorithm.value)}")
    octets = "&".join(parts).encode()
    signature = signing_key.rsa_key.sign(octets, padding.PKCS1v15(), SIGNATURE_HASHES[algorithm]())
    parts.append(f"Signature={_quote(base64.b64encode(signature).decode())}")
    return "&".join(parts)


def replace_message(query: str, xml: bytes) -> str:
    """The query with its message replaced and every other field (SigAlg, Signature) as it
    was: what a hop that changes the message after signing sends on."""
    field = _quote(_encode(xml, Binding.REDIRECT))
    parts = query.split("&")
    return "&".join(
        f"{name}={field}" if (name := part.partition("=")[0]) in _MESSAGE_NAMES else part
        for part in parts
    )


def append_query(url: str, query: str) -> str:
    """Where the browser is sent: the endpoint URL, which may hold a query of its own, with
    the binding's query after it."""
    return f"{url}{'&' if '?' in url else '?'}{query}"


@dataclass(frozen=True)
class RedirectMessage:
    """One Redirect-binding message as received: its fields URL-decoded, and the octets
    its signature covers exactly as they arrived."""

    parameter: Parameter
    value: str
    relay_state: str | None
    sig_alg: str | None
    signature: str | None
    signed_octets: bytes

    def xml(self, limit: int = MAX_INFLATED) -> bytes:
        """The message, inflated. Raises BindingError (not base64, not DEFLATE, too large)."""
        return decode_message(self.value, Binding.REDIRECT, limit)


def read_redirect_query(raw_query: str) -> RedirectMessage:
    """Read a Redirect query string as it arrived (not re-encoded). Raises BindingError when
    it holds no message, both kinds, or a binding parameter twice."""
    pairs = (part.partition("=") for part in raw_query.split("&"))
    raw = binding_fields(((name, value) for name, _, value in pairs), "query")
    parameter = message_parameter(raw)
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
        signature = decode_base64(message.signature)
    except BindingError:
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
