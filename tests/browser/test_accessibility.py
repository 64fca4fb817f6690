"""Accessibility basics of the main pages, checked by axe-core (Deque's engine, every rule
it runs by default: WCAG 2 A/AA and best practices) in Debian's chromium, against
`sp-sim serve`: no critical and no serious violation, on any page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from sp_sim.serving import sp_sim_process
from sp_sim.stack import DEMO_TENANT
from tests.helpers.axe import blocking, violations

USER = "B.Simon@contoso.com"


def assert_accessible(page: Page) -> None:
    assert blocking(violations(page)) == [], page.url


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with sp_sim_process("serve", "--port", "0") as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page()
    yield opened
    opened.close()


@pytest.mark.parametrize("path", ["/", "/us/login", "/results", "/check", "/admin"])
def test_a_page_has_no_serious_violation(page: Page, server: str, path: str) -> None:
    page.goto(f"{server}{path}")
    assert_accessible(page)


def _to_the_picker(page: Page, server: str) -> None:
    page.goto(f"{server}/us/login")
    page.fill("#email", USER)
    with page.expect_navigation():
        page.click("#next")
    page.wait_for_selector("#fault")


@pytest.mark.parametrize("fault", ["", "unsigned"])
def test_the_picker_and_the_result_of_a_sign_in(page: Page, server: str, fault: str) -> None:
    _to_the_picker(page, server)
    assert_accessible(page)
    page.select_option("#fault", fault)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == ("fails" if fault else "works")
    assert_accessible(page)
    page.goto(f"{server}/results")  # now with rows
    assert_accessible(page)


def test_the_check_page_with_typed_settings_and_its_result(page: Page, server: str) -> None:
    page.goto(f"{server}/check")
    page.check("#against-typed")
    page.fill("#typed-clock_skew", "99999")
    page.fill("#message", "<samlp:Response/>")
    with page.expect_navigation():
        page.click("#check")
    page.wait_for_selector("#problem")
    assert_accessible(page)  # the form again, saying what is wrong
    page.fill("#typed-clock_skew", "300")
    with page.expect_navigation():
        page.click("#check")
    page.wait_for_selector("#verdict")
    assert_accessible(page)


def test_the_aadsts_page(page: Page) -> None:
    with sp_sim_process("serve", "--port", "0") as server:  # its own: the tenant changes
        page.goto(f"{server}/admin")
        page.check("#p0-use_integrated_authentication_context")
        with page.expect_navigation():
            page.click("#save-0")
        _to_the_picker(page, server)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.wait_for_selector("#aadsts")
        assert page.inner_text("#aadsts") == "AADSTS75011"
        assert_accessible(page)


def test_the_external_idp_notice(page: Page) -> None:
    with sp_sim_process(
        "serve", "--port", "0", "--config", str(DEMO_TENANT), "--external-idp"
    ) as s:
        for path in ("/", "/us/login"):
            page.goto(f"{s}{path}")
            page.wait_for_selector("#external-idp")
            assert_accessible(page)
