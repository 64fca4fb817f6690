"""TLS: the user's own certificate and key (`--tls-cert/--tls-key`), or a self-signed one
generated at start-up for localhost and every Mimecast host a browser or Entra may name:
each region's `*-api` host and its aliases, its `login-*` admin host and the legacy
`webmail-*` hosts (browsers will warn about the generated one; it is a simulator)."""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sp_sim.core.mimecast import REGIONS
from sp_sim.errors import ConfigError

LEGACY_WEBMAIL_HOSTS = tuple(f"webmail-{g}.mimecast.com" for g in ("us", "uk", "za"))


def mimecast_hosts() -> tuple[str, ...]:
    """Every host name the generated certificate covers besides localhost."""
    hosts = [h for r in REGIONS.values() for h in r.hosts]
    hosts += [r.admin_host for r in REGIONS.values() if r.admin_host]
    return (*hosts, *LEGACY_WEBMAIL_HOSTS)


def context_from_files(cert: Path, key: Path) -> ssl.SSLContext:
    """A server SSLContext with the user's PEM certificate (chain) and key; ConfigError in
    one line naming the file when either cannot be used."""
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise ConfigError(f"{flag} {path}: no such file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as error:
        reason = getattr(error, "reason", None) or error.strerror or "unreadable"
        raise ConfigError(
            f"--tls-cert {cert} / --tls-key {key}: not a PEM certificate and its key ({reason})"
        ) from None
    return context


def self_signed_context(host: str, *also: str) -> ssl.SSLContext:
    """A server SSLContext with a fresh key and certificate valid for a week, for `host`,
    the names in `also` (the fake IdP's `--idp-hostname`), localhost and every Mimecast host."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    names += [x509.DNSName(h) for h in mimecast_hosts()]
    for address in {"127.0.0.1", "::1", host, *also} - {"localhost"}:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            names.append(x509.DNSName(address))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sp-sim simulator")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_path, key_path)
    return context
