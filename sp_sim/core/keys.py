"""Signing keys: an RSA private key and its certificate, as the fake IdP (and tests) sign
with. Self-signed RSA 2048 certificates for three years, as Entra makes them.

Pure but for two conveniences kept for the key files' callers: `load` and `save` read and
write the PEM files, and `generate` without `not_before` starts the validity a day before
now. The core itself calls neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sp_sim.core.certs import Certificate
from sp_sim.core.libxmlsec import xmlsec

ENTRA_CERTIFICATE_NAME = "Microsoft Azure Federated SSO Certificate"
ENTRA_CERTIFICATE_LIFETIME = timedelta(days=3 * 365)


@dataclass(frozen=True)
class SigningKey:
    """A private key (PEM) and its certificate: what signs a message, and what a verifier
    is given to check it."""

    private_key_pem: bytes
    certificate: Certificate

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes, source: str = "") -> SigningKey:
        """From a PEM private key and a PEM certificate; `source` names where they came from."""
        der = x509.load_pem_x509_certificate(certificate_pem).public_bytes(
            serialization.Encoding.DER
        )
        return cls(key_pem, Certificate(der, source))

    @classmethod
    def load(cls, key_path: Path, certificate_path: Path) -> SigningKey:
        """From a PEM key file and a PEM certificate file."""
        return cls.from_pem(
            key_path.read_bytes(), certificate_path.read_bytes(), str(certificate_path)
        )

    @classmethod
    def generate(
        cls,
        common_name: str = ENTRA_CERTIFICATE_NAME,
        not_before: datetime | None = None,
        lifetime: timedelta = ENTRA_CERTIFICATE_LIFETIME,
    ) -> SigningKey:
        """A fresh key and self-signed certificate (Entra's: RSA 2048, three years), valid
        from `not_before` (by default a day before now)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        start = not_before or datetime.now(UTC) - timedelta(days=1)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + lifetime)
            .sign(key, hashes.SHA256())
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(pem, Certificate(certificate.public_bytes(serialization.Encoding.DER)))

    @cached_property
    def rsa_key(self) -> rsa.RSAPrivateKey:
        """The private key, for the Redirect binding's query signature (RSA PKCS#1 v1.5)."""
        key = serialization.load_pem_private_key(self.private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("sp-sim signs with RSA keys only")
        return key

    @cached_property
    def xmlsec_key(self) -> Any:
        """The key and certificate as python-xmlsec takes them, for enveloped signatures."""
        key = xmlsec.Key.from_memory(self.private_key_pem, xmlsec.KeyFormat.PEM)
        key.load_cert_from_memory(self.certificate.der, xmlsec.KeyFormat.DER)
        return key

    def save(self, key_path: Path, certificate_path: Path) -> None:
        """Write the key and the certificate as PEM files."""
        key_path.write_bytes(self.private_key_pem)
        certificate_path.write_text(self.certificate.pem)
