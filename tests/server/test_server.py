"""The simulator's own behaviour: result pages and JSON, outstanding requests and replay,
metadata import and SP metadata, single logout, TLS, and bad input of any kind."""

from __future__ import annotations

import asyncio
import base64
import io
import ssl
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from lxml import etree

from sp_sim.core import load_certificates
from sp_sim.core.bindings import AutoPost, read_autopost, redirect_query
from sp_sim.core.metadata import parse_idp_metadata
from sp_sim.idp.config import load_idp
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.tokens import issue_response
from sp_sim.server.app import create_sp_app
from sp_sim.server.authn_request import build_logout_request
from sp_sim.server.state import ExpiringStore, ServerOptions, StoreFull
from sp_sim.server.tls import self_signed_context
from sp_sim.tenant import load_tenant
from tests.helpers import FIXTURES, NOW
from tests.helpers.server import DEMO_TENANT, Running, Start

USER = "B.Simon@contoso.com"
MULTIPART = {"Content-Type": "multipart/form-data; boundary=z"}


async def _idp_form(running: Running, faults: tuple[str, ...] = ()) -> AutoPost:
    """What the fake IdP would POST for an IdP-initiated sign-in, without posting it."""
    query = "&".join([f"user={USER}", *(f"fault={f}" for f in faults)])
    async with running.flows.session.get(f"{running.base}{running.launch}?{query}") as got:
        form = read_autopost(await got.text())
    assert form is not None
    return form


async def test_result_page_shows_verdict_checks_and_the_signed_xml(sp_start: Start) -> None:
    running = await sp_start()
    form = await _idp_form(running)
    async with running.flows.session.post(form.action, data=form.fields) as response:
        page = await response.text()
        assert response.headers["X-Sp-Sim-Verdict"] == "works"
        report_url = response.headers["X-Sp-Sim-Report"]
    assert 'data-verdict="works"' in page
    assert "B.Simon@contoso.com" in page
    assert 'data-code="signature.valid"' in page
    assert "<span class=signed>" in page  # the signed Assertion is marked
    async with running.flows.session.get(f"{running.base}{report_url}") as response:
        document = await response.json()
    assert document["report"]["verdict"] == "works"
    attempt = document["attempt"]
    async with running.flows.session.get(
        f"{running.base}/results/{attempt}", headers={"Accept": "application/json"}
    ) as response:
        assert (await response.json())["attempt"] == attempt
    async with running.flows.session.get(f"{running.base}/results") as response:
        assert attempt in await response.text()
    async with running.flows.session.get(f"{running.base}/results/nope") as response:
        assert response.status == 404


async def test_failing_result_page_lists_failures_first(sp_start: Start) -> None:
    running = await sp_start()
    form = await _idp_form(running, ("wrong-audience",))
    async with running.flows.session.post(form.action, data=form.fields) as response:
        page = await response.text()
    assert 'data-verdict="fails"' in page
    first = page.index('class="finding ')
    assert page[first:].startswith('class="finding fail"')


async def test_unknown_and_consumed_requests(sp_start: Start) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER, faults=("wrong-in-response-to",))
    assert "subject.unknown-request" in outcome.codes("fail")
    assert len(running.state.requests) == 1  # the real request is still outstanding
    ok = await running.flows.sp_initiated(USER)
    assert ok.works
    assert len(running.state.requests) == 1  # answered: consumed; the other one remains


async def test_requests_expire(sp_start: Start) -> None:
    now = [NOW]
    running = await sp_start(clock=lambda: now[0])
    token = await running.csrf_token("/us/login")
    async with running.flows.session.post(
        f"{running.base}/us/login",
        data={"email": USER, "csrf_token": token},
        allow_redirects=False,
    ) as response:
        location = response.headers["Location"]
    now[0] = NOW + timedelta(minutes=11)
    # carry on the same flow eleven minutes later: the request has expired
    outcome = await running.flows.continue_at(location, USER)
    assert "subject.unknown-request" in outcome.codes("fail")


