"""Findings speak of Entra only when the profile's provider is Entra: the same genuinely
signed, failing response judged with the provider "Azure Active Directory" (Mimecast's name
for Entra ID), "SimpleSAMLphp" and unknown (None) reaches the same codes and statuses, with
Entra's portal words in the first and neutral words ("the IdP") in the other two."""

from __future__ import annotations

from typing import Any

import pytest

from sp_sim.core import Finding, Report, Side, Status
from sp_sim.core.checks.nameid import TRANSIENT_FORMAT
from sp_sim.core.wording import ENTRA, NEUTRAL, is_entra, wording_for
from sp_sim.idp.mint import Signing
from tests.helpers import Judge
from tests.helpers.fault_matrix import encrypted

ENTRA_PROVIDER = "Azure Active Directory"
OTHERS = ["SimpleSAMLphp", None]
# what only Entra's wording says: its name, its error codes, its portal's fields
ENTRA_WORDS = (
    "Entra",
    "AADSTS",
    "Reply URL",
    "Identifier (Entity ID)",
    "Unique User Identifier",
    "user.mail",
    "My Apps",
    "Microsoft",
    "Certificate (Base64)",
    "Sign SAML assertion",
    "pairwise",
)
EU = "https://eu-api.mimecast.com"
# (id, what the judge changes, the failing code, a phrase only its Entra wording has)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "transient-nameid",
        {"token": {"name_id": "_8f1e6c0a2b", "name_id_format": TRANSIENT_FORMAT}},
        "nameid.opaque-id",
        "user.mail",
    ),
    (
        "transient-nameid-no-claims",
        {
            "token": {
                "name_id": "_8f1e6c0a2b",
                "name_id_format": TRANSIENT_FORMAT,
                "attributes": (),
            }
        },
        "nameid.opaque-id",
        "pairwise ID",
    ),
    (
        "audience-other-region",
        {"token": {"audience": f"{EU}/sso/CUSA1A1"}},
        "audience.wrong-region",
        "Identifier (Entity ID)",
    ),
    (
        "signed-by-another-key",
        {"key": "attacker"},
        "signature.key-mismatch",
        "Certificate (Base64)",
    ),
    (
        "destination-other-region",
        {"token": {"destination": f"{EU}/login/saml", "signing": Signing.BOTH}},  # signed: fixed
        "destination.wrong-region",
        "Reply URL",
    ),
    (
        "recipient-other-region",
        {"token": {"recipient": f"{EU}/login/saml"}},
        "recipient.wrong-region",
        "Reply URL",
    ),
    ("unsigned", {"token": {"signing": Signing.NONE}}, "signature.missing", "Sign SAML assertion"),
    ("encrypted", {"fault": encrypted()}, "xml.encrypted-assertion", "Enterprise app"),
]


def _judged(sp_judge: Judge, provider: str | None, change: dict[str, Any]) -> Report:
    return sp_judge(**{**change, "settings": {"provider": provider}})


def _words(finding: Finding) -> str:
    """What the finding says in its own words: the test tenant's profile is named "Entra ID
    SSO", which is data, not wording."""
    hint = "" if finding.hint is None else str(finding.hint)
    return f"{finding.message} {finding.expected or ''} {hint}".replace("Entra ID SSO", "")


def _failing(report: Report, code: str) -> Finding:
    return next(f for f in report.failures if str(f.code) == code)


@pytest.mark.parametrize(("change", "code", "entra_only"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_entra_words_for_entra_only(
    sp_judge: Judge, change: dict[str, Any], code: str, entra_only: str
) -> None:
    entra = _judged(sp_judge, ENTRA_PROVIDER, change)
    assert entra_only in _words(_failing(entra, code))
    assert _failing(entra, code).hint is not None
    for provider in OTHERS:
        other = _judged(sp_judge, provider, change)
        assert [(f.code, f.status) for f in other.findings] == [
            (f.code, f.status) for f in entra.findings
        ]  # the wording changes, never the judgement
        for finding in other.findings:
            said = _words(finding)
            assert not [w for w in ENTRA_WORDS if w in said], (provider, finding.code, said)
            if finding.hint is not None:
                assert finding.hint.side not in (Side.ENTRA_APP, Side.ENTRA_USER), finding
        assert _failing(other, code).hint is not None  # a neutral fix, not none


def test_the_idp_sides_are_neutral_for_another_provider(sp_judge: Judge) -> None:
    change = {"token": {"name_id": "_8f1e", "name_id_format": TRANSIENT_FORMAT, "attributes": ()}}
    entra = _failing(_judged(sp_judge, ENTRA_PROVIDER, change), "nameid.opaque-id")
    other = _failing(_judged(sp_judge, "SimpleSAMLphp", change), "nameid.opaque-id")
    assert entra.hint is not None
    assert other.hint is not None
    assert (entra.hint.side, other.hint.side) == (Side.ENTRA_USER, Side.IDP_USER)
    audience = {"token": {"audience": f"{EU}/sso/CUSA1A1"}}
    entra = _failing(_judged(sp_judge, ENTRA_PROVIDER, audience), "audience.wrong-region")
    other = _failing(_judged(sp_judge, None, audience), "audience.wrong-region")
    assert entra.hint is not None
    assert other.hint is not None
    assert (entra.hint.side, other.hint.side) == (Side.ENTRA_APP, Side.IDP)
    assert str(other.hint).startswith("IdP › this SP's entity ID")
    assert Finding.from_dict(other.to_dict()) == other  # the new sides read back from JSON
    assert other.to_dict()["hint"]["side"] == "IdP"
    assert entra.to_dict()["hint"]["side"] == "Entra app"  # unchanged for Entra profiles


def test_an_audience_failure_never_claims_an_idp_initiated_sign_in(sp_judge: Judge) -> None:
    for provider in (ENTRA_PROVIDER, None):
        sp_initiated = sp_judge(
            token={"audience": f"{EU}/sso/CUSA1A1", "in_response_to": "_request-1"},
            settings={"provider": provider, "outstanding_requests": frozenset({"_request-1"})},
        )
        assert sp_initiated.initiated_by == "sp"
        finding = _failing(sp_initiated, "audience.wrong-region")
        assert "initiated" not in _words(finding).lower()
        assert "anyway" not in finding.message


def test_the_idp_initiated_pass_names_entras_portal_only_for_entra(sp_judge: Judge) -> None:
    said = {
        provider: next(
            f.message for f in _judged(sp_judge, provider, {}).findings if f.status is Status.PASS
            and str(f.code) == "subject.idp-initiated"
        )
        for provider in (ENTRA_PROVIDER, "SimpleSAMLphp")
    }  # fmt: skip
    assert "My Apps tile" in said[ENTRA_PROVIDER]
    assert "the IdP's portal" in said["SimpleSAMLphp"]


@pytest.mark.parametrize(
    ("provider", "entra"),
    [
        ("Azure Active Directory", True),
        ("azure-ad", True),
        ("Microsoft Entra ID", True),
        ("Entra", True),
        ("SimpleSAMLphp", False),
        ("Okta", False),
        ("ADFS", False),
        ("Central SSO", False),  # "entra" inside another word is not Entra
        ("", False),
        (None, False),
    ],
)
def test_which_provider_names_mean_entra(provider: str | None, entra: bool) -> None:
    assert is_entra(provider) is entra
    assert wording_for(provider) is (ENTRA if entra else NEUTRAL)
