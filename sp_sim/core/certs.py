"""IdP signing certificates, read from whatever form a user pastes.

Accepted: PEM (one or several), bare base64 DER with or without line breaks (what
Mimecast's profile form holds), binary DER (the .cer download), and SAML federation
metadata XML (every signing certificate in it). A UTF-8 BOM is tolerated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sp_sim.core import metadata
from sp_sim.core.errors import ConfigError
from sp_sim.core.libxmlsec import xmlsec

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)
_BOM = b"\xef\xbb\xbf"


class CertificateError(ConfigError, ValueError):
    """The bytes hold no certificate sp-sim can read."""


@dataclass(frozen=True)
class Certificate:
    """One X.509 certificate, with the views of it that the checks need."""

    der: bytes
    source: str = field(default="", compare=False)

    @cached_property
    def _x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @cached_property
    def thumbprint(self) -> str:
        """The SHA-1 thumbprint, upper-case hex, as the Entra portal shows it."""
        return hashlib.sha1(self.der, usedforsecurity=False).hexdigest().upper()

    @cached_property
    def subject(self) -> str:
        return self._x509.subject.rfc4514_string()

    @cached_property
    def not_before(self) -> datetime:
        return self._x509.not_valid_before_utc

    @cached_property
    def not_after(self) -> datetime:
        return self._x509.not_valid_after_utc

    @property
    def pem(self) -> str:
        return self._x509.public_bytes(Encoding.PEM).decode("ascii")

    @property
    def base64(self) -> str:
        """Bare base64 DER on one line, as Mimecast's profile field takes it."""
        return base64.b64encode(self.der).decode("ascii")

    @cached_property
    def public_key(self) -> PublicKeyTypes:
        """The certificate's public key (cryptography), read once."""
        return self._x509.public_key()

    @cached_property
    def xmlsec_key(self) -> Any:
        """The public key alone as python-xmlsec wants it, built once per certificate.
        Loaded from the key, not the certificate: setting a context's key copies it, and a
        key carrying its X.509 certificate costs ~50 µs to copy, a bare key under 1 µs."""
        pem = self.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        return xmlsec.Key.from_memory(pem, xmlsec.KeyFormat.PEM)

    def describe(self) -> str:
        return (
            f"{self.thumbprint} ({self.subject}, valid "
            f"{self.not_before:%Y-%m-%d} to {self.not_after:%Y-%m-%d})"
        )


def _from_der(der: bytes, source: str) -> Certificate:
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise CertificateError(f"{source}: not an X.509 certificate ({error})") from None
    return Certificate(der=der, source=source)


def certificate_from_base64(text: str, source: str = "base64") -> Certificate:
    """A certificate from base64 DER, whitespace and line breaks ignored."""
    compact = "".join(text.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError(f"{source}: not base64") from None
    return _from_der(der, source)


def load_certificates(data: bytes, source: str = "certificate") -> tuple[Certificate, ...]:
    """Every certificate in `data`, whichever form it takes. Raises CertificateError."""
    body = data.removeprefix(_BOM).strip()
    if not body:
        raise CertificateError(f"{source}: empty")
    if b"-----BEGIN CERTIFICATE-----" in body:
        blocks = _PEM_BLOCK.findall(body)
        if not blocks:
            raise CertificateError(f"{source}: a PEM header without an END line")
        return tuple(
            certificate_from_base64(block.decode("ascii", "replace"), source) for block in blocks
        )
    if body.startswith(b"<"):
        try:
            found = metadata.parse_idp_metadata(body).signing_certificates
        except metadata.MetadataError as error:
            raise CertificateError(f"{source}: {error}") from None
        if not found:
            raise CertificateError(f"{source}: metadata without a signing certificate")
        return tuple(certificate_from_base64(text, source) for text in found)
    if body[:1] == b"\x30":  # an ASN.1 SEQUENCE: binary DER
        return (_from_der(data.removeprefix(_BOM), source),)
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise CertificateError(f"{source}: neither PEM, base64, DER nor metadata") from None
    return (certificate_from_base64(text, source),)


def unique(certificates: tuple[Certificate, ...]) -> tuple[Certificate, ...]:
    """The certificates without repeats, first occurrence kept."""
    first: dict[bytes, Certificate] = {}
    for certificate in certificates:
        first.setdefault(certificate.der, certificate)
    return tuple(first.values())