async def test_replayed_response_is_refused(sp_start: Start) -> None:
    running = await sp_start()
    form = await _idp_form(running)
    first = await running.flows.post_response(form)
    second = await running.flows.post_response(form)
    assert first.works
    assert "replay.replayed" in second.codes("fail")


async def test_metadata_import_from_the_fake_idp_url(sp_start: Start) -> None:
    running = await sp_start()
    url = (
        f"{running.base}/idp/{running.idp.tenant_id}/federationmetadata/2007-06/"
        f"federationmetadata.xml"
    )
    token = await running.csrf_token()
    async with running.flows.session.post(
        f"{running.base}/admin/profiles/Entra ID SSO/import",
        data={"url": url, "csrf_token": token},
    ) as response:
        assert response.status == 200, await response.text()
    profile = running.state.tenant.profile()
    assert profile.metadata_url == url
    assert profile.issuer_url == running.idp.issuer


async def test_metadata_import_from_a_file(sp_start: Start) -> None:
    running = await sp_start()
    data = aiohttp.FormData()
    data.add_field("csrf_token", await running.csrf_token())
    data.add_field(
        "metadata",
        (FIXTURES / "entra-captures" / "federationmetadata-2f277f1e.xml").read_bytes(),
        filename="federationmetadata.xml",
    )
    async with running.flows.session.post(
        f"{running.base}/admin/profiles/Entra ID SSO/import", data=data
    ) as response:
        assert response.status == 200
    assert running.state.tenant.profile().issuer_url == (
        "https://sts.windows.net/2f277f1e-e5f1-4f62-b595-79c2d13afda4/"
    )
    async with running.flows.session.get(f"{running.base}/admin") as response:
        assert "2f277f1e" in await response.text()


@pytest.mark.parametrize(
    "fields", [{"url": "ftp://x"}, {"url": "http://127.0.0.1:9/none"}, {"url": ""}, {}]
)
async def test_metadata_import_errors_say_why(fields: dict[str, str], sp_start: Start) -> None:
    running = await sp_start()
    fields = {**fields, "csrf_token": await running.csrf_token()}
    async with running.flows.session.post(
        f"{running.base}/admin/profiles/Entra ID SSO/import", data=fields
    ) as response:
        assert response.status == 400
        assert "Import failed" in await response.text()
    async with running.flows.session.post(
        f"{running.base}/admin/profiles/nope/import", data=fields
    ) as response:
        assert response.status == 404


