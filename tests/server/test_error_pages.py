"""Every error answer is a styled page that says what to do and links home (JSON for the
API and for JSON clients), never aiohttp's plain text nor a 500; the fake IdP's faults that
take a value get a value box with its range, and a bad value a page that says how to fix
it. Real servers on loopback."""

from __future__ import annotations

import io
import re

import pytest

from sp_sim.core.bindings import read_autopost
from sp_sim.idp.faults import CLOCK_OFFSET_LIMIT
from sp_sim.server.state import ServerOptions
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
PENDING = re.compile(r'name=pending value="([^"]+)"')


def _styled(page: str) -> None:
    assert "<style>" in page
    assert "What to do: " in page
    assert '<a id=home href="/">' in page


@pytest.mark.parametrize(
    ("method", "path", "status", "says"),
    [
        ("GET", "/no/such/page", 404, "Nothing is served at /no/such/page"),
        ("DELETE", "/results", 405, "does not take DELETE"),
        ("PUT", "/", 405, "does not take PUT"),
        ("GET", "/idp/no/such/page", 404, "/idp/no/such/page"),
    ],
)
async def test_aiohttp_errors_are_styled_pages(
    sp_start: Start, method: str, path: str, status: int, says: str
) -> None:
    running = await sp_start()
    async with running.flows.session.request(
        method, f"{running.base}{path}", headers={"Accept": "text/html"}
    ) as response:
        page = await response.text()
        assert response.status == status
        assert response.content_type == "text/html"
    _styled(page)
    assert says in page
    if status == 405:
        assert "GET" in response.headers["Allow"]


async def test_api_and_json_clients_get_json_errors(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.get(f"{running.base}/api/nope") as response:
        assert response.status == 404
        document = await response.json()
    assert document["error"] == "not-found"
    assert document["todo"]
    async with running.flows.session.get(
        f"{running.base}/nope", headers={"Accept": "application/json"}
    ) as response:
        assert response.status == 404
        assert (await response.json())["error"] == "not-found"


async def test_a_too_large_request_is_a_413_page(sp_start: Start) -> None:
    running = await sp_start()
    body = io.BytesIO(b"SAMLResponse=" + b"A" * (3 * 1024 * 1024))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    url = f"{running.base}/us/login/saml"
    async with running.flows.session.post(url, data=body, headers=headers) as got:
        page = await got.text()
        assert got.status == 413
    _styled(page)
    assert "smaller" in page


async def test_a_full_store_is_a_503_page_with_what_to_do(sp_start: Start) -> None:
    running = await sp_start(options=ServerOptions(store_limit=1))
    token = await running.csrf_token("/us/login")
    form = {"email": USER, "csrf_token": token}
    url = f"{running.base}/us/login"
    async with running.flows.session.post(url, data=form, allow_redirects=False) as first:
        assert first.status == 302
    async with running.flows.session.post(url, data=form, allow_redirects=False) as second:
        page = await second.text()
        assert second.status == 503
    _styled(page)
    assert "send it again after" in page


async def test_an_unreachable_store_is_a_503_page_with_what_to_do(sp_start: Start) -> None:
    running = await sp_start(options=ServerOptions(store="redis://127.0.0.1:9/0"))
    async with running.flows.session.get(f"{running.base}/results") as response:
        page = await response.text()
        assert response.status == 503
    _styled(page)
    assert "is running and reachable" in page


async def _picker(running: Running) -> tuple[str, str]:
    async with running.flows.session.get(f"{running.base}{running.launch}") as response:
        page = await response.text()
        assert response.status == 200
    found = PENDING.search(page)
    assert found is not None
    return page, found.group(1)


async def test_the_account_picker_offers_a_value_box_with_its_range(sp_start: Start) -> None:
    running = await sp_start()
    page, _ = await _picker(running)
    assert "<input id=fault-value name=fault_value" in page
    option = re.search(r"<option value=\"clock-offset\"[^>]*>", page)
    assert option is not None
    assert f'data-min="{-CLOCK_OFFSET_LIMIT}" data-max="{CLOCK_OFFSET_LIMIT}"' in option.group(0)
    assert 'data-required="1"' in option.group(0)
    expired = re.search(r"<option value=\"expired\"[^>]*>", page)
    assert expired is not None
    assert "data-value" not in expired.group(0)  # takes no value
    assert f"from {-CLOCK_OFFSET_LIMIT} to {CLOCK_OFFSET_LIMIT}" in page


async def _choose(running: Running, fault: str, value: str) -> tuple[int, str]:
    _, pending = await _picker(running)
    action = f"{running.base}/idp/{running.idp.tenant_id}/saml2/signin"
    form = {"pending": pending, "user": USER, "fault": fault, "fault_value": value}
    async with running.flows.session.post(action, data=form) as response:
        return response.status, await response.text()


async def test_a_fault_value_from_the_box_is_applied(sp_start: Start) -> None:
    running = await sp_start()
    status, page = await _choose(running, "clock-offset", "3600")
    assert status == 200
    form = read_autopost(page)
    assert form is not None
    outcome = await running.flows.post_response(form)
    assert "time.not-yet-valid" in outcome.codes("fail")


@pytest.mark.parametrize(
    ("fault", "value", "says"),
    [
        ("clock-offset", "soon", "needs a whole number of seconds"),
        ("clock-offset", str(CLOCK_OFFSET_LIMIT + 1), "at most"),
        ("clock-offset", "", "got none"),
        ("expired", "5", "takes no value"),
        ("", "5", "no fault was chosen"),
    ],
)
async def test_a_bad_fault_value_is_a_page_that_says_what_to_do(
    sp_start: Start, fault: str, value: str, says: str
) -> None:
    running = await sp_start()
    status, page = await _choose(running, fault, value)
    assert status == 400
    assert "<style>" in page
    assert says in page
    assert "What to do: " in page
    assert '<a id=home href="/">' in page


async def test_a_bad_fault_in_the_query_is_a_page_that_says_what_to_do(sp_start: Start) -> None:
    running = await sp_start()
    url = f"{running.base}{running.launch}?user={USER}&fault=clock-offset=soon"
    async with running.flows.session.get(url) as response:
        page = await response.text()
        assert response.status == 400
        assert response.content_type == "text/html"
    assert "This fault cannot be used" in page
    assert "What to do: " in page


async def test_an_expired_sign_in_says_what_to_do(sp_start: Start) -> None:
    running = await sp_start()
    action = f"{running.base}/idp/{running.idp.tenant_id}/saml2/signin"
    async with running.flows.session.post(action, data={"pending": "gone"}) as response:
        page = await response.text()
        assert response.status == 400
    assert "This sign-in has expired." in page
    assert "What to do: start again" in page
