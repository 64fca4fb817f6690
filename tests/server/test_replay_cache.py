"""The stores never forget an unexpired entry: the replay cache keeps each assertion ID until
the assertion stops being valid, and a full store answers HTTP 503 instead of evicting.
Real signed responses from the fake IdP, posted over loopback; the server's clock is a list
the test moves."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from sp_sim.core.bindings import AutoPost
from sp_sim.flows import FlowOutcome
from sp_sim.idp.tokens import issue_response
from sp_sim.server.state import ServerOptions
from tests.helpers import NOW
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
# The fake IdP's bearer window is 5 minutes; with 5 minutes of skew an assertion minted at
# NOW is valid until NOW + 10 minutes.
VALID_FOR = timedelta(minutes=10)


async def _post(running: Running, form: AutoPost) -> FlowOutcome:
    return await running.flows.post_response(form)


async def test_a_full_replay_cache_refuses_instead_of_forgetting(sp_start: Start) -> None:
    now = [NOW]
    running = await sp_start(
        options=ServerOptions(store_limit=3, session_ttl=timedelta(minutes=5)),
        clock=lambda: now[0],
    )
    accepted = [await running.idp_form() for _ in range(3)]
    for form in accepted:
        assert (await _post(running, form)).works
    fourth = await running.idp_form()

    refused = await _post(running, fourth)  # JSON by Accept
    assert refused.status == 503
    assert refused.report is None
    assert "the replay cache holds 3 assertions that are still valid; limit 3" in refused.page
    async with running.flows.session.post(fourth.action, data=fourth.fields) as response:
        assert response.status == 503
        assert response.content_type == "text/html"
        assert response.headers["Retry-After"] == str(int(VALID_FOR.total_seconds()))
        assert "limit 3" in await response.text()
    assert len(running.state.attempts) == 3  # a refused request is not an attempt

    replay = await _post(running, accepted[0])  # the oldest is still remembered
    assert not replay.works
    assert "replay.replayed" in replay.codes("fail")

    now[0] = NOW + VALID_FOR + timedelta(seconds=1)
    assert len(running.state.used_assertions) == 0  # expired with their assertions
    assert (await _post(running, await running.idp_form())).works


async def test_an_assertion_id_is_kept_until_the_assertion_expires(sp_start: Start) -> None:
    now = [NOW]
    running = await sp_start(
        options=ServerOptions(replay_ttl=timedelta(minutes=1)), clock=lambda: now[0]
    )
    form = await running.idp_form()
    first = await _post(running, form)
    assert first.works
    assert first.report is not None
    assert first.report.valid_until == "2026-06-01T12:10:00.000Z"

    now[0] = NOW + timedelta(minutes=2)  # past replay_ttl, inside the assertion's validity
    replay = await _post(running, form)
    assert "replay.replayed" in replay.codes("fail")

    now[0] = NOW + VALID_FOR
    assert len(running.state.used_assertions) == 0
    late = await _post(running, form)  # forgotten, but no longer valid either
    assert not late.works
    assert "replay.replayed" not in late.codes("fail")
    assert any(code.startswith("time.") for code in late.codes("fail"))


async def test_a_full_session_store_accepts_nothing(sp_start: Start) -> None:
    now = [NOW]
    running = await sp_start(options=ServerOptions(store_limit=2), clock=lambda: now[0])
    for _ in range(2):
        assert (await _post(running, await running.idp_form())).works
    now[0] = NOW + VALID_FOR  # the replay cache is empty; the two sessions last 8 hours
    form = await running.idp_form()
    refused = await _post(running, form)
    assert refused.status == 503
    assert "the session store holds 2 sessions that have not expired; limit 2" in refused.page
    assert len(running.state.used_assertions) == 0  # room is asked before anything is kept

    now[0] = NOW + timedelta(hours=8, minutes=1)
    assert (await _post(running, await running.idp_form())).works


async def test_a_full_request_store_answers_503_on_sign_in(sp_start: Start) -> None:
    now = [NOW]
    running = await sp_start(options=ServerOptions(store_limit=2), clock=lambda: now[0])
    token = await running.csrf_token("/us/login")

    async def sign_in() -> tuple[int, str]:
        async with running.flows.session.post(
            f"{running.base}/us/login",
            data={"email": USER, "csrf_token": token},
            allow_redirects=False,
        ) as response:
            return response.status, await response.text()

    assert (await sign_in())[0] == 302
    assert (await sign_in())[0] == 302
    status, page = await sign_in()
    assert status == 503
    assert "the outstanding-request store holds 2 AuthnRequests" in page
    assert "limit 2" in page
    assert len(running.state.requests) == 2  # neither earlier request was forgotten

    now[0] = NOW + timedelta(minutes=11)  # both requests expired
    assert (await sign_in())[0] == 302


async def test_one_assertion_posted_at_once_many_times_works_once(sp_start: Start) -> None:
    running = await sp_start()
    form = await running.idp_form()
    outcomes = await asyncio.gather(*[_post(running, form) for _ in range(8)])
    assert sum(o.works for o in outcomes) == 1
    assert all("replay.replayed" in o.codes("fail") for o in outcomes if not o.works)
    assert len(running.state.sessions) == 1


async def test_two_answers_to_one_request_at_once_work_once(sp_start: Start) -> None:
    running = await sp_start()
    token = await running.csrf_token("/us/login")
    async with running.flows.session.post(
        f"{running.base}/us/login",
        data={"email": USER, "csrf_token": token},
        allow_redirects=False,
    ) as response:
        assert response.status == 302
    (request_id,) = list(running.state.requests)
    idp = running.idp
    user = idp.user(USER)
    assert user is not None
    answers = [
        issue_response(idp, idp.apps[0], user, NOW, in_response_to=request_id) for _ in range(2)
    ]
    forms = [
        AutoPost(f"{running.base}/us/login/saml", {"SAMLResponse": base64.b64encode(xml).decode()})
        for xml in answers
    ]
    outcomes = await asyncio.gather(*[_post(running, form) for form in forms])
    assert sorted(o.works for o in outcomes) == [False, True]
    (loser,) = [o for o in outcomes if not o.works]
    assert "subject.unknown-request" in loser.codes("fail")
    assert len(running.state.requests) == 0
