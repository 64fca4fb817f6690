"""The result page's XML view in a real browser (Debian's chromium via Playwright) against
`sp-sim serve`: a failing finding's link highlights the very attribute its location names;
a wrapping attack's unsigned assertion is marked and explained; SKIPPED badges stay on one
line; a collapsed certificate opens on a click."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from sp_sim.serving import sp_sim_process

USER = "B.Simon@contoso.com"
_LAUNCH = re.compile(r'id=idp-initiated href="([^"]+)"')
HIGHLIGHT = "rgb(255, 243, 176)"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with sp_sim_process("serve", "--port", "0") as base:
        yield base


def _result(browser: Browser, server: str, fault: str) -> Page:
    with urllib.request.urlopen(f"{server}/", timeout=10) as response:
        found = _LAUNCH.search(response.read().decode())
    assert found is not None
    page = browser.new_page()
    page.goto(f"{server}{found.group(1)}?user={USER}&fault={fault}")
    page.wait_for_selector("#verdict")
    return page


def test_a_failing_findings_link_highlights_the_attribute_it_read(
    browser: Browser, server: str
) -> None:
    page = _result(browser, server, "expired")
    assert page.get_attribute("#verdict", "data-verdict") == "fails"
    link = page.locator('tr[data-code="time.expired"] a.locate')
    location = link.get_attribute("data-location")
    assert location == "/Response/Assertion/Conditions/@NotOnOrAfter"
    anchor = (link.get_attribute("href") or "").removeprefix("#")
    assert page.evaluate("document.querySelector(':target')") is None
    link.click()
    page.wait_for_function(f"location.hash === '#{anchor}'")
    targeted = page.evaluate(
        """() => {
            const t = document.querySelector(':target');
            let tag = t.previousElementSibling;
            while (tag && !tag.classList.contains('t')) tag = tag.previousElementSibling;
            return {id: t.id, text: t.textContent, owner: tag && tag.textContent,
                    background: getComputedStyle(t).backgroundColor};
        }"""
    )
    assert targeted["id"] == anchor
    assert targeted["text"].startswith('NotOnOrAfter="')
    assert targeted["owner"] == "Conditions"  # the element the location names
    assert targeted["background"] == HIGHLIGHT
    # an element location highlights the whole element
    audience = page.locator('tr[data-code^="audience."] a.locate').first
    audience.click()
    element = page.locator(":target")
    assert element.get_attribute("data-path") == (
        "/Response/Assertion/Conditions/AudienceRestriction/Audience"
    )
    assert element.evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT


def test_skipped_badges_stay_on_one_line_and_blobs_open(browser: Browser, server: str) -> None:
    page = _result(browser, server, "xsw3")
    badge = page.locator(".badge.skipped").first
    assert badge.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    box = badge.bounding_box()
    assert box is not None
    assert box["height"] < 24  # one line of 12px text
    certificate = page.locator("details.blob").last
    assert not certificate.evaluate("e => e.open")
    certificate.locator("summary").click()
    assert certificate.evaluate("e => e.open")


def test_a_wrapping_attacks_unsigned_assertion_is_marked(browser: Browser, server: str) -> None:
    page = _result(browser, server, "xsw3")
    assert page.get_attribute("#verdict", "data-verdict") == "fails"
    assert page.locator("span.signed").count() == 0  # nothing verified: nothing green
    notes = page.inner_text("#xml-notes")
    assert "No verified signature covers any part of this message." in notes
    assert "Assertion 1 of 2" in notes
    assert "the one the signature at /Response/Assertion[2]/Signature references is" in notes
    marked = page.locator("span.unsigned", has_text="this Assertion is not covered")
    assert marked.count() == 2
    assert marked.first.is_visible()
