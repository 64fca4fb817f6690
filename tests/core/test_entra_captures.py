"""Two genuine Entra responses (idp_fixtures/entra-captures, sources in its README) are
accepted at their instant with their certificate; one byte changed in each is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from sp_sim.core import CheckSettings, Status, check_response, load_certificates
from sp_sim.core.xml import parse_instant

CAPTURES = {
    "az-dow-sap-20191015": (
        "2019-10-15T19:36:50Z",
        "https://us1.hana.ondemand.com/ba5916745",
        "https://authn.us1.hana.ondemand.com/saml2/sp/acs/ba5916745/ba5916745",
        "https://sts.windows.net/c3e32f53-cb7f-4809-968d-1cc4ccc785fe/",
        "S5a509dfc-25a9-404f-9715-999716173792-gPZHs9W6bHtRApDLP5p0pftaDceJ22YMO7FiDWlmbPs",
    ),
    "az-pagero-20200717": (
        "2020-07-17T08:53:58Z",
        "spn:14f25d30-cebf-44f4-982c-271c09120079",
        "https://sso-dev.pageroonline.com/authn/authentication/creative_ad_saml_authenticator",
        "https://sts.windows.net/cf31badf-b9e1-40bd-aac9-1ac8beda0283/",
        "_1db890eb-55f1-4d2f-9a4a-985548c2eb8b",
    ),
}


def _capture(name: str) -> tuple[bytes, CheckSettings, str]:
    at, audience, acs, issuer, request = CAPTURES[name]
    folder: Path = FIXTURES / "entra-captures" / name
    settings = CheckSettings(
        entity_id=audience,
        acs_url=acs,
        idp_issuer=issuer,
        certificates=load_certificates((folder / "signing-cert.pem").read_bytes()),
        outstanding_requests=frozenset({request}),
    )
    return (folder / "response.xml").read_bytes(), settings, at


@pytest.mark.parametrize("name", CAPTURES)
def test_genuine_response_is_accepted_at_its_instant(name: str) -> None:
    data, settings, at = _capture(name)
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
    data, settings, at = _capture(name)
    position = data.index(b"<Audience>") + len(b"<Audience>") + 2
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    report = check_response(changed, settings, parse_instant(at))
    assert not report.works
    assert "signature.digest-mismatch" in report.codes(Status.FAIL)


@pytest.mark.parametrize("name", CAPTURES)
def test_one_byte_changed_in_the_signature_value_is_refused(name: str) -> None:
    data, settings, at = _capture(name)
    position = data.index(b"<SignatureValue>") + len(b"<SignatureValue>") + 5
    flipped = b"A" if data[position : position + 1] != b"A" else b"B"
    changed = data[:position] + flipped + data[position + 1 :]
    report = check_response(changed, settings, parse_instant(at))
    assert "signature.invalid" in report.codes(Status.FAIL)


def test_genuine_response_with_the_other_tenants_certificate_is_a_key_mismatch() -> None:
    data, _settings, at = _capture("az-dow-sap-20191015")
    other = load_certificates(
        (FIXTURES / "entra-captures" / "az-pagero-20200717" / "signing-cert.pem").read_bytes()
    )
    report = check_response(data, CheckSettings(certificates=other), parse_instant(at))
    assert "signature.key-mismatch" in report.codes(Status.FAIL)


def test_genuine_response_an_hour_later_has_expired() -> None:
    data, settings, _ = _capture("az-pagero-20200717")
    report = check_response(data, settings, parse_instant("2020-07-17T10:00:00Z"))
    assert {"time.expired", "time.confirmation-expired"} <= report.codes(Status.FAIL)
