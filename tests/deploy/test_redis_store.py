"""The Redis store against a real redis-server, and two simulators sharing it: a replay at
B of an assertion accepted at A is refused, a race of posts lets one through, and Redis
stopped mid-run is a 503 naming the store, then recovery."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp

from sp_sim.flows import FlowDriver
from sp_sim.server.store import Claim, SentRequest, Session
from sp_sim.server.store.redis import RedisStore
from tests.helpers.redis import RedisServer, two_instances

TTL = {
    "request_ttl": timedelta(minutes=10),
    "replay_ttl": timedelta(hours=2),
    "session_ttl": timedelta(hours=8),
}


def _store(redis: RedisServer) -> RedisStore:
    return RedisStore(redis.url, lambda: datetime.now(UTC), **TTL)


async def test_a_claim_is_won_once_however_many_race(deploy_redis: RedisServer) -> None:
    store = _store(deploy_redis)
    request_id, assertion_id = f"_{uuid.uuid4().hex}", f"_{uuid.uuid4().hex}"
    await store.add_request(SentRequest(request_id, "us", "p", "b.simon@contoso.com"))
    assert (await store.known([request_id], [assertion_id])).outstanding == {request_id}
    until = datetime.now(UTC) + timedelta(minutes=5)
    sessions = [(uuid.uuid4().hex, Session("b@c.com", "b@c.com", "p", "us")) for _ in range(20)]
    claims = await asyncio.gather(
        *(store.claim(assertion_id, until, request_id, s) for s in sessions)
    )
    assert claims.count(Claim.WON) == 1
    assert set(claims) == {Claim.WON, Claim.REPLAYED}
    known = await store.known([request_id], [assertion_id])
    assert known.outstanding == frozenset()
    assert known.seen == {assertion_id}
    assert len([k for k, _ in await store.sessions_list() if k in dict(sessions)]) == 1
    await store.close()


async def test_logouts_are_taken_once(deploy_redis: RedisServer) -> None:
    store = _store(deploy_redis)
    request_id = f"_{uuid.uuid4().hex}"
    await store.add_logout(request_id, "session-key")
    assert request_id in await store.pending_logouts()
    assert await store.take_logout(request_id) == "session-key"
    assert await store.take_logout(request_id) is None
    await store.close()


def _last_acs_body(driver: FlowDriver) -> str:
    posts = [e for e in driver.recorder.exchanges if e.url.endswith("/login/saml")]
    assert posts
    assert posts[-1].post_text is not None
    return posts[-1].post_text


async def _post(url: str, body: str) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status, dict(r.headers), await r.text()


async def _status(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status


async def test_two_instances_share_one_redis(deploy_redis: RedisServer) -> None:
    async with two_instances(deploy_redis.url) as (a, b):
        async with FlowDriver(a) as driver:
            outcome = await driver.sp_initiated("b.simon@contoso.com")
            assert outcome.works, outcome.codes()
            body = _last_acs_body(driver)
        status, headers, text = await _post(f"{b}/us/login/saml", body)  # replay at B
        assert status == 200
        assert headers["X-Sp-Sim-Verdict"] == "fails"
        assert '"replay.replayed"' in text
        # the report of A's attempt is readable at B
        assert await _status(f"{b}/results/{outcome.attempt}.json") == 200
        deploy_redis.stop()
        try:
            status, headers, text = await _post(f"{b}/us/login/saml", body)
            assert status == 503
            assert deploy_redis.url in text
            assert await _status(f"{a}/healthz") == 503
        finally:
            deploy_redis.start()
        async with FlowDriver(b) as driver:  # recovered
            assert (await driver.sp_initiated("b.simon@contoso.com")).works
