"""An Entra error answer: its AADSTS code and what to change are reported."""

from __future__ import annotations

from dataclasses import replace

from sp_sim.core import CheckSettings, Side, Status, check_response
from sp_sim.idp.mint import Token, mint_error_response
from tests.helpers import NOW, load_key

REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"


def test_aadsts_error_is_explained(sp_token: Token, sp_settings: CheckSettings) -> None:
    data = mint_error_response(
        replace(sp_token, in_response_to="_r1"),
        REQUESTER,
        "AADSTS75011: Authentication method 'MultiFactor' by which the user authenticated "
        "with the service doesn't match requested authentication method 'Password, "
        "ProtectedTransport'.",
        "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext",
        key=load_key("entra-active"),
    )
    report = check_response(data, sp_settings, NOW)
    (error,) = report.failures
    assert error.code == "status.error"
    assert error.hint is not None
    assert error.hint.side is Side.MIMECAST_PROFILE
    assert "AADSTS75011" in error.message
    assert error.covered_by_signature is True
    assert {"signature.skipped", "nameid.skipped"} <= report.codes(Status.SKIPPED)


def test_an_unsigned_error_is_explained_but_gives_no_fix(
    sp_token: Token, sp_settings: CheckSettings
) -> None:
    message = "AADSTS50105: Your administrator has configured the application to block users."
    for key in (None, load_key("attacker")):
        report = check_response(
            mint_error_response(sp_token, REQUESTER, message, key=key), sp_settings, NOW
        )
        (error,) = report.failures
        assert error.code == "status.error"
        assert error.covered_by_signature is False
        assert error.hint is None
        assert error.message.startswith("Unverified:")
        assert "AADSTS50105" in error.message


def test_unknown_aadsts_code_is_still_shown(sp_token: Token, sp_settings: CheckSettings) -> None:
    data = mint_error_response(
        sp_token, REQUESTER, "AADSTS123456: something new", key=load_key("entra-active")
    )
    report = check_response(data, sp_settings, NOW)
    assert report.failures[0].hint is not None
    assert "AADSTS123456" in report.failures[0].hint.text
