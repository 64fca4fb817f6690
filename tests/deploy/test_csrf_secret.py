"""--csrf-secret: instances given the same one accept each other's forms (a form loaded at A
and posted at B behind a load balancer); without it each process has its own key. The CSRF
cookie is Secure when a trusted proxy says the browser used https."""

from __future__ import annotations

import html
import re
from contextlib import AsyncExitStack

import aiohttp
import pytest

from sp_sim.server.csrf import COOKIE, new_secret
from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import StackConfig, build_stack, create_app
from tests.helpers.commands import serve as _serve

TOKEN = re.compile(r'<input type=hidden name=csrf_token value="([^"]*)"')
SECRET = "a shared secret for the tests"


async def _form_at_a_posted_at_b(secrets: tuple[str | None, str | None]) -> int:
    """The status of a sign-in POST at B carrying the form (and cookie) loaded at A."""
    socks = [listen("127.0.0.1", 0), listen("127.0.0.1", 0)]
    apps = [
        create_app(build_stack(StackConfig(csrf_secret=secret), base_url_of(sock)))
        for secret, sock in zip(secrets, socks, strict=True)
    ]
    a, b = (base_url_of(s) for s in socks)
    async with AsyncExitStack() as stack:
        for app, sock in zip(apps, socks, strict=True):
            await stack.enter_async_context(running(app, sock))
        # Cookies are not bound to a port: the browser sends A's cookie to B, as behind a
        # load balancer that has one origin for both.
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            async with session.get(f"{a}/us/login") as page:
                found = TOKEN.search(await page.text())
                assert found, "the sign-in page has no CSRF field"
                assert COOKIE in page.cookies
            async with session.post(
                f"{b}/us/login",
                data={"email": "b.simon@contoso.com", "csrf_token": html.unescape(found[1])},
                allow_redirects=False,
            ) as answer:
                return answer.status


async def test_a_shared_secret_lets_a_form_from_a_be_posted_at_b() -> None:
    assert await _form_at_a_posted_at_b((SECRET, SECRET)) in {200, 302}


async def test_without_a_shared_secret_each_process_has_its_own() -> None:
    assert await _form_at_a_posted_at_b((None, None)) == 403
    assert await _form_at_a_posted_at_b((SECRET, SECRET + "!")) == 403
    assert new_secret() != new_secret()
    assert new_secret(SECRET) == new_secret(SECRET)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        new_secret("short")


@pytest.mark.parametrize(("trusted", "secure"), [(("127.0.0.1/32",), True), ((), False)])
async def test_the_csrf_cookie_is_secure_when_a_trusted_proxy_says_https(
    trusted: tuple[str, ...], secure: bool
) -> None:
    sock = listen("127.0.0.1", 0)
    stack = build_stack(StackConfig(trusted_proxies=trusted), base_url_of(sock))
    async with (
        running(create_app(stack), sock),
        aiohttp.ClientSession() as session,
        session.get(f"{stack.base_url}/us/login", headers={"X-Forwarded-Proto": "https"}) as page,
    ):
        assert page.status == 200
        morsel = page.cookies[COOKIE]
    assert bool(morsel["secure"]) is secure
    assert morsel["samesite"] == "Strict"


def test_a_short_secret_from_the_environment_is_a_usage_error() -> None:
    result = _serve(SP_SIM_CSRF_SECRET="short")
    assert result.returncode == 2
    assert "--csrf-secret" in result.stderr
    assert "Traceback" not in result.stderr
