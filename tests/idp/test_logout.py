"""The fake IdP's single logout on its own, over HTTP on loopback: the LogoutResponse to an
app's LogoutRequest is signed on the Redirect binding with the active key, the browser's
IdP session records each sign-in with NameID and SessionIndex as issued, and IdP-initiated
logout sends a signed LogoutRequest for it; the app's LogoutResponse ends it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from lxml import etree
from yarl import URL

from sp_sim.core.bindings import Parameter, read_redirect_query, redirect_query, redirect_signer
from sp_sim.core.logout import RESPONDER
from sp_sim.core.xml import ASSERTION, PROTOCOL, STATUS_SUCCESS, SignatureAlgorithm, qname
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.mint import Algorithm
from sp_sim.idp.model import IdpTenant
from sp_sim.idp.tokens import issue
from sp_sim.server.authn_request import build_logout_request, build_logout_response
from tests.helpers import NOW, load_key
from tests.idp.flows import sp_initiated

APP = "withlogout"
ISSUER = "https://us-api.mimecast.com/sso/WITHLOGOUT"
LOGOUT_URL = "https://us-api.mimecast.com/login/logout"


async def _answer_logout(client: Any, tenant: IdpTenant, xml: bytes) -> Any:
    """Send the app's LogoutResponse to the IdP by HTTP-Redirect, byte for byte."""
    query = redirect_query(xml, parameter=Parameter.RESPONSE)
    return await client.get(URL(f"/{tenant.tenant_id}/saml2?{query}", encoded=True))


def _message(location: str) -> tuple[etree._Element, Any]:
    message = read_redirect_query(URL(location, encoded=True).raw_query_string)
    return etree.fromstring(message.xml()), message


async def _sign_in(client: Any, tenant: IdpTenant) -> None:
    answer = await sp_initiated(client, tenant, issuer=ISSUER)
    assert answer.saml_response is not None, answer.text[:300]


async def _signout(client: Any, tenant: IdpTenant, query: str = "") -> Any:
    return await client.get(
        f"/{tenant.tenant_id}/myapps/{APP}/signout{query}", allow_redirects=False
    )


@pytest.mark.parametrize(
    ("algorithm", "sig_alg"),
    [
        (Algorithm.SHA256, SignatureAlgorithm.RSA_SHA256),
        (Algorithm.SHA1, SignatureAlgorithm.RSA_SHA1),
    ],
)
async def test_logout_response_is_signed_with_the_active_key(
    algorithm: Algorithm,
    sig_alg: SignatureAlgorithm,
    idp_client: Any,
    idp_tenant: IdpTenant,
) -> None:
    apps = tuple(replace(a, algorithm=algorithm) if a.app_id == APP else a for a in idp_tenant.apps)
    tenant = replace(idp_tenant, apps=apps)
    client = await idp_client(tenant=tenant)
    _, xml = build_logout_request(
        ISSUER, str(client.make_url(f"/{tenant.tenant_id}/saml2")), "B.Simon@contoso.com", NOW
    )
    response = await client.get(
        URL(f"/{tenant.tenant_id}/saml2?{redirect_query(xml, 'relay')}", encoded=True),
        allow_redirects=False,
    )
    assert response.status == 302
    root, message = _message(response.headers["Location"])
    assert root.tag == qname(PROTOCOL, "LogoutResponse")
    assert root.findtext(qname(ASSERTION, "Issuer")) == tenant.issuer
    assert message.relay_state == "relay"
    assert message.sig_alg == sig_alg.value
    assert redirect_signer(message, (tenant.active_key.certificate,)) is not None
    assert redirect_signer(message, (load_key("entra-rollover").certificate,)) is None


async def test_the_issued_session_index_is_the_tokens(idp_tenant: IdpTenant) -> None:
    user = idp_tenant.user("B.Simon@contoso.com")
    assert user is not None
    issued = issue(idp_tenant, idp_tenant.apps[0], user, NOW)
    statement = etree.fromstring(issued.xml).find(f".//{qname(ASSERTION, 'AuthnStatement')}")
    assert statement is not None
    assert statement.get("SessionIndex") == issued.token.session_index
    assert issued.token.name_id == "B.Simon@contoso.com"


