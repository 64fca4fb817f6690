"""The admin Import and the sign-in form take a POST only from this server's own page: the
CSRF cookie, the form's token bound to it, and (when the browser names it) the same origin.
The protocol endpoints take cross-site POSTs by design. Real servers on loopback."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from sp_sim.core.bindings import post_fields
from sp_sim.server.app import create_sp_app
from sp_sim.server.authn_request import build_logout_request
from sp_sim.server.state import ServerOptions
from sp_sim.server.tls import self_signed_context
from sp_sim.tenant import load_tenant
from tests.helpers import FIXTURES, NOW
from tests.helpers.server import DEMO_TENANT, Running, Start

IMPORT = "/admin/profiles/Entra ID SSO/import"
ATTACKER = "https://attacker.example"
# Another IdP's metadata: importing it would make the profile trust that IdP's certificate.
FOREIGN_METADATA = FIXTURES / "entra-captures" / "federationmetadata-2f277f1e.xml"


def _upload(token: str | None) -> aiohttp.FormData:
    data = aiohttp.FormData()
    if token is not None:
        data.add_field("csrf_token", token)
    data.add_field("metadata", FOREIGN_METADATA.read_bytes(), filename="metadata.xml")
    return data


async def test_import_with_the_pages_token_works(sp_start: Start) -> None:
    running = await sp_start()
    token = await running.csrf_token()
    async with running.flows.session.post(
        f"{running.base}{IMPORT}", data=_upload(token), headers={"Origin": running.base}
    ) as response:
        assert response.status == 200, await response.text()
        assert "csrf_token" in await response.text()  # the answer's form can be sent again
    assert "2f277f1e" in (running.state.tenant.profile().issuer_url or "")


async def _no_cookie(running: Running) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    return aiohttp.ClientSession(), _upload(None), {}


async def _cookie_no_token(running: Running) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    await running.csrf_token()
    return running.flows.session, _upload(None), {}


async def _cross_site_with_cookie(
    running: Running,
) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    await running.csrf_token()  # the victim's browser holds the real cookie
    return running.flows.session, _upload(None), {"Origin": ATTACKER}


async def _token_foreign_origin(
    running: Running,
) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    token = await running.csrf_token()
    return running.flows.session, _upload(token), {"Origin": ATTACKER}


async def _token_foreign_referer(
    running: Running,
) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    token = await running.csrf_token()
    return running.flows.session, _upload(token), {"Referer": f"{ATTACKER}/form.html"}


async def _token_null_origin(
    running: Running,
) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    token = await running.csrf_token()
    return running.flows.session, _upload(token), {"Origin": "null"}


async def _token_of_another_cookie(
    running: Running,
) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    token = await running.csrf_token()  # the attacker's own cookie and token
    victim = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with victim.get(f"{running.base}/admin"):
        pass
    return victim, _upload(token), {}


async def _forged_token(running: Running) -> tuple[aiohttp.ClientSession, Any, dict[str, str]]:
    await running.csrf_token()
    return running.flows.session, _upload("0" * 64), {}


Attack = Callable[[Running], Awaitable[tuple[aiohttp.ClientSession, Any, dict[str, str]]]]


@pytest.mark.parametrize(
    ("attack", "said"),
    [
        (_no_cookie, "cookie is missing"),
        (_cookie_no_token, "no CSRF token"),
        (_cross_site_with_cookie, ATTACKER),
        (_token_foreign_origin, ATTACKER),
        (_token_foreign_referer, "outside this server"),
        (_token_null_origin, "comes from null"),
        (_token_of_another_cookie, "does not match"),
        (_forged_token, "does not match"),
    ],
    ids=[
        "no-cookie",
        "cookie-no-token",
        "cross-site-with-cookie",
        "token-foreign-origin",
        "token-foreign-referer",
        "token-null-origin",
        "token-of-another-cookie",
        "forged-token",
    ],
)
async def test_a_forged_import_is_refused(attack: Attack, said: str, sp_start: Start) -> None:
    running = await sp_start()
    before = running.state.tenant.profile()
    session, data, headers = await attack(running)
    try:
        async with session.post(f"{running.base}{IMPORT}", data=data, headers=headers) as got:
            assert got.status == 403
            assert said in await got.text()
    finally:
        if session is not running.flows.session:
            await session.close()
    after = running.state.tenant.profile()
    assert after.certificates == before.certificates
    assert after.issuer_url == before.issuer_url


async def test_a_same_origin_referer_is_accepted(sp_start: Start) -> None:
    running = await sp_start()
    token = await running.csrf_token()
    async with running.flows.session.post(
        f"{running.base}{IMPORT}", data=_upload(token), headers={"Referer": f"{running.base}/admin"}
    ) as response:
        assert response.status == 200


async def test_the_sign_in_form_needs_its_token(sp_start: Start) -> None:
    running = await sp_start()
    login = f"{running.base}/us/login"
    async with (
        aiohttp.ClientSession() as stranger,  # a cross-site form: no cookie, no token
        stranger.post(
            login, data={"email": "B.Simon@contoso.com"}, headers={"Origin": ATTACKER}
        ) as response,
    ):
        assert response.status == 403
    assert len(running.state.requests) == 0
    token = await running.csrf_token("/us/login")
    async with running.flows.session.post(
        login,
        data={"email": "B.Simon@contoso.com", "csrf_token": token},
        headers={"Origin": running.base},
        allow_redirects=False,
    ) as response:
        assert response.status == 302
    assert len(running.state.requests) == 1


async def test_the_csrf_cookie_is_http_only_and_strict(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.get(f"{running.base}/admin") as response:
        cookie = response.cookies["sp_sim_csrf"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # plain http: a Secure cookie would never come back


async def test_over_https_the_csrf_cookie_is_secure(aiohttp_server: Any) -> None:
    app = create_sp_app(load_tenant(DEMO_TENANT), options=ServerOptions())
    server = await aiohttp_server(app, ssl=self_signed_context("127.0.0.1"))
    client = ssl.create_default_context()
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.make_url("/us/login"), ssl=client) as response,
    ):
        assert response.url.scheme == "https"
        assert response.cookies["sp_sim_csrf"]["secure"]


async def test_protocol_endpoints_take_cross_site_posts(sp_start: Start) -> None:
    running = await sp_start()
    form = await running.idp_form()
    async with aiohttp.ClientSession() as idp_page:  # no cookie, the IdP's origin
        async with idp_page.post(
            form.action,
            data=form.fields,
            headers={"Origin": "https://login.microsoftonline.com"},
        ) as response:
            assert response.status == 200
            assert response.headers["X-Sp-Sim-Verdict"] == "works"
        _, xml = build_logout_request(
            running.idp.issuer, f"{running.base}/us/login/saml/logout", "B.Simon@contoso.com", NOW
        )
        async with idp_page.post(
            f"{running.base}/us/login/saml/logout",
            data=post_fields(xml),
            headers={"Origin": "https://login.microsoftonline.com"},
            allow_redirects=False,
        ) as response:
            assert response.status == 302


async def test_the_flow_driver_signs_in_through_the_protected_form(sp_start: Start) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated("B.Simon@contoso.com")
    assert outcome.works, outcome.hops
    assert outcome.hops[:2] == ("GET /us/login 200", "POST /us/login 302")
