"""Results in a real redis-server: an attempt's capture and an IdP refusal are serialised
and read back whole, and a second simulator sharing the store lists them, filters them
and serves their downloads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp

from sp_sim.core.model import Report
from sp_sim.flows import FlowDriver
from sp_sim.server.store import Attempt, Captured, Refusal, Via
from sp_sim.server.store.redis import RedisStore
from tests.helpers.redis import RedisServer, two_instances

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TTL = {
    "request_ttl": timedelta(minutes=10),
    "replay_ttl": timedelta(hours=2),
    "session_ttl": timedelta(hours=8),
}


async def test_attempts_and_refusals_keep_their_captures(deploy_redis: RedisServer) -> None:
    store = RedisStore(deploy_redis.url, lambda: datetime.now(UTC), **TTL)
    sent = Captured(AT, "GET", "https://idp/saml2?SAMLRequest=x", (("Accept", "*/*"),), None, 0)
    posted = Captured(AT, "POST", "https://us-api.mimecast.com/login/saml", (), "SAMLResponse=y")
    attempt = Attempt(uuid.uuid4().hex[:12], AT, "us", Via.PREFIX, Report(()), None, (sent, posted))
    page = Captured(AT, "POST", "https://idp/saml2/signin", (), "user=a", 400, (), "<html>")
    refusal = Refusal(uuid.uuid4().hex[:12], AT, "AADSTS50105", "blocked", "SP", "a@b.c", (page,))
    await store.add_attempt(attempt, 10)
    await store.add_refusal(refusal, 10)
    assert (await store.attempt(attempt.attempt_id)) == attempt
    assert (await store.refusal(refusal.refusal_id)) == refusal
    assert refusal in await store.recent_refusals()
    for number in range(3):  # the list keeps the last `kept`
        later = Refusal(f"{refusal.refusal_id}-{number}", AT, "AADSTS50034", "", "IdP", None)
        await store.add_refusal(later, 2)
    assert [r.refusal_id[-2:] for r in await store.recent_refusals()] == ["-1", "-2"]
    await store.close()


async def test_a_second_instance_lists_and_downloads_what_the_first_saw(
    deploy_redis: RedisServer,
) -> None:
    async with two_instances(deploy_redis.url) as (a, b):
        async with FlowDriver(a) as driver:
            outcome = await driver.sp_initiated("b.simon@contoso.com")
            assert outcome.works, outcome.codes()
        async with aiohttp.ClientSession() as browser:
            launch = f"{a}/idp/common/myapps/no-such-app?user=b.simon@contoso.com"
            async with browser.get(launch) as answer:
                assert answer.status == 400
                assert "AADSTS700016" in await answer.text()
            async with browser.get(f"{b}/api/results?verdict=refused") as answer:
                listed = (await answer.json())["results"]
            assert {r["verdict"] for r in listed} == {"refused by IdP"}
            assert ("AADSTS700016", "IdP") in {(r["aadsts"], r["initiated_by"]) for r in listed}
            async with browser.get(f"{b}/results/{outcome.attempt}.har") as answer:
                assert answer.status == 200
                entries = json.loads(await answer.text())["log"]["entries"]
            assert [e["request"]["method"] for e in entries] == ["GET", "POST"]
            async with browser.get(f"{b}/results?code=AADSTS700016") as answer:
                assert "AADSTS700016" in await answer.text()
