"""/results in a real browser (Debian's chromium via Playwright) against `sp-sim serve`: a
sign-in that works and one the fake IdP refuses (a context ticked on /admin: AADSTS75011)
are both listed, the filter form narrows the list to the refusal, and the HAR downloads of
both re-import with `sp-sim evidence` (a subprocess) to the verdicts the pages showed."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sp_sim.serving import sp_sim_process
from tests.helpers.commands import run


@pytest.fixture
def server() -> Iterator[str]:
    """A fresh `sp-sim serve`: the admin edit changes its tenant."""
    with sp_sim_process("serve", "--port", "0") as base:
        yield base


def _download(page: Page, selector: str, folder: Path) -> Path:
    with page.expect_download() as started:
        page.click(selector)
    download = started.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def _evidence(capture: Path, tenant: Path) -> dict[str, Any]:
    done = run("evidence", str(capture), "--tenant", str(tenant), "--format", "json")
    document: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if document["verdict"] == "works" else 1), done.stderr
    return document


def test_a_refusal_is_listed_filtered_and_its_har_reimports(
    browser: Browser, server: str, tmp_path: Path
) -> None:
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{server}/")
    page.click("#idp-initiated")  # the My Apps tile: a sign-in that works
    page.wait_for_selector("text=Pick an account")
    page.click("#signin")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "works"
    page.goto(f"{server}/results")
    page.click("tr.attempt a")
    page.wait_for_selector("#downloads")
    works_har = _download(page, "#download-har", tmp_path)
    case = _download(page, "#download-case", tmp_path)
    with zipfile.ZipFile(case) as bundle:
        (tenant_name,) = [n for n in bundle.namelist() if n.endswith("inputs/tenant.toml")]
        tenant = tmp_path / "tenant.toml"
        tenant.write_bytes(bundle.read(tenant_name))  # the tenant as served before the edit

    page.goto(f"{server}/admin")
    page.check("#p0-use_integrated_authentication_context")
    page.click("#save-0")
    page.wait_for_selector("#message")
    page.goto(f"{server}/us/login")
    page.fill("#email", "B.Simon@contoso.com")
    page.click("#next")
    page.wait_for_selector("text=Pick an account")
    page.click("#signin")
    page.wait_for_selector("#aadsts")
    assert page.inner_text("#aadsts") == "AADSTS75011"

    page.click("text=recent attempts")
    page.wait_for_selector("#filters")
    assert page.locator("tr.refusal").count() == 1
    assert page.locator("tr.attempt").count() == 1
    assert "AADSTS75011" in page.inner_text("tr.refusal")
    assert "refused by IdP" in page.inner_text("tr.refusal")
    page.select_option("#filter-verdict", "refused")
    page.click("#apply-filters")
    page.wait_for_selector("#clear-filters")
    assert "verdict=refused" in page.url
    assert page.locator("tr.attempt").count() == 0
    assert page.locator("tr.refusal").count() == 1
    page.fill("#filter-code", "75011")
    page.click("#apply-filters")
    page.wait_for_selector("#clear-filters")
    assert page.locator("tr.refusal").count() == 1
    page.click("tr.refusal a")
    page.wait_for_selector("#downloads")
    assert page.get_attribute("#verdict", "data-verdict") == "refused"
    refused_har = _download(page, "#download-har", tmp_path)
    assert refused_har.suffix == ".har"

    refused = _evidence(refused_har, tenant)
    assert refused["verdict"] == "fails"  # a refusal is never "works"
    (sign_in,) = refused["sign_ins"]
    assert sign_in["idp_error"]["aadsts"] == "AADSTS75011"
    works = _evidence(works_har, tenant)
    assert works["verdict"] == "works"
