"""The check page /check on a real simulator: paste or upload → the ACS's result page,
nothing recorded or consumed, the POST CSRF-protected."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import aiohttp
import pytest
from yarl import URL

from sp_sim.core.bindings import Binding
from sp_sim.core.model import Status
from sp_sim.server.state import ServerOptions
from sp_sim.support.capture import to_har
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"


async def _post(running: Running, **fields: str | bytes) -> tuple[int, str, str]:
    token = await running.csrf_token("/check")
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    for name, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename=f"{name}.json")
        else:
            form.add_field(name, value)
    async with running.flows.session.post(f"{running.base}/check", data=form) as response:
        return response.status, response.headers.get("X-Sp-Sim-Verdict", ""), await response.text()


async def test_pasted_form_body_shows_the_result_page_and_consumes_nothing(
    sp_start: Start,
) -> None:
    running = await sp_start()
    body = urlencode((await running.idp_form(USER)).fields)
    for _ in range(2):  # the same response twice: no replay cache used up
        status, verdict, text = await _post(running, message=body)
        assert (status, verdict) == (200, "works")
        assert 'data-verdict="works"' in text
        assert "nothing recorded" in text
    assert list(running.state.attempts) == []


async def test_pasted_base64_later_fails(sp_start: Start) -> None:
    running = await sp_start()
    response = (await running.idp_form(USER)).fields["SAMLResponse"]
    _, verdict, text = await _post(running, message=response, at="2030-01-01T00:00:00Z")
    assert verdict == "fails"
    assert 'data-verdict="fails"' in text


async def test_uploaded_har_is_judged_at_capture_time_against_its_request(
    sp_start: Start,
) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    har = json.dumps(to_har(running.flows.recorder)).encode()
    _, verdict, text = await _post(running, capture=har)
    assert verdict == "works", text
    _, verdict, _ = await _post(running, capture=har, request_id="_another")
    assert verdict == "fails"


async def test_hostile_paste_is_escaped(sp_start: Start) -> None:
    running = await sp_start()
    status, verdict, text = await _post(running, message="<script>alert(1)</script>")
    assert (status, verdict) == (200, "fails")
    assert "<script>alert" not in text
    assert "&lt;</span><span class=t>script</span>" in text  # drawn as XML, escaped


@pytest.mark.parametrize(
    "fields",
    [{"message": ""}, {"message": "x", "at": "yesterday"}, {"capture": b"{}"}],
)
async def test_unusable_input_is_the_form_again_with_a_400(
    sp_start: Start, fields: dict[str, str | bytes]
) -> None:
    running = await sp_start()
    status, _, text = await _post(running, **fields)
    assert status == 400
    assert "id=problem" in text
    assert "csrf_token" in text


async def test_a_post_without_the_form_token_is_refused(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.post(
        f"{running.base}/check", data={"message": "<x/>"}
    ) as response:
        assert response.status == 403


@pytest.mark.parametrize("binding", list(Binding))
async def test_the_typed_email_reaches_the_idp_as_login_hint(
    sp_start: Start, binding: Binding
) -> None:
    running = await sp_start(options=ServerOptions(binding=binding))
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    to_idp = next(e for e in running.flows.recorder.exchanges if "/idp/" in e.url)
    assert URL(to_idp.url).query.get("login_hint") == USER
    picker = to_idp.response_text
    assert f'value="{running.idp.users[0].upn}" checked' in picker  # B.Simon's UPN
    assert "id=login-hint" in picker


async def test_the_picker_selects_the_hinted_account(sp_start: Start) -> None:
    running = await sp_start()
    first, other = running.idp.users[0].upn, running.idp.users[1].upn
    token = await running.csrf_token("/us/login")
    async with running.flows.session.post(
        f"{running.base}/us/login",
        data={"email": USER, "csrf_token": token},
        allow_redirects=False,
    ) as sent:
        location = URL(sent.headers["Location"], encoded=True)
    hinted = location.update_query(login_hint=other)
    async with running.flows.session.get(hinted) as picker:
        text = await picker.text()
    assert f'value="{other}" checked' in text
    assert f'value="{first}" checked' not in text


async def test_the_aadsts_page_explains_and_links_back(sp_start: Start) -> None:
    running = await sp_start()
    running.change_idp_app(assignment_required=True)
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.aadsts == "AADSTS50105"
    assert "id=explanation" in outcome.page
    assert "id=fix" in outcome.page
    assert '<a id=back href="/">' in outcome.page


async def test_results_list_columns_and_empty_state(sp_start: Start) -> None:
    running = await sp_start()
    async with running.flows.session.get(f"{running.base}/results") as empty:
        assert "id=empty" in await empty.text()
    assert (await running.flows.sp_initiated(USER)).works
    failed = await running.flows.idp_initiated(running.launch, USER, ("unsigned",))
    assert not failed.works
    async with running.flows.session.get(f"{running.base}/results") as listed:
        text = await listed.text()
    for column in ("time", "user", "initiated", "verdict", "failing codes"):
        assert f"<th>{column}</th>" in text
    assert "SP-initiated" in text
    assert "IdP-initiated" in text
    assert next(iter(failed.codes(Status.FAIL))) in text
    assert f"{USER} (unverified)" in text or "—" in text