async def test_sp_metadata_per_region_and_account(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.get(f"{running.base}/us/sso/CUSA1A1") as response:
        root = etree.fromstring(await response.read())
    assert root.get("entityID") == "https://us-api.mimecast.com/sso/CUSA1A1"
    acs = root.find(".//{urn:oasis:names:tc:SAML:2.0:metadata}AssertionConsumerService")
    assert acs is not None
    assert acs.get("Location") == "https://us-api.mimecast.com/login/saml"
    async with running.flows.session.get(f"{running.base}/eu/sso/CUSA1A1/metadata.xml") as got:
        assert got.status == 404


async def test_single_logout_both_ways(sp_start: Start) -> None:
    running = await sp_start()
    assert (await running.flows.sp_initiated(USER)).works
    async with running.flows.session.get(f"{running.base}/us/logout") as response:
        assert "is signed out" in await response.text(), response.url
    async with running.flows.session.get(f"{running.base}/us/logout") as response:
        assert response.status == 400  # the session is gone
    _, xml = build_logout_request(
        running.idp.issuer, f"{running.base}/us/login/saml/logout", USER, NOW
    )
    async with running.flows.session.get(
        f"{running.base}/us/login/saml/logout?{redirect_query(xml)}", allow_redirects=False
    ) as response:
        assert response.status == 302
        assert "SAMLResponse=" in response.headers["Location"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"SAMLResponse=",
        b"SAMLResponse=%%%",
        b"garbage" * 100,
        b"\x00\xff" * 500,
        b"SAMLResponse="
        + base64.b64encode(b"<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><r>&x;</r>"),
        b"SAMLResponse=" + base64.b64encode(b"A" * 400_000),
    ],
)
async def test_hostile_posts_get_a_result_page(body: bytes, sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.post(
        f"{running.base}/us/login/saml",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        assert response.status == 200
        assert response.headers["X-Sp-Sim-Verdict"] == "fails"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/us/login/saml", {"data": io.BytesIO(b"x" * (3 * 1024 * 1024))}),
        ("GET", "/us/login/saml", {}),
        ("POST", "/us/login", {"data": {"email": ""}}),
        ("POST", "/us/login", {"data": {"email": "x@unknown.example"}}),
        (
            "POST",
            "/us/login",
            {"data": b"\xff\xfe", "headers": {"Content-Type": "multipart/form-data; boundary=z"}},
        ),
        ("GET", "/us/login/saml/logout?SAMLResponse=%%%", {}),
        ("GET", "/us/login/saml/logout?SAMLRequest=bm90IHhtbA==", {}),
        ("GET", "/us/login/saml/logout", {}),
        (
            "POST",
            "/admin/profiles/Entra%20ID%20SSO/import",
            {"data": b"\x00", "headers": {"Content-Type": "multipart/form-data; boundary=q"}},
        ),
        ("GET", "/us/sso/CUSA1A1/../../etc/passwd", {}),
    ],
)
async def test_bad_requests_never_get_a_500(
    method: str, path: str, kwargs: dict[str, Any], sp_start: Start
) -> None:
    running = await sp_start()
    token = await running.csrf_token()  # the form fields carry it; a raw body cannot: 403
    if isinstance(kwargs.get("data"), dict):
        kwargs = {**kwargs, "data": {**kwargs["data"], "csrf_token": token}}
    async with running.flows.session.request(method, f"{running.base}{path}", **kwargs) as response:
        assert response.status in (200, 400, 403, 404, 413), await response.text()
        assert "Traceback" not in await response.text()


async def test_checking_does_not_block_the_event_loop(sp_start: Start) -> None:
    running = await sp_start()
    form = await _idp_form(running)

    async def post() -> None:
        await running.flows.post_response(form)

    async def ping() -> int:
        async with running.flows.session.get(f"{running.base}/") as response:
            return response.status

    results = await asyncio.gather(*[post() for _ in range(10)], ping())
    assert results[-1] == 200


async def test_tls_with_a_generated_certificate() -> None:
    app = create_sp_app(load_tenant(DEMO_TENANT), options=ServerOptions())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self_signed_context("127.0.0.1"))
    await site.start()
    port = runner.addresses[0][1]
    try:
        client_context = ssl.create_default_context()
        client_context.check_hostname = False
        client_context.verify_mode = ssl.CERT_NONE
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"https://127.0.0.1:{port}/us/login", ssl=client_context) as response,
        ):
            assert response.status == 200
            assert response.url.scheme == "https"
    finally:
        await runner.cleanup()


def test_expiring_store_is_bounded_and_expires() -> None:
    now = [NOW]
    store: ExpiringStore[int] = ExpiringStore(lambda: now[0], timedelta(minutes=1), limit=3)
    for i in range(3):
        store.put(f"k{i}", i)
    with pytest.raises(StoreFull):  # full of unexpired entries: refuses, forgets none
        store.put("k3", 3)
    assert list(store) == ["k0", "k1", "k2"]
    store.put("k1", 10)  # replacing a key needs no room
    now[0] += timedelta(minutes=2)
    assert len(store) == 0
    assert "k2" not in store
    store.put("k3", 3)


def test_idp_metadata_and_tokens_round_trip() -> None:
    idp = load_idp()
    token = issue_response(idp, idp.apps[0], idp.users[0], NOW)
    assert token.startswith(b"<samlp:Response")
    assert load_certificates(idp.active_key.certificate.pem.encode())
    metadata = parse_idp_metadata(federation_metadata(idp, "https://idp.example/t/saml2"))
    assert metadata.entity_id == idp.issuer
    assert metadata.login_url == "https://idp.example/t/saml2"
