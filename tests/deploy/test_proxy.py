"""Behind a real reverse proxy: an aiohttp proxy on loopback terminates TLS (the generated
certificate) and forwards to sp-sim with X-Forwarded-Proto/Host or Forwarded. Trusted
(`trusted_proxies`), the URL the browser used is this SP's ACS URL; untrusted, a Destination
that differs from the ACS URL only in origin is `*.behind-proxy`, not a Reply URL to fix."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from sp_sim.core.bindings import read_autopost
from sp_sim.server.tls import self_signed_context
from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import StackConfig, build_stack, create_app

HEADERS = {
    "x-forwarded": lambda host: {"X-Forwarded-Proto": "https", "X-Forwarded-Host": host},
    "forwarded": lambda host: {"Forwarded": f'for=127.0.0.1;proto=https;host="{host}"'},
}


@asynccontextmanager
async def tls_proxy(upstream: str, style: str) -> AsyncIterator[str]:
    """An https reverse proxy to `upstream`, forwarding its headers in `style`."""
    sock = listen("127.0.0.1", 0)
    public = base_url_of(sock, tls=True)
    host = public.removeprefix("https://")

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host"}}
        headers.update(HEADERS[style](host))
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                f"{upstream}{request.rel_url}",
                data=await request.read(),
                headers=headers,
                allow_redirects=False,
            ) as answer,
        ):
            kept = {
                k: v
                for k, v in answer.headers.items()
                if k.lower() not in {"content-length", "transfer-encoding", "content-encoding"}
            }
            return web.Response(status=answer.status, body=await answer.read(), headers=kept)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    async with running(app, sock, self_signed_context("127.0.0.1")):
        yield public


async def _judged_through_proxy(style: str, trusted: tuple[str, ...]) -> set[str]:
    sock = listen("127.0.0.1", 0)
    config = StackConfig(local_urls=True, trusted_proxies=trusted)
    stack = build_stack(config, base_url_of(sock))
    idp = stack.idp
    assert idp is not None
    async with running(create_app(stack), sock), tls_proxy(stack.base_url, style) as public:
        # Entra's Reply URL is the proxy's URL, as a user behind a proxy would set it.
        wanted = f"{public}/us/login/saml"
        client = ssl.create_default_context()
        client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
        connector = aiohttp.TCPConnector(ssl=client)
        async with aiohttp.ClientSession(connector=connector) as session:
            launch = f"{stack.base_url}/idp/{idp.tenant_id}/myapps/{idp.apps[0].app_id}"
            params = [
                ("user", "b.simon@contoso.com"),
                ("fault", f"wrong-destination={wanted}"),
                ("fault", f"wrong-recipient={wanted}"),
            ]
            async with session.get(launch, params=params) as page:
                form = await page.text()
            posted = read_autopost(form)
            assert posted is not None
            async with session.post(
                wanted, data=posted.fields, headers={"Accept": "application/json"}
            ) as answer:
                assert answer.status == 200
                report = (await answer.json())["report"]
    return {f["code"] for f in report["findings"] if f["status"] != "pass"} | {
        f["code"] for f in report["findings"] if f["code"].startswith(("destination", "recipient"))
    }


@pytest.mark.parametrize("style", sorted(HEADERS))
async def test_a_trusted_proxy_gives_the_url_served(style: str) -> None:
    codes = await _judged_through_proxy(style, ("127.0.0.1/32",))
    assert {"destination.match", "recipient.match"} <= codes
    assert not codes & {"destination.mismatch", "destination.behind-proxy"}


@pytest.mark.parametrize("style", sorted(HEADERS))
async def test_an_untrusted_proxy_is_named_not_the_reply_url(style: str) -> None:
    codes = await _judged_through_proxy(style, ())
    assert {"destination.behind-proxy", "recipient.behind-proxy"} <= codes
    assert "destination.mismatch" not in codes
