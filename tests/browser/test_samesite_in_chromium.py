"""SameSite cookie loss, in Debian's chromium: the fake IdP served under another host name
(`--idp-hostname localhost` while the browser uses 127.0.0.1, two different sites), so its
auto-post form is a cross-site POST to the ACS, as Entra's is to Mimecast's.

The pre-login cookie set `SameSite=Lax` is dropped by the browser on that POST: the answer
to an outstanding request comes without it and is reported as cookie loss, not as an
unsolicited response. Set `SameSite=None; Secure` (the default) it comes, and the sign-in
works. Chromium treats loopback as a secure origin, so a `Secure` cookie is kept over
plain HTTP there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from sp_sim.serving import sp_sim_process

# (the fake IdP's host name, the pre-login cookie's mode, the verdict chromium reaches)
CASES = [
    ("localhost", "lax", "fails"),  # cross-site: the Lax cookie is dropped
    ("localhost", "none", "works"),  # cross-site: SameSite=None; Secure comes
    (None, "lax", "works"),  # same site: Lax is enough
]


@pytest.fixture(scope="module", params=CASES, ids=[f"{h or 'same-site'}-{m}" for h, m, _ in CASES])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str, str, str]]:
    """(IdP host, mode, expected verdict, base URL) of a running `sp-sim serve`."""
    idp_hostname, mode, verdict = request.param
    args = ["serve", "--port", "0", "--prelogin-cookie", mode]
    if idp_hostname:
        args += ["--idp-hostname", idp_hostname]
    with sp_sim_process(*args) as base:
        assert "127.0.0.1" in base
        yield idp_hostname, mode, verdict, base


def test_the_cross_site_post_keeps_only_a_samesite_none_cookie(
    browser: Browser, served: tuple[str | None, str, str, str]
) -> None:
    idp_hostname, _mode, expected, base = served
    page = browser.new_page()
    page.goto(f"{base}/us/login")
    page.fill("#email", "B.Simon@contoso.com")
    page.click("#next")
    page.wait_for_selector("text=Pick an account")
    idp_origin = "http://localhost:" if idp_hostname else "http://127.0.0.1:"
    assert page.url.startswith(idp_origin), page.url
    page.click("#signin")
    page.wait_for_selector("#verdict")
    verdict = page.get_attribute("#verdict", "data-verdict")
    rows = page.locator("tr.finding")
    codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    assert verdict == expected, codes[:3]
    if expected == "fails":
        assert codes[0] == "subject.cookie-lost"
        row = page.locator('tr.finding[data-code="subject.cookie-lost"]').inner_text()
        assert "SameSite=None; Secure" in row
        assert "subject.unknown-request" not in codes
    else:
        assert "subject.sp-initiated" in codes
    page.close()
