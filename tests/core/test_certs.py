"""Certificates in every form users paste, and federation metadata as Entra publishes it."""

from __future__ import annotations

import base64

import pytest

from sp_sim.core import CertificateError, load_certificates, parse_idp_metadata
from sp_sim.core.certs import Certificate, unique
from sp_sim.core.metadata import MetadataError
from tests.helpers import FIXTURES

METADATA = FIXTURES / "entra-captures" / "federationmetadata-2f277f1e.xml"


@pytest.fixture(scope="module")
def pem() -> bytes:
    return (FIXTURES / "keys" / "entra-active.pem").read_bytes()


@pytest.fixture(scope="module")
def cert(pem: bytes) -> Certificate:
    (only,) = load_certificates(pem)
    return only


def _forms(cert: Certificate, pem: bytes) -> dict[str, bytes]:
    lines = pem.decode().strip().splitlines()
    return {
        "pem": pem,
        "pem-with-crlf": pem.replace(b"\n", b"\r\n"),
        "bare-base64-one-line": cert.base64.encode(),
        "bare-base64-wrapped": "\n".join(lines[1:-1]).encode(),
        "der": cert.der,
        "pem-with-bom": b"\xef\xbb\xbf" + pem,
    }


@pytest.mark.parametrize(
    "form",
    ["pem", "pem-with-crlf", "bare-base64-one-line", "bare-base64-wrapped", "der", "pem-with-bom"],
)
def test_every_pasted_form_reads_the_same_certificate(
    form: str, cert: Certificate, pem: bytes
) -> None:
    (read,) = load_certificates(_forms(cert, pem)[form])
    assert read.der == cert.der
    assert read.thumbprint == cert.thumbprint


def test_several_pem_blocks(pem: bytes) -> None:
    rollover = (FIXTURES / "keys" / "entra-rollover.pem").read_bytes()
    assert len(load_certificates(pem + rollover)) == 2
    assert len(unique(load_certificates(pem + pem))) == 1


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_metadata_gives_every_signing_certificate(bom: bytes) -> None:
    data = bom + METADATA.read_bytes()
    certificates = load_certificates(data)
    metadata = parse_idp_metadata(data)
    assert metadata.entity_id == "https://sts.windows.net/2f277f1e-e5f1-4f62-b595-79c2d13afda4/"
    assert metadata.login_url == (
        "https://login.microsoftonline.com/2f277f1e-e5f1-4f62-b595-79c2d13afda4/saml2"
    )
    assert metadata.logout_url == metadata.login_url
    assert len(certificates) == len(metadata.signing_certificates) >= 1
    assert all(c.subject for c in certificates)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"-----BEGIN CERTIFICATE-----\nMIIB",
        b"not a certificate",
        b"\x30\x03\x02\x01\x00",
        base64.b64encode(b"hello"),
        b"<x/>",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>",
    ],
)
def test_unreadable_certificates_raise_a_named_error(data: bytes) -> None:
    with pytest.raises(CertificateError, match=r"idp\.cer"):
        load_certificates(data, "idp.cer")


def test_metadata_without_entity_id_is_refused() -> None:
    with pytest.raises(MetadataError):
        parse_idp_metadata(b'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>')
