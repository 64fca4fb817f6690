"""Signing keys for the fake IdP: self-signed RSA 2048 certificates, as Entra makes them."""

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


@dataclass(frozen=True)
class SigningKey:
    """A private key and its certificate."""

    private_key_pem: bytes
    certificate: Certificate

    @classmethod
    def load(cls, key_path: Path, certificate_path: Path) -> SigningKey:
        der = x509.load_pem_x509_certificate(certificate_path.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
        return cls(key_path.read_bytes(), Certificate(der, str(certificate_path)))

    @classmethod
    def generate(
        cls,
        common_name: str = ENTRA_CERTIFICATE_NAME,
        not_before: datetime | None = None,
        lifetime: timedelta = timedelta(days=3 * 365),
    ) -> SigningKey:
        """A fresh key and self-signed certificate (Entra's: RSA 2048, three years)."""
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
    def xmlsec_key(self) -> Any:
        key = xmlsec.Key.from_memory(self.private_key_pem, xmlsec.KeyFormat.PEM)
        key.load_cert_from_memory(self.certificate.der, xmlsec.KeyFormat.DER)
        return key

    def save(self, key_path: Path, certificate_path: Path) -> None:
        key_path.write_bytes(self.private_key_pem)
        certificate_path.write_text(self.certificate.pem)
