"""A real browser (Debian's chromium, headless, driven by Playwright) clicks through
`sp-sim serve`'s demo: sign-in page → fake Entra ID → result page; once succeeding, once
with a fault that must fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from sp_sim.serving import sp_sim_process


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """`sp-sim serve` itself, on a free port."""
    with sp_sim_process("serve", "--port", "0") as base:
        yield base


def _sign_in(page: Page, demo_url: str, fault: str | None) -> None:
    page.goto(f"{demo_url}/us/login")
    page.fill("#email", "B.Simon@contoso.com")
    page.click("#next")
    page.wait_for_selector("text=Pick an account")
    if fault:
        page.select_option("#fault", fault)
    page.click("#signin")
    page.wait_for_selector("#verdict")


def test_sp_initiated_sign_in_succeeds(browser: Browser, demo_url: str, tmp_path: Path) -> None:
    page = browser.new_page()
    _sign_in(page, demo_url, fault=None)
    assert page.get_attribute("#verdict", "data-verdict") == "works"
    assert page.inner_text("#user") == "B.Simon@contoso.com"
    assert page.locator("tr.finding.pass").count() > 10
    assert page.locator("span.signed").count() == 1
    page.screenshot(path=str(tmp_path / "works.png"), full_page=True)
    page.close()


def test_a_fault_fails_with_the_check_that_caught_it(browser: Browser, demo_url: str) -> None:
    page = browser.new_page()
    _sign_in(page, demo_url, fault="wrong-audience")
    assert page.get_attribute("#verdict", "data-verdict") == "fails"
    first = page.locator("tr.finding").first
    assert first.get_attribute("data-code") == "audience.mismatch"
    assert "Identifier (Entity ID)" in first.inner_text()
    page.close()


def test_idp_initiated_from_the_home_page(browser: Browser, demo_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{demo_url}/")
    page.click("#idp-initiated")
    page.wait_for_selector("text=Pick an account")
    page.click("#signin")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "works"
    assert "IdP-initiated" in page.inner_text("#verdict")  # render.text.initiated spelling
    page.close()
