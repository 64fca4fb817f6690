"""The workbench in a real browser (Debian's chromium via Playwright) against `sp-sim serve`:
paste a response on /check → its verdict; tick a context checkbox on /admin → the next
sign-in fails with AADSTS75011 and the error page explains it; the typed email reaches the
IdP as `login_hint`."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser

from sp_sim.core.bindings import read_autopost
from sp_sim.serving import sp_sim_process

USER = "B.Simon@contoso.com"
_LAUNCH = re.compile(r'id=idp-initiated href="([^"]+)"')


@pytest.fixture
def server() -> Iterator[str]:
    """A fresh `sp-sim serve` per test: the admin edit changes its tenant."""
    with sp_sim_process("serve", "--port", "0") as base:
        yield base


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def _signed_response(base: str) -> str:
    """A fresh SAMLResponse from the fake IdP's My Apps tile, not posted anywhere."""
    found = _LAUNCH.search(_get(f"{base}/"))
    assert found is not None
    form = read_autopost(_get(f"{base}{found.group(1)}?user={USER}"))
    assert form is not None
    return form.fields["SAMLResponse"]


def test_paste_a_response_and_see_its_verdict(browser: Browser, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/check")
    page.fill("#message", _signed_response(server))
    page.click("#check")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "works"
    page.go_back()
    page.fill("#message", "<samlp:Response/>")
    page.click("#check")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "fails"


def test_a_ticked_context_fails_the_next_sign_in(browser: Browser, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/admin")
    page.check("#p0-use_integrated_authentication_context")
    page.click("#save-0")
    page.wait_for_selector("#message")
    assert "Saved" in page.inner_text("#message")
    assert page.is_checked("#p0-use_integrated_authentication_context")
    page.goto(f"{server}/us/login")
    page.fill("#email", USER)
    page.click("#next")
    page.wait_for_selector("text=Pick an account")
    page.click("#signin")
    page.wait_for_selector("#aadsts")
    assert page.inner_text("#aadsts") == "AADSTS75011"
    assert "Integrated Authentication Context" in page.inner_text("#fix")
    page.click("#back")
    page.wait_for_selector("#sign-in")


def test_the_typed_email_reaches_the_idp_as_login_hint(browser: Browser, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/us/login")
    page.fill("#email", USER)
    page.click("#next")
    page.wait_for_selector("text=Pick an account")
    assert parse_qs(urlsplit(page.url).query)["login_hint"] == [USER]
    assert USER.lower() in page.inner_text("#login-hint").lower()
    checked = page.locator("input[name=user]:checked")
    assert checked.count() == 1
    page.click("#signin")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "works"
