"""Screenshots of sp-sim's main pages for the README: a real `sp-sim serve` on a free port,
driven in Debian's chromium through Playwright, PNGs saved under docs/screenshots/.

Run from the repository root: `.venv/bin/python scripts/screenshots.py`
(`--chromium PATH` for another browser binary, `--out DIR` for another folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from sp_sim.serving import sp_sim_process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the browser tests' flags
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
USER = "B.Simon@contoso.com"
VIEWPORT = {"width": 1280, "height": 860}


def sign_in(page: Page, base: str, fault: str = "") -> None:
    """SP-initiated, through the fake IdP's account picker (with `fault` chosen there)."""
    page.goto(f"{base}/us/login")
    page.fill("#email", USER)
    with page.expect_navigation():
        page.click("#next")
    page.wait_for_selector("#fault")
    page.select_option("#fault", fault)
    with page.expect_navigation():
        page.click("button[type=submit]")


def shoot(page: Page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def take(page: Page, base: str, out: Path) -> None:
    page.goto(f"{base}/")
    shoot(page, out, "home")
    page.goto(f"{base}/us/login")
    page.fill("#email", USER)
    shoot(page, out, "sign-in")
    sign_in(page, base)  # one that works, for the list of attempts
    page.wait_for_selector("#verdict")
    sign_in(page, base, "wrong-audience")
    page.wait_for_selector("#verdict")
    shoot(page, out, "result-fails")
    # The XML view's top, with the heading above it.
    page.locator("pre").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("() => window.scrollBy(0, -110)")
    shoot(page, out, "result-xml")
    page.goto(f"{base}/results")
    shoot(page, out, "results")
    page.goto(f"{base}/check")
    shoot(page, out, "check")
    page.goto(f"{base}/admin")
    shoot(page, out, "admin")
    page.check("#p0-use_integrated_authentication_context")  # Entra then refuses: AADSTS75011
    with page.expect_navigation():
        page.click("#save-0")
    sign_in(page, base)
    page.wait_for_selector("#aadsts")
    shoot(page, out, "aadsts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sp_sim_process("serve", "--port", "0") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            print(f"sp-sim at {base}; saving to {args.out}")
            take(page, base, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
