"""Each of Entra's rules, end to end over HTTP on loopback: the fake IdP answers what Entra
answers, and what it issues passes (or fails) the check engine as Mimecast would."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest
from lxml import etree
from yarl import URL

from sp_sim.core import CheckSettings, Status, load_certificates, parse_idp_metadata
from sp_sim.core.bindings import Binding, redirect_query
from sp_sim.core.xml import ASSERTION, qname
from sp_sim.idp.app import create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.mint import Signing
from sp_sim.idp.model import IdpTenant
from sp_sim.server.authn_request import build_authn_request, build_logout_request
from tests.helpers import NOW, load_key
from tests.idp.flows import ACS, ENTITY_ID, answer_of, judge, sp_initiated

PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


@pytest.mark.parametrize("binding", list(Binding))
async def test_sp_initiated_sign_in_passes_the_engine(
    binding: Binding, idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, binding=binding)
    assert answer.action == ACS
    assert answer.relay_state == "relay-1"
    report = judge(answer, idp_sp_settings, outstanding_requests=frozenset({"_req-1"}))
    assert report.works, [f.code for f in report.failures]
    assert "subject.sp-initiated" in report.codes(Status.PASS)
    assert report.user == "B.Simon@contoso.com"


async def test_account_picker_then_sign_in(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    page = await sp_initiated(client, idp_tenant, user=None)
    assert page.saml_response is None
    assert "Pick an account" in page.text
    form = etree.HTML(page.text).find(".//form")
    assert form is not None
    pending = form.find(".//input[@name='pending']")
    assert pending is not None
    action = URL(form.get("action", "")).path
    answer = await answer_of(
        await client.post(
            action,
            data={"pending": pending.get("value"), "user": "BrittaSimon@contoso.com", "fault": ""},
        )
    )
    report = judge(answer, idp_sp_settings)
    assert report.works
    assert report.user == "BrittaSimon@contoso.com"
    again = await answer_of(await client.post(action, data={"pending": pending}))
    assert again.status == 400  # a pending sign-in is used once


async def test_idp_initiated_launch(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    app_id = idp_tenant.apps[0].app_id
    answer = await answer_of(
        await client.get(
            f"/{idp_tenant.tenant_id}/myapps/{app_id}?user=bsimon@contoso.onmicrosoft.com"
        )
    )
    report = judge(answer, idp_sp_settings)
    assert report.works
    assert "subject.idp-initiated" in report.codes(Status.PASS)


ERRORS = [
    ("AADSTS700016", {"issuer": "https://us-api.mimecast.com/sso/CUSA9Z9"}),
    ("AADSTS700016", {"issuer": "https://eu-api.mimecast.com/sso/CUSA1A1"}),
    ("AADSTS650056", {"issuer": "us-api.mimecast.com/sso/CUSA1A1"}),
    ("AADSTS50011", {"acs": "https://eu-api.mimecast.com/login/saml"}),
    ("AADSTS50011", {"acs": "https://us-api.mimecast.com/login/sso/mpp"}),
    ("AADSTS75011", {"contexts": (PASSWORD_PROTECTED,), "user": "BrittaSimon@contoso.com"}),
    ("AADSTS75011", {"contexts": (PASSWORD_PROTECTED,), "user": "wia@contoso.onmicrosoft.com"}),
    ("AADSTS75016", {"name_id_format": "urn:example:custom"}),
    ("AADSTS50034", {"user": "nobody@contoso.com"}),
]


@pytest.mark.parametrize(
    ("code", "changes"), ERRORS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(ERRORS)]
)
async def test_entra_errors(
    code: str, changes: dict[str, Any], idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, **changes)
    assert answer.status == 400
    assert answer.aadsts == code
    assert answer.saml_response is None


def _request(**changes: Any) -> bytes:
    """A request without Destination (optional for Entra), with attributes changed."""
    _, xml = build_authn_request(ENTITY_ID, ACS, "https://x/saml2", NOW, "_r")
    root = etree.fromstring(xml)
    del root.attrib["Destination"]
    for name, value in changes.items():
        if value is None:
            del root.attrib[name]
        else:
            root.set(name, value)
    return etree.tostring(root)


def _with_child(tag: str) -> bytes:
    root = etree.fromstring(_request())
    etree.SubElement(root, tag)
    return etree.tostring(root)


MALFORMED = [
    ("AADSTS75005", b"<not-saml/>"),
    ("AADSTS75005", b"<samlp:AuthnRequest"),
    ("AADSTS75005", _request(ID="1abc")),
    ("AADSTS75005", _request(Version="1.1")),
    ("AADSTS90014", _request(IssueInstant=None)),
    ("AADSTS90014", _request(ID=None)),
    ("AADSTS75008", _request(Destination="https://login.example/other")),
    ("AADSTS900236", _with_child(qname(ASSERTION, "Subject"))),
    ("AADSTS900236", _with_child("{urn:oasis:names:tc:SAML:2.0:protocol}Scoping")),
]


@pytest.mark.parametrize(
    ("code", "xml"), MALFORMED, ids=[f"{c}-{i}" for i, (c, _) in enumerate(MALFORMED)]
)
async def test_malformed_requests(
    code: str, xml: bytes, idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, xml=xml)
    assert (answer.status, answer.aadsts) == (400, code)


async def test_redirect_without_saml_request(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    answer = await answer_of(await client.get(f"/{idp_tenant.tenant_id}/saml2"))
    assert answer.aadsts == "AADSTS750054"


async def test_comparison_other_than_exact(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    destination = str(client.make_url(f"/{idp_tenant.tenant_id}/saml2"))
    _, xml = build_authn_request(ENTITY_ID, ACS, destination, NOW, "_r", (PASSWORD_PROTECTED,))
    answer = await sp_initiated(
        client, idp_tenant, xml=xml.replace(b'Comparison="exact"', b'Comparison="minimum"')
    )
    assert answer.aadsts == "AADSTS900236"


async def test_requested_context_satisfied_by_password_user(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, contexts=(PASSWORD_PROTECTED,))
    assert judge(answer, idp_sp_settings).works


async def test_unknown_tenant(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    response = await client.get(
        "/11111111-1111-1111-1111-111111111111/federationmetadata/2007-06/federationmetadata.xml"
    )
    assert (await answer_of(response)).aadsts == "AADSTS90002"


async def test_assignment_required(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    issuer = "https://us-api.mimecast.com/sso/ASSIGNED"
    blocked = await sp_initiated(client, idp_tenant, issuer=issuer, user="BrittaSimon@contoso.com")
    assert blocked.aadsts == "AADSTS50105"
    allowed = await sp_initiated(client, idp_tenant, issuer=issuer)
    assert allowed.saml_response is not None


async def test_requested_nameid_format_wins(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, name_id_format=PERSISTENT)
    assert answer.saml_response is not None
    name_id = etree.fromstring(answer.saml_response).find(f".//{qname(ASSERTION, 'NameID')}")
    assert name_id is not None
    assert name_id.get("Format") == PERSISTENT


async def test_empty_mail_gives_a_pairwise_id(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, user="nomail@contoso.onmicrosoft.com")
    report = judge(answer, idp_sp_settings)
    assert "nameid.opaque-id" in report.codes(Status.FAIL)


SIGNED = "https://us-api.mimecast.com/sso/SIGNEDREQ"


async def test_signed_requests_required(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    assert (await sp_initiated(client, idp_tenant, issuer=SIGNED)).aadsts == "AADSTS76021"
    wrong_key = await sp_initiated(
        client, idp_tenant, issuer=SIGNED, signing_key=load_key("attacker")
    )
    assert wrong_key.aadsts == "AADSTS76021"
    signed = await sp_initiated(
        client, idp_tenant, issuer=SIGNED, signing_key=load_key("entra-rollover")
    )
    assert signed.saml_response is not None
    app_id = idp_tenant.app_by_identifier(SIGNED).app_id  # type: ignore[union-attr]
    launch = await answer_of(await client.get(f"/{idp_tenant.tenant_id}/myapps/{app_id}?user=x"))
    assert launch.aadsts == "AADSTS76021"  # IdP-initiated stops working


async def test_metadata_like_entra(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    app_id = idp_tenant.apps[0].app_id
    response = await client.get(
        f"/{idp_tenant.tenant_id}/federationmetadata/2007-06/federationmetadata.xml?appid={app_id}"
    )
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    metadata = parse_idp_metadata(body)
    assert metadata.entity_id == f"https://sts.windows.net/{idp_tenant.tenant_id}/"
    assert metadata.login_url == str(client.make_url(f"/{idp_tenant.tenant_id}/saml2"))
    assert metadata.logout_url == metadata.login_url
    certificates = load_certificates(body)
    assert certificates[0].der == idp_tenant.active_key.certificate.der


async def test_certificate_download(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    response = await client.get(f"/{idp_tenant.tenant_id}/certificate?appid=Mimecast")
    assert "Mimecast.cer" in response.headers["Content-Disposition"]
    (certificate,) = load_certificates(await response.read())
    assert certificate.der == idp_tenant.active_key.certificate.der


async def test_logout_request_gets_a_logout_response(
    idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    _, xml = build_logout_request(
        "https://us-api.mimecast.com/sso/WITHLOGOUT",
        str(client.make_url(f"/{idp_tenant.tenant_id}/saml2")),
        "B.Simon@contoso.com",
        NOW,
    )
    response = await client.get(
        f"/{idp_tenant.tenant_id}/saml2?{redirect_query(xml, 'r')}", allow_redirects=False
    )
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith("https://us-api.mimecast.com/login/logout?SAMLResponse=")


async def test_index_page(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    text = await (await client.get("/")).text()
    assert idp_tenant.tenant_id in text
    assert "IdP-initiated" in text


async def test_groups_claim_and_overage(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    issuer = "https://us-api.mimecast.com/sso/GROUPS"

    async def claims_of(user: str) -> dict[str, list[str]]:
        answer = await sp_initiated(client, idp_tenant, issuer=issuer, user=user)
        assert answer.saml_response is not None
        root = etree.fromstring(answer.saml_response)
        return {
            a.get("Name", ""): [v.text or "" for v in a]
            for a in root.iter(qname(ASSERTION, "Attribute"))
        }

    few = await claims_of("few@contoso.onmicrosoft.com")
    assert few["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"] == [
        "g1",
        "g2",
        "g3",
    ]
    many = await claims_of("many@contoso.onmicrosoft.com")
    assert "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" not in many
    assert "http://schemas.microsoft.com/claims/groups.link" in many


@pytest.mark.parametrize("signing", list(Signing)[:3])
@pytest.mark.parametrize(
    "user",
    [
        "bsimon@contoso.onmicrosoft.com",
        "BrittaSimon@contoso.com",
        "wia@contoso.onmicrosoft.com",
        "few@contoso.onmicrosoft.com",
    ],
)
@pytest.mark.parametrize("flow", ["sp", "idp"])
async def test_every_unfaulted_token_passes_the_engine(
    signing: Signing,
    user: str,
    flow: str,
    aiohttp_client: Any,
    idp_tenant: IdpTenant,
    idp_sp_settings: CheckSettings,
) -> None:
    tenant = replace(idp_tenant, apps=(replace(idp_tenant.apps[0], signing=signing),))
    client = await aiohttp_client(create_idp_app(tenant, clock=lambda: NOW))
    if flow == "sp":
        answer = await sp_initiated(client, tenant, user=user)
    else:
        answer = await answer_of(
            await client.get(f"/{tenant.tenant_id}/myapps/{tenant.apps[0].app_id}?user={user}")
        )
    report = judge(answer, idp_sp_settings)
    assert report.works, [(f.code, f.message) for f in report.failures]


def test_demo_key_comment_line_does_not_break_loading() -> None:
    key = load_idp().active_key
    assert base64.b64decode(key.certificate.base64) == key.certificate.der
