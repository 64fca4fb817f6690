"""Full sign-ins over real HTTP on loopback: SP- and IdP-initiated against the fake IdP in
every region, and each misconfiguration of the reference's §3 producing the right failing
check or AADSTS code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sp_sim.core.bindings import Binding
from sp_sim.core.keys import SigningKey
from sp_sim.core.mimecast import REGIONS
from sp_sim.errors import ConfigError
from sp_sim.idp.config import demo_idp_path, load_idp
from sp_sim.server.state import ServerOptions
from sp_sim.tenant import Account, load_tenant
from tests.helpers import load_key
from tests.helpers.server import DEMO_TENANT, Start

USER = "B.Simon@contoso.com"


def account_in(region: str) -> Account:
    prefix = REGIONS[region].account_prefix or f"C{region.upper()}"
    return Account(f"{prefix}1A1", REGIONS[region])


@pytest.mark.parametrize("region", sorted(REGIONS))
async def test_sp_and_idp_initiated_work_in_every_region(region: str, sp_start: Start) -> None:
    account = account_in(region)
    tenant = replace(load_tenant(DEMO_TENANT), account=account)
    idp = load_idp()
    app = replace(idp.apps[0], identifiers=(account.entity_id,), reply_urls=(account.acs_url,))
    running = await sp_start(tenant=tenant, idp=replace(idp, apps=(app,)))
    sp = await running.flows.sp_initiated(USER, region=region)
    assert sp.works, (sp.hops, sp.failures, sp.page[:300])
    assert "subject.sp-initiated" in sp.codes("pass")
    assert sp.report is not None
    assert sp.report.user == USER
    idp_initiated = await running.flows.idp_initiated(running.launch, USER)
    assert idp_initiated.works, idp_initiated.failures
    assert "subject.idp-initiated" in idp_initiated.codes("pass")


@pytest.mark.parametrize("binding", list(Binding))
async def test_both_request_bindings(binding: Binding, sp_start: Start) -> None:
    running = await sp_start(options=ServerOptions(binding=binding))
    assert (await running.flows.sp_initiated(USER)).works


async def test_local_urls(sp_start: Start) -> None:
    running = await sp_start(options=ServerOptions(local_urls=True))
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works, outcome.failures
    audience = next(f for f in outcome.findings if f.code == "audience.match")
    assert audience.expected == f"{running.base}/us/sso/CUSA1A1" == running.stack.urls.entity_id


async def test_host_header_reaches_the_region(sp_start: Start) -> None:
    running = await sp_start()
    page = await running.flows.session.get(
        f"{running.base}/login", headers={"Host": "eu-api.mimecast.com"}
    )
    assert "eu-api.mimecast.com" in await page.text()


# --- the reference's §3, one test per misconfiguration ------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        "https://us-api.mimecast.com/sso/cusa1a1",
        "https://us-api.mimecast.com/sso/CUSA9Z9",
        "https://us-api.mimecast.com/sso/",
    ],
)
async def test_1_account_code_wrong_in_the_identifier(identifier: str, sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(identifiers=(identifier,))
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS700016"
    idp_initiated = await running.flows.idp_initiated(running.launch, USER)
    assert idp_initiated.codes("fail") & {
        "audience.account-code-case",
        "audience.account-code-wrong",
        "audience.account-code-missing",
    }


async def test_1_identifier_without_https(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(identifiers=("us-api.mimecast.com/sso/CUSA1A1",))
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert "audience.missing-scheme" in outcome.codes("fail")


async def test_2_wrong_region_host(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(reply_urls=("https://eu-api.mimecast.com/login/saml",))
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS50011"
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert {
        "endpoint.wrong-region",
        "destination.wrong-region",
        "recipient.wrong-region",
    } <= outcome.codes("fail")


async def test_2_jersey_je_and_jer(sp_start: Start) -> None:
    account = account_in("jer")
    running = await sp_start(tenant=replace(load_tenant(DEMO_TENANT), account=account))
    running.change_idp_app(
        identifiers=(account.entity_id,), reply_urls=("https://je-api.mimecast.com/login/saml",)
    )
    assert (await running.flows.sp_initiated(USER, region="jer")).aadsts == "AADSTS50011"
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert outcome.works
    recipient = next(f for f in outcome.findings if f.code == "recipient.match")
    assert "je-api" in recipient.message


async def test_3_reply_url_old_endpoint(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(reply_urls=("https://us-api.mimecast.com/login/sso/mpp",))
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS50011"
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert outcome.report is None
    assert "Sign in" in outcome.page  # looped back to the login page


async def test_4_sign_on_url_while_idp_initiated(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(sign_on_url="https://us-api.mimecast.com/login/saml")
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert outcome.status == 400
    assert "validate your identity (SAML issue)" in outcome.page


async def test_5_context_checkboxes_ticked(sp_start: Start) -> None:
    tenant = load_tenant(DEMO_TENANT)
    profile = replace(tenant.profile(), use_password_protected_context=True)
    running = await sp_start(tenant=replace(tenant, profiles=(profile,)))
    mfa = await running.flows.sp_initiated("BrittaSimon@contoso.com")
    assert mfa.aadsts == "AADSTS75011"
    assert (await running.flows.sp_initiated(USER)).works  # a password user still gets in


async def test_6_upn_is_not_the_address(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(name_id_source="user.userprincipalname")
    outcome = await running.flows.sp_initiated(USER, user="bsimon@contoso.onmicrosoft.com")
    assert "nameid.upn-not-address" in outcome.codes("fail")
    hint = next(f for f in outcome.failures if f.code == "nameid.upn-not-address").hint
    assert hint is not None
    assert "user.mail" in hint.text


async def test_6_empty_mail_gives_a_pairwise_id(sp_start: Start) -> None:
    running = await sp_start()
    outcome = await running.flows.idp_initiated(running.launch, "nomail@contoso.onmicrosoft.com")
    assert "nameid.opaque-id" in outcome.codes("fail")


async def test_7_certificate_rolled_over_in_entra(sp_start: Start) -> None:
    idp = load_idp()
    rolled = replace(idp, signing_keys=(load_key("entra-rollover"), *idp.signing_keys))
    running = await sp_start(idp=rolled)
    # the profile imported the metadata before the rollover: it holds the old certificate
    tenant = running.state.tenant
    old = replace(tenant.profile(), certificates=(idp.active_key.certificate,))
    running.state.tenant = replace(tenant, profiles=(old,))
    outcome = await running.flows.sp_initiated(USER)
    assert "signature.key-mismatch" in outcome.codes("fail")


async def test_7_certificate_pasted_wrongly_or_from_elsewhere(sp_start: Start) -> None:
    running = await sp_start()
    tenant = running.state.tenant
    wrong = replace(tenant.profile(), certificates=(load_key("attacker").certificate,))
    running.state.tenant = replace(tenant, profiles=(wrong,))
    assert "signature.key-mismatch" in (await running.flows.sp_initiated(USER)).codes("fail")


async def test_8_assignment_required(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(assignment_required=True, assigned_users=frozenset())
    assert (await running.flows.sp_initiated(USER)).aadsts == "AADSTS50105"


def test_9_two_apps_with_one_identifier(tmp_path: Path) -> None:
    text = demo_idp_path().read_text()
    start = text.index("[[apps]]")
    end = text.index("[[users]]")
    second = text[start:end].replace("7c1e4d1a-5b2f-4e8a-9d3c-6f0a1b2c3d4e", "second-app")
    path = tmp_path / "idp.toml"
    for name in ("demo-idp-signing.key", "demo-idp-signing.pem"):
        (tmp_path / name).write_bytes((demo_idp_path().parent / name).read_bytes())
    path.write_text(text[:end] + second + text[end:])
    with pytest.raises(ConfigError, match=r"apps\[1\]\.identifiers"):
        load_idp(path)


async def test_10_domain_or_address_missing(sp_start: Start) -> None:
    tenant = load_tenant(DEMO_TENANT)
    running = await sp_start(
        tenant=replace(
            tenant, directory=replace(tenant.directory, domains=frozenset(), addresses=())
        )
    )
    outcome = await running.flows.idp_initiated(running.launch, USER)
    assert "nameid.unregistered-domain" in outcome.codes("fail")
    page = await running.flows.sp_initiated(USER)
    assert page.status == 400
    assert "not a registered domain" in page.page


async def test_10_profile_not_reached_by_an_application_setting(sp_start: Start) -> None:
    tenant = load_tenant(DEMO_TENANT)
    address = replace(tenant.directory.addresses[0], profile=None)
    running = await sp_start(
        tenant=replace(tenant, directory=replace(tenant.directory, addresses=(address,)))
    )
    assert "profile.other-profile" in (
        await running.flows.idp_initiated(running.launch, USER)
    ).codes("fail")
    assert "No application setting" in (await running.flows.sp_initiated(USER)).page


async def test_idp_key_expiring_is_a_warning_not_a_failure(sp_start: Start) -> None:
    idp = load_idp()
    expiring: SigningKey = load_key("expiring")
    running = await sp_start(idp=replace(idp, signing_keys=(expiring,)))
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    assert "certificate.expiring" in outcome.codes("warn")
