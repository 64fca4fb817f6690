"""Import from a Metadata URL reads the whole body (however it is split on the wire), within
a size limit and a total timeout, follows redirects only on the same host, and words
network failures without echoing addresses or library internals. A real aiohttp server on
loopback stands in for the IdP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from sp_sim.errors import SpSimError
from sp_sim.idp.config import load_idp
from sp_sim.idp.metadata import federation_metadata
from sp_sim.server.metadata import MAX_METADATA_BYTES, ImportFailed, fetch_metadata
from sp_sim.server.tls import self_signed_context
from tests.helpers.server import Start

IDP = load_idp()
METADATA = federation_metadata(IDP, "https://login.example/tenant/saml2")
IMPORT = "/admin/profiles/Entra ID SSO/import"
Serve = Callable[..., Awaitable[URL]]


async def _split(request: web.Request) -> web.StreamResponse:
    """The metadata in two writes 50 ms apart: two TCP segments, as real IdPs send it."""
    response = web.StreamResponse(headers={"Content-Type": "application/samlmetadata+xml"})
    await response.prepare(request)
    middle = len(METADATA) // 2
    await response.write(METADATA[:middle])
    await asyncio.sleep(0.05)
    await response.write(METADATA[middle:])
    await response.write_eof()
    return response


async def _streamed_too_much(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()  # chunked: no Content-Length to refuse up front
    await response.prepare(request)
    for _ in range(MAX_METADATA_BYTES // 65536 + 2):
        await response.write(b" " * 65536)
    await response.write_eof()
    return response


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(body=METADATA)


def _redirect(to: Callable[[web.Request], str]) -> Callable[[web.Request], Awaitable[Any]]:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound(to(request))

    return handler


@pytest.fixture
async def metadata_host(aiohttp_server: Any) -> Serve:
    """serve(**server kwargs) → the base URL of a fake metadata host on 127.0.0.1."""

    async def serve(**kwargs: Any) -> URL:
        app = web.Application()
        app.router.add_get("/split", _split)
        app.router.add_get("/sized", _sized)
        app.router.add_get("/streamed", _streamed_too_much)
        app.router.add_get("/slow", _slow)
        app.router.add_get("/hop1", _redirect(lambda r: "/hop2"))
        app.router.add_get("/hop2", _redirect(lambda r: f"http://{r.host}/split"))
        app.router.add_get("/loop", _redirect(lambda r: "/loop"))
        app.router.add_get("/away", _redirect(lambda r: f"http://localhost:{r.url.port}/split"))
        app.router.add_get("/other-port", _redirect(lambda r: "http://127.0.0.1:1/split"))
        app.router.add_get("/missing", _missing)
        server = await aiohttp_server(app, **kwargs)
        return URL(str(server.make_url("/")))

    return serve


async def _sized(request: web.Request) -> web.Response:
    return web.Response(body=b" " * (MAX_METADATA_BYTES + 1))


async def _missing(request: web.Request) -> web.Response:
    return web.Response(status=404)


async def test_import_reads_metadata_sent_in_two_writes(
    metadata_host: Serve, sp_start: Start
) -> None:
    url = str((await metadata_host()).with_path("/split"))
    running = await sp_start()
    token = await running.csrf_token()
    for _ in range(5):
        async with running.flows.session.post(
            f"{running.base}{IMPORT}", data={"url": url, "csrf_token": token}
        ) as response:
            assert response.status == 200, await response.text()
        assert running.state.tenant.profile().issuer_url == IDP.issuer


async def test_same_host_redirects_are_followed(metadata_host: Serve) -> None:
    base = await metadata_host()
    assert await fetch_metadata(str(base.with_path("/hop1"))) == METADATA


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/away", "redirects away from 127.0.0.1"),
        ("/other-port", "redirects away from 127.0.0.1"),
        ("/loop", "redirected more than 5 times"),
        ("/sized", f"sent more than {MAX_METADATA_BYTES:,} bytes"),
        ("/streamed", f"sent more than {MAX_METADATA_BYTES:,} bytes"),
        ("/missing", "answered HTTP 404"),
    ],
)
async def test_fetch_refusals_say_why(path: str, said: str, metadata_host: Serve) -> None:
    url = str((await metadata_host()).with_path(path))
    with pytest.raises(ImportFailed) as refused:
        await fetch_metadata(url)
    assert said in str(refused.value)
    assert url in str(refused.value)  # named as given


async def test_a_redirect_to_another_host_is_not_followed(aiohttp_server: Any) -> None:
    hits: list[str] = []

    async def other(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=METADATA)

    app = web.Application()
    app.router.add_get("/split", other)
    target = await aiohttp_server(app, host="localhost")

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(target.make_url("/split")))

    redirector = web.Application()
    redirector.router.add_get("/", away)
    source = await aiohttp_server(redirector)
    with pytest.raises(ImportFailed, match="redirects away"):
        await fetch_metadata(str(source.make_url("/")))
    assert hits == []  # not even asked


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_gets_a_clean_message() -> None:
    url = f"http://localhost:{_closed_port()}/federationmetadata.xml"
    with pytest.raises(ImportFailed) as refused:
        await fetch_metadata(url)
    message = str(refused.value)
    assert message == f"cannot fetch {url}: cannot connect to the metadata host"
    for leak in ("127.0.0.1", "::1", "Errno", "Connect call", "aiohttp", "ssl:"):
        assert leak not in message


async def test_a_slow_host_times_out(metadata_host: Serve) -> None:
    url = str((await metadata_host()).with_path("/slow"))
    with pytest.raises(ImportFailed) as refused:
        await fetch_metadata(url, timeout=0.2)
    assert str(refused.value) == f"cannot fetch {url}: timed out after 0.2 s"


async def test_an_untrusted_certificate_is_named(metadata_host: Serve) -> None:
    base = await metadata_host(ssl=self_signed_context("127.0.0.1"))
    assert base.scheme == "https"
    with pytest.raises(ImportFailed, match="TLS certificate could not be verified"):
        await fetch_metadata(str(base.with_path("/split")))


@pytest.mark.parametrize("url", ["ftp://x/metadata", "http://", "metadata.xml", "http://[::1"])
async def test_a_url_that_is_not_http_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(ImportFailed, match="not an http"):
        await fetch_metadata(url)


async def test_an_import_failure_is_an_sp_sim_error_and_a_value_error() -> None:
    """One exception tree: the CLI maps SpSimError to exit 2; older callers catch ValueError."""
    for base in (SpSimError, ValueError):
        with pytest.raises(base):
            await fetch_metadata("ftp://x/metadata")
