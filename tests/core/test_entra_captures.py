"""Two genuine Entra responses (idp_fixtures/entra-captures, sources in its README) are
accepted at their instant with their certificate; one byte changed in each is refused."""

from __future__ import annotations

import pytest

from sp_sim.core import CheckSettings, Status, check_response, load_certificates
from sp_sim.core.xml import parse_instant
from tests.helpers import FIXTURES
from tests.helpers.captures import CAPTURES, capture


@pytest.mark.parametrize("name", CAPTURES)
def test_genuine_response_is_accepted_at_its_instant(name: str) -> None:
    data, settings, at = capture(name)
    report = check_response(data, settings, parse_instant(at))
    assert report.works, [(str(f.code), f.message) for f in report.failures]
    assert {
        "signature.valid",
        "audience.match",
        "destination.match",
        "recipient.match",
        "issuer.match",
        "time.valid",
        "subject.sp-initiated",
    } <= report.codes(Status.PASS)
    assert report.signed_elements == ("Assertion",)


@pytest.mark.parametrize("name", CAPTURES)
def test_one_byte_changed_in_the_signed_assertion_is_refused(name: str) -> None:
    data, settings, at = capture(name)
    position = data.index(b"<Audience>") + len(b"<Audience>") + 2
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    report = check_response(changed, settings, parse_instant(at))
    assert not report.works
    assert "signature.digest-mismatch" in report.codes(Status.FAIL)


@pytest.mark.parametrize("name", CAPTURES)
def test_one_byte_changed_in_the_signature_value_is_refused(name: str) -> None:
    data, settings, at = capture(name)
    position = data.index(b"<SignatureValue>") + len(b"<SignatureValue>") + 5
    flipped = b"A" if data[position : position + 1] != b"A" else b"B"
    changed = data[:position] + flipped + data[position + 1 :]
    report = check_response(changed, settings, parse_instant(at))
    assert "signature.invalid" in report.codes(Status.FAIL)


def test_genuine_response_with_the_other_tenants_certificate_is_a_key_mismatch() -> None:
    data, _settings, at = capture("az-dow-sap-20191015")
    other = load_certificates(
        (FIXTURES / "entra-captures" / "az-pagero-20200717" / "signing-cert.pem").read_bytes()
    )
    report = check_response(data, CheckSettings(certificates=other), parse_instant(at))
    assert "signature.key-mismatch" in report.codes(Status.FAIL)


def test_genuine_response_an_hour_later_has_expired() -> None:
    data, settings, _ = capture("az-pagero-20200717")
    report = check_response(data, settings, parse_instant("2020-07-17T10:00:00Z"))
    assert {"time.expired", "time.confirmation-expired"} <= report.codes(Status.FAIL)