async def test_idp_initiated_logout_both_legs(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    await _sign_in(client, idp_tenant)
    response = await _signout(client, idp_tenant)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(f"{LOGOUT_URL}?SAMLRequest=")
    request, message = _message(location)
    assert request.findtext(qname(ASSERTION, "NameID")) == "B.Simon@contoso.com"
    assert request.findtext(qname(PROTOCOL, "SessionIndex"))
    assert redirect_signer(message, (idp_tenant.active_key.certificate,)) is not None
    answer = build_logout_response(
        ISSUER, "unused", request.get("ID"), NOW, (RESPONDER, None), "busy"
    )
    refused = await _answer_logout(client, idp_tenant, answer)
    assert refused.status == 400
    text = await refused.text()
    assert "id=logout-refused" in text
    assert "busy" in text
    # a refusal leaves the sign-in: a second attempt, answered with Success, ends it
    request, _ = _message((await _signout(client, idp_tenant)).headers["Location"])
    success = build_logout_response(ISSUER, "unused", request.get("ID"), NOW)
    done = await _answer_logout(client, idp_tenant, success)
    assert done.status == 200
    assert "id=signed-out" in await done.text()
    assert (await _signout(client, idp_tenant)).status == 400  # nothing left to log out


@pytest.mark.parametrize(
    ("issuer", "in_response_to"),
    [(ISSUER, "_never-sent"), ("https://us-api.mimecast.com/sso/OTHER", None)],
)
async def test_a_logout_response_it_did_not_ask_for(
    issuer: str, in_response_to: str | None, idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    await _sign_in(client, idp_tenant)
    if in_response_to is None:
        request, _ = _message((await _signout(client, idp_tenant)).headers["Location"])
        in_response_to = request.get("ID")
    xml = build_logout_response(issuer, "unused", in_response_to, NOW, (STATUS_SUCCESS, None))
    response = await _answer_logout(client, idp_tenant, xml)
    assert response.status == 400
    assert "id=logout-unknown" in await response.text()


@pytest.mark.parametrize("query", ["SAMLResponse=%%%", "SAMLResponse=bm90IHhtbA=="])
async def test_an_unreadable_logout_response_is_aadsts75005(
    query: str, idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    response = await client.get(URL(f"/{idp_tenant.tenant_id}/saml2?{query}", encoded=True))
    assert response.status == 400
    assert "AADSTS75005" in await response.text()


async def test_signout_needs_a_sign_in_and_a_logout_url(
    idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    assert (await _signout(client, idp_tenant)).status == 400  # no sign-in in this browser
    await _sign_in(client, idp_tenant)
    assert (await _signout(client, idp_tenant, "?user=someone@else.example")).status == 400
    no_url = await client.get(f"/{idp_tenant.tenant_id}/myapps/Mimecast/signout")
    assert no_url.status == 400
    assert "has no Logout URL" in await no_url.text()
    unknown = await client.get(f"/{idp_tenant.tenant_id}/myapps/nope/signout")
    assert "AADSTS700016" in await unknown.text()


async def test_logout_faults_in_the_idp_initiated_request(
    idp_client: Any, idp_tenant: IdpTenant
) -> None:
    client = await idp_client()
    await _sign_in(client, idp_tenant)
    query = "?fault=logout-wrong-issuer=https://evil.example/&fault=logout-unknown-session=_x"
    request, message = _message((await _signout(client, idp_tenant, query)).headers["Location"])
    assert request.findtext(qname(ASSERTION, "Issuer")) == "https://evil.example/"
    assert request.findtext(qname(PROTOCOL, "SessionIndex")) == "_x"
    assert redirect_signer(message, (idp_tenant.active_key.certificate,)) is not None
    _, unsigned = _message(
        (await _signout(client, idp_tenant, "?fault=unsigned-logout")).headers["Location"]
    )
    assert unsigned.signature is None
    assert unsigned.sig_alg is None
    assert (await _signout(client, idp_tenant, "?fault=no-such-fault")).status == 400


def test_a_logout_fault_changes_no_token(idp_tenant: IdpTenant) -> None:
    user = idp_tenant.user("B.Simon@contoso.com")
    assert user is not None
    faults = FaultSet.parse(["unsigned-logout", "logout-other-key", "logout-tampered"])
    issued = issue(idp_tenant, idp_tenant.apps[0], user, NOW, faults=faults)
    assert b"SignatureValue" in issued.xml
    assert b"attacker@wrong.invalid" not in issued.xml


async def test_index_offers_idp_initiated_sign_out(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    text = await (await client.get("/")).text()
    assert f"/{idp_tenant.tenant_id}/myapps/{APP}/signout" in text
