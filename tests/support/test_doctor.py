"""`sp-sim doctor`: each prediction from settings alone, held against what the fake IdP and
the simulator actually do with the same settings, so the two cannot drift apart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from sp_sim.core import Status, load_certificates, parse_idp_metadata
from sp_sim.core.certs import Certificate
from sp_sim.core.codes import Code
from sp_sim.core.metadata import IdpMetadata
from sp_sim.flows import FlowOutcome
from sp_sim.idp.config import load_idp
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.support.doctor import PREDICTS, Evidence, Intent, diagnose
from sp_sim.support.graph import EntraApp, read_claims_policy, read_graph
from sp_sim.tenant import load_tenant
from tests.helpers import NOW, load_key
from tests.helpers.commands import run
from tests.helpers.server import DEMO_TENANT, Running, Start
from tests.helpers.support import service_principal

USER = "B.Simon@contoso.com"
MAIL_USER = "BrittaSimon@contoso.com"
OLD_CERTIFICATE = load_idp().active_key.certificate  # the demo IdP's key, before a rollover


def claims_policy(source_id: str) -> dict[str, Any]:
    policy = {
        "ClaimsMappingPolicy": {
            "Version": 1,
            "IncludeBasicClaimSet": "true",
            "ClaimsSchema": [
                {
                    "Source": "user",
                    "ID": source_id,
                    "SamlClaimType": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
                    "nameidentifier",
                }
            ],
        }
    }
    return {"definition": [json.dumps(policy)], "displayName": "Mimecast NameID"}


@dataclass
class Scenario:
    id: str
    code: Code
    sp: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    directory_domains: frozenset[str] | None = None
    name_id: str | None = None
    intent: Intent = Intent.BOTH
    flow: str = "sp"
    user: str = USER
    drop_thumbprint: bool = False
    rolled_over: bool = False  # Entra made a new key active; the old one is still published


SCENARIOS = [
    Scenario(
        "identifier-lower-case",
        Code.DOCTOR_IDENTIFIER_MISMATCH,
        sp={"servicePrincipalNames": ["https://us-api.mimecast.com/sso/cusa1a1"]},
    ),
    Scenario(
        "identifier-other-region",
        Code.DOCTOR_IDENTIFIER_MISMATCH,
        sp={"servicePrincipalNames": ["https://eu-api.mimecast.com/sso/CUSA1A1"]},
    ),
    Scenario(
        "identifier-without-https",
        Code.DOCTOR_IDENTIFIER_NOT_URL,
        sp={"servicePrincipalNames": ["us-api.mimecast.com/sso/CUSA1A1"]},
    ),
    Scenario(
        "reply-url-other-region",
        Code.DOCTOR_REPLY_URL_MISSING,
        sp={"replyUrls": ["https://eu-api.mimecast.com/login/saml"]},
    ),
    Scenario(
        "reply-url-old-endpoint",
        Code.DOCTOR_REPLY_URL_MISSING,
        sp={"replyUrls": ["https://us-api.mimecast.com/login/sso/mpp"]},
    ),
    Scenario(
        "context-ticked",
        Code.DOCTOR_CONTEXT_REQUESTED,
        profile={"use_password_protected_context": True},
        user=MAIL_USER,
    ),
    Scenario(
        "certificate-rolled-over",
        Code.DOCTOR_CERTIFICATE_NOT_IN_PROFILE,
        profile={"certificates": (load_key("attacker").certificate,)},
    ),
    Scenario(
        # only the metadata says which certificate is active (its first): no az JSON
        # thumbprint, and the profile holds the old certificate, which the metadata still lists
        "certificate-rolled-over-metadata-only",
        Code.DOCTOR_CERTIFICATE_NOT_IN_PROFILE,
        profile={"certificates": (OLD_CERTIFICATE,)},
        drop_thumbprint=True,
        rolled_over=True,
    ),
    Scenario(
        "certificate-not-in-metadata",
        Code.DOCTOR_CERTIFICATE_NOT_IN_METADATA,
        profile={"certificates": (load_key("attacker").certificate,)},
        drop_thumbprint=True,
    ),
    Scenario(
        "issuer-without-slash",
        Code.DOCTOR_ISSUER_MISMATCH,
        profile={"issuer_url": "https://sts.windows.net/0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90"},
    ),
    Scenario(
        "sign-on-url-with-idp-initiated",
        Code.DOCTOR_SIGN_ON_URL_SET,
        sp={"loginUrl": "https://us-api.mimecast.com/login/saml"},
        intent=Intent.IDP,
        flow="idp",
    ),
    Scenario(
        "nameid-from-upn",
        Code.DOCTOR_NAMEID_UPN,
        name_id="userprincipalname",
        flow="idp",
        user="bsimon@contoso.onmicrosoft.com",
    ),
    Scenario(
        "assignment-required",
        Code.DOCTOR_ASSIGNMENT_REQUIRED,
        sp={"appRoleAssignmentRequired": True},
    ),
    Scenario(
        "no-registered-domain",
        Code.DOCTOR_DIRECTORY_EMPTY,
        directory_domains=frozenset(),
        flow="idp",
    ),
]


def test_every_failing_prediction_has_a_scenario() -> None:
    assert {s.code for s in SCENARIOS} == set(PREDICTS)


def _matches(prediction: str, outcome: FlowOutcome) -> bool:
    codes = outcome.codes("fail")
    return (
        prediction == outcome.aadsts
        or prediction in codes
        or (prediction.endswith(".") and any(c.startswith(prediction) for c in codes))
        or prediction in outcome.page
    )


def _rolled_over() -> IdpTenant:
    idp = load_idp()
    return replace(idp, signing_keys=(load_key("entra-rollover"), *idp.signing_keys))


def _fake_idp_app(entra: EntraApp, base: EnterpriseApp) -> EnterpriseApp:
    """The fake IdP's app with the settings the az JSON gives (unknown ones keep `base`'s)."""
    return replace(
        base,
        app_id=entra.app_id or base.app_id,
        name=entra.name or base.name,
        identifiers=entra.identifiers or base.identifiers,
        reply_urls=entra.reply_urls or base.reply_urls,
        sign_on_url=base.sign_on_url if entra.sign_on_url is None else entra.sign_on_url or None,
        logout_url=entra.logout_url or base.logout_url,
        assignment_required=base.assignment_required
        if entra.assignment_required is None
        else entra.assignment_required,
        name_id_source=entra.name_id_source or base.name_id_source,
    )


async def _prepared(sp_start: Start, scenario: Scenario) -> tuple[Running, Evidence]:
    running = await sp_start(idp=_rolled_over() if scenario.rolled_over else None)
    sp = service_principal(running.idp, **scenario.sp)
    if scenario.drop_thumbprint:
        sp.pop("preferredTokenSigningKeyThumbprint")
        sp["keyCredentials"] = []
    entra = read_graph(json.dumps(sp).encode(), "az ad sp show")
    if scenario.name_id:
        entra = replace(
            entra,
            name_id_source=read_claims_policy(json.dumps(claims_policy(scenario.name_id)).encode()),
        )
    running.change_idp_app(
        **{
            k: v
            for k, v in vars(_fake_idp_app(entra, running.idp.apps[0])).items()
            if k != "logout_url"
        }
    )
    tenant = running.state.tenant
    profile = replace(tenant.profile(), **scenario.profile)
    directory = (
        tenant.directory
        if scenario.directory_domains is None
        else replace(tenant.directory, domains=scenario.directory_domains)
    )
    running.state.tenant = replace(tenant, profiles=(profile,), directory=directory)
    metadata = federation_metadata(running.idp, f"{running.base}/idp/x/saml2")
    evidence = Evidence(
        running.state.tenant,
        profile,
        entra,
        parse_idp_metadata(metadata),
        load_certificates(metadata),
        scenario.intent,
    )
    return running, evidence


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_prediction_matches_what_happens(scenario: Scenario, sp_start: Start) -> None:
    running, evidence = await _prepared(sp_start, scenario)
    predicted = {str(f.code): f.status for f in diagnose(evidence, NOW).findings}
    assert predicted.get(str(scenario.code)) in (Status.FAIL, Status.WARN), predicted
    if scenario.flow == "sp":
        outcome = await running.flows.sp_initiated(scenario.user)
    else:
        outcome = await running.flows.idp_initiated(running.launch, scenario.user)
    assert _matches(PREDICTS[scenario.code], outcome), (outcome.aadsts, outcome.codes("fail"))


async def test_good_settings_predict_no_failure_and_the_sign_in_works(sp_start: Start) -> None:
    running, evidence = await _prepared(sp_start, Scenario("good", Code.DOCTOR_IDENTIFIER))
    findings = diagnose(evidence, NOW).findings
    assert not [f for f in findings if f.status is Status.FAIL], findings
    assert {
        "doctor.identifier",
        "doctor.reply-url",
        "doctor.certificate",
        "doctor.issuer",
        "doctor.region",
        "doctor.sign-on-url",
        "doctor.context",
        "doctor.assignment",
        "doctor.directory",
    } <= {str(f.code) for f in findings}
    assert (await running.flows.sp_initiated(USER)).works


def test_region_and_expiry_and_unknowns(tmp_path: Path) -> None:
    text = DEMO_TENANT.read_text().replace('code = "CUSA1A1"', 'code = "CUK1A1"')
    tenant_file = tmp_path / "tenant.toml"
    tenant_file.write_text(text)
    (tmp_path / "demo-idp-signing.pem").write_bytes(
        (DEMO_TENANT.parent / "demo-idp-signing.pem").read_bytes()
    )
    result = run(
        "doctor", "--tenant", str(tenant_file), "--format", "json", "--at", "2028-11-20T00:00:00Z"
    )
    assert result.returncode == 1
    document = json.loads(result.stdout)
    codes = {f["code"]: f["status"] for f in document["findings"]}
    assert codes["doctor.region-mismatch"] == "fail"
    assert codes["doctor.certificate-expiring"] == "warn"
    assert codes["doctor.unknown"] == "skipped"  # no Entra app or metadata: unknown
    assert document["verdict"] == "fails"


def test_doctor_command_with_az_json_and_metadata(tmp_path: Path) -> None:
    idp = load_idp()
    sp = tmp_path / "sp.json"
    sp.write_text(
        json.dumps(service_principal(idp, replyUrls=["https://eu-api.mimecast.com/login/saml"]))
    )
    app = tmp_path / "app.json"
    app.write_text(
        json.dumps(
            {
                "appId": idp.apps[0].app_id,
                "identifierUris": list(idp.apps[0].identifiers),
                "web": {"redirectUris": []},
            }
        )
    )
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(claims_policy("mail")))
    metadata = tmp_path / "federationmetadata.xml"
    metadata.write_bytes(federation_metadata(idp, "https://login.microsoftonline.com/x/saml2"))
    result = run(
        "doctor",
        "--tenant",
        str(DEMO_TENANT),
        "--entra-app",
        str(sp),
        "--entra-app",
        str(app),
        "--claims-policy",
        str(policy),
        "--idp-metadata",
        str(metadata),
        "--at",
        "2026-06-01T12:00:00Z",
    )
    assert result.returncode == 1
    assert "FAIL  doctor.reply-url-missing" in result.stdout
    assert "Predicts: Entra refuses the sign-in with AADSTS50011." in result.stdout
    assert "PASS  doctor.nameid" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert run("doctor", "--tenant", str(DEMO_TENANT), "--entra-app", str(bad)).returncode == 2


def test_incomplete_profile(tmp_path: Path) -> None:
    tenant = tmp_path / "tenant.toml"
    tenant.write_text(
        '[account]\ncode = "CUSA1A1"\nregion = "us"\n[[profiles]]\nname = "p"\n'
        '[directory]\ndomains = ["contoso.com"]\n'
    )
    result = run("doctor", "--tenant", str(tenant), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    incomplete = [f for f in findings if f["code"] == "doctor.profile-incomplete"]
    assert len(incomplete) == 3  # no certificate, no Issuer URL, no Login URL
    assert result.returncode == 1


def _metadata(idp: IdpTenant) -> tuple[IdpMetadata, tuple[Certificate, ...]]:
    data = federation_metadata(idp, "https://login.microsoftonline.com/x/saml2")
    return parse_idp_metadata(data), load_certificates(data)


def _about(
    topic: str, word: str, entra: EntraApp | None = None, idp: IdpTenant | None = None, **kw: Any
) -> set[str]:
    """The codes of one rule's findings (its own codes start with `topic`; its unknown names
    `word`), for the demo tenant (its profile holds the demo IdP's certificate) and the
    given pieces."""
    tenant = load_tenant(DEMO_TENANT)
    metadata, certificates = _metadata(idp) if idp is not None else (None, ())
    evidence = Evidence(tenant, tenant.profile(), entra, metadata, certificates, **kw)
    return {
        str(f.code)
        for f in diagnose(evidence, NOW).findings
        if (str(f.code).startswith(topic) and f.code is not Code.DOCTOR_CERTIFICATE_EXPIRING)
        or (f.code is Code.DOCTOR_UNKNOWN and word in f.message)
    }


ROLLOVER = load_key("entra-rollover").certificate.thumbprint


@pytest.mark.parametrize(
    ("entra", "idp", "expected"),
    [
        (None, None, "doctor.unknown"),
        (EntraApp(signing_thumbprint=OLD_CERTIFICATE.thumbprint), None, "doctor.certificate"),
        (None, load_idp(), "doctor.certificate"),  # the metadata's first is the profile's
        (None, _rolled_over(), "doctor.certificate-not-in-profile"),
        (EntraApp(signing_thumbprint=ROLLOVER), None, "doctor.certificate-not-in-profile"),
        # the az JSON and the metadata disagree about the active certificate: unknown
        (EntraApp(signing_thumbprint=OLD_CERTIFICATE.thumbprint), _rolled_over(), "doctor.unknown"),
        (EntraApp(name_id_source="user.mail"), None, "doctor.unknown"),  # no thumbprint
    ],
    ids=[
        "nothing",
        "az-thumbprint",
        "metadata",
        "metadata-rolled-over",
        "az-rolled-over",
        "sources-disagree",
        "no-thumbprint",
    ],
)
def test_certificate_passes_only_when_proven(
    entra: EntraApp | None, idp: IdpTenant | None, expected: str
) -> None:
    assert _about("doctor.certificate", "certificate", entra, idp) == {expected}


@pytest.mark.parametrize(
    ("document", "intent", "expected"),
    [
        # a claims policy or `az ad app show` alone says nothing of the Sign-on URL
        ({"identifierUris": ["https://us-api.mimecast.com/sso/CUSA1A1"]}, "idp", "doctor.unknown"),
        ({"servicePrincipalType": "Application"}, "idp", "doctor.unknown"),
        ({"servicePrincipalType": "Application", "loginUrl": None}, "idp", "doctor.sign-on-url"),
        (
            {"servicePrincipalType": "Application", "loginUrl": "https://x/"},
            "idp",
            "doctor.sign-on-url-set",
        ),
        ({"identifierUris": []}, "sp", "doctor.sign-on-url"),
    ],
)
def test_sign_on_url_passes_only_when_known(
    document: dict[str, Any], intent: str, expected: str
) -> None:
    entra = read_graph(json.dumps(document).encode())
    assert _about("doctor.sign-on-url", "Sign-on URL", entra, intent=Intent(intent)) == {expected}


def test_sign_on_url_unknown_with_only_a_claims_policy() -> None:
    entra = EntraApp(name_id_source=read_claims_policy(json.dumps(claims_policy("mail")).encode()))
    assert _about("doctor.sign-on-url", "Sign-on URL", entra, intent=Intent.IDP) == {
        "doctor.unknown"
    }
    assert _about("doctor.nameid", "NameID", entra) == {"doctor.nameid"}


def test_assignment_that_is_not_a_boolean_is_unknown() -> None:
    entra = read_graph(
        b'{"servicePrincipalType": "Application", "appRoleAssignmentRequired": "yes"}'
    )
    assert _about("doctor.assignment", "assignment", entra) == {"doctor.unknown"}


def test_the_active_metadata_certificate_expiring_is_warned() -> None:
    idp = replace(load_idp(), signing_keys=(load_key("expiring"), *load_idp().signing_keys))
    tenant = load_tenant(DEMO_TENANT)
    metadata, certificates = _metadata(idp)
    evidence = Evidence(tenant, tenant.profile(), None, metadata, certificates)
    warned = [
        f for f in diagnose(evidence, NOW).findings if f.code is Code.DOCTOR_CERTIFICATE_EXPIRING
    ]
    assert [f.status for f in warned] == [Status.WARN]
    assert load_key("expiring").certificate.thumbprint in warned[0].message


def test_unknowns_are_shown_as_unknown() -> None:
    result = run("doctor", "--tenant", str(DEMO_TENANT), "--at", "2026-06-01T12:00:00Z")
    assert result.returncode == 3  # nothing predicted to fail, but not proven to work ...
    head = result.stdout.splitlines()[0]
    assert "unknown" in head  # ... but the head line says what was not proven
    assert "UNKNOWN  doctor.unknown" in result.stdout
    assert "PASS  doctor.certificate" not in result.stdout
    document = json.loads(run("doctor", "--tenant", str(DEMO_TENANT), "--format", "json").stdout)
    assert document["verdict"] == "unknown"
    assert document["unknown"] == sum(
        1 for f in document["findings"] if f["code"] == "doctor.unknown"
    )
    assert document["unknown"] >= 5
