"""The shared store: the simulator's state in Redis (redis-py's asyncio client), so that
several instances behind a load balancer answer as one SP.

Keys (prefix `sp-sim:`): `req:<ID>` an outstanding AuthnRequest, `used:<ID>` an accepted
assertion ID, `sess:<key>` a session, `logout:<ID>` a pending LogoutRequest, `attempt:<id>`
and the list `attempts`, `refusal:<id>` and the list `refusals` (the fake IdP's AADSTS
answers; both keep what the browser sent, as JSON, for a day). Each key expires with its
entry (`PX`), so Redis forgets an assertion ID only when the assertion stops being valid.
`claim` runs as one Lua script: the assertion ID is set with `SET NX PX` (claimed once,
however many instances race), the request deleted and the session set, or nothing at all.
The count limit of the memory store does not apply: Redis's own `maxmemory` bounds it, and
its policy must be `noeviction` (an evicting Redis would forget still-valid assertions; it
refuses writes instead, which is the same 503 here).

Every Redis error (refused, timed out, out of memory) is raised as `StoreUnavailable`,
answered with HTTP 503; the client reconnects by itself when Redis is back.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from sp_sim.core.model import Report
from sp_sim.server.store.base import (
    Attempt,
    Captured,
    Claim,
    Known,
    Refusal,
    SentRequest,
    Session,
    StoreUnavailable,
    Via,
)

PREFIX = "sp-sim:"
_KEPT_FOR = 86_400
"""Seconds an attempt or refusal is kept (the lists keep only the last `results_kept`)."""
_CLAIM = """
if KEYS[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then return 'replayed' end
if KEYS[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 0 then return 'answered' end
if KEYS[1] ~= '' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return 'replayed'
end
if KEYS[2] ~= '' then redis.call('DEL', KEYS[2]) end
if KEYS[3] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) end
return 'won'
"""


def shown_url(url: str) -> str:
    """The store's URL as pages and logs show it: without a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _ms(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() * 1000))


class RedisStore:
    """The `Store` in Redis at `url` (`redis://host:port/db`)."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], datetime],
        *,
        request_ttl: timedelta,
        replay_ttl: timedelta,
        session_ttl: timedelta,
    ) -> None:
        self.name = shown_url(url)
        self.asks_about_ids = True
        self._clock = clock
        self._request_ttl, self._replay_ttl, self._session_ttl = (
            request_ttl,
            replay_ttl,
            session_ttl,
        )
        # Fail fast and say so: a sign-in waiting on a dead Redis helps nobody.
        self._redis: redis.asyncio.Redis = redis.asyncio.Redis.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=2,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self._claim = self._redis.register_script(_CLAIM)

    @contextlib.contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except (redis.exceptions.RedisError, OSError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StoreUnavailable(self.name, reason) from None

    async def ping(self) -> None:
        with self._reachable():
            await self._redis.ping()

    async def add_request(self, sent: SentRequest) -> None:
        with self._reachable():
            key = f"{PREFIX}req:{sent.request_id}"
            await self._redis.set(key, json.dumps(asdict(sent)), px=_ms(self._request_ttl))

    async def known(self, request_ids: Iterable[str], assertion_ids: Iterable[str]) -> Known:
        requests, assertions = sorted(set(request_ids)), sorted(set(assertion_ids))
        with self._reachable():
            async with self._redis.pipeline(transaction=False) as pipe:
                for request_id in requests:
                    pipe.exists(f"{PREFIX}req:{request_id}")
                for assertion_id in assertions:
                    pipe.exists(f"{PREFIX}used:{assertion_id}")
                found = await pipe.execute()
        outstanding = frozenset(r for r, n in zip(requests, found, strict=False) if n)
        used = zip(assertions, found[len(requests) :], strict=True)
        return Known(outstanding, frozenset(a for a, n in used if n))

    async def claim(
        self,
        assertion_id: str | None,
        until: datetime | None,
        request_id: str | None,
        session: tuple[str, Session] | None,
    ) -> Claim:
        lasts = self._replay_ttl if until is None else until - self._clock()
        keys = [
            f"{PREFIX}used:{assertion_id}" if assertion_id else "",
            f"{PREFIX}req:{request_id}" if request_id else "",
            f"{PREFIX}sess:{session[0]}" if session else "",
        ]
        kept = json.dumps(asdict(session[1])) if session else ""
        with self._reachable():
            outcome = await self._claim(keys, [_ms(lasts), kept, _ms(self._session_ttl)])
        return Claim(outcome)

    async def session(self, key: str) -> Session | None:
        with self._reachable():
            found = await self._redis.get(f"{PREFIX}sess:{key}")
        return None if found is None else Session(**json.loads(found))

    async def sessions_list(self) -> list[tuple[str, Session]]:
        with self._reachable():
            keys = [k async for k in self._redis.scan_iter(f"{PREFIX}sess:*", count=500)]
            values = await self._redis.mget(keys) if keys else []
        start = len(f"{PREFIX}sess:")
        return [
            (k[start:], Session(**json.loads(v))) for k, v in zip(keys, values, strict=True) if v
        ]

    async def end_session(self, key: str) -> Session | None:
        with self._reachable():
            found = await self._redis.getdel(f"{PREFIX}sess:{key}")
        return None if found is None else Session(**json.loads(found))

    async def add_logout(self, request_id: str, session_key: str) -> None:
        with self._reachable():
            key = f"{PREFIX}logout:{request_id}"
            await self._redis.set(key, session_key, px=_ms(self._request_ttl))

    async def pending_logouts(self) -> frozenset[str]:
        start = len(f"{PREFIX}logout:")
        with self._reachable():
            pattern = f"{PREFIX}logout:*"
            return frozenset([k[start:] async for k in self._redis.scan_iter(pattern)])

    async def take_logout(self, request_id: str) -> str | None:
        with self._reachable():
            found = await self._redis.getdel(f"{PREFIX}logout:{request_id}")
        return None if found is None else str(found)

    async def add_attempt(self, attempt: Attempt, kept: int) -> None:
        await self._keep("attempt", attempt.attempt_id, _attempt_document(attempt), kept)

    async def attempt(self, attempt_id: str) -> Attempt | None:
        with self._reachable():
            found = await self._redis.get(f"{PREFIX}attempt:{attempt_id}")
        return None if found is None else _attempt_of(json.loads(found))

    async def recent_attempts(self) -> list[Attempt]:
        with self._reachable():
            ids = [str(i) for i in await self._redis.lrange(f"{PREFIX}attempts", 0, -1)]
            found = await self._redis.mget([f"{PREFIX}attempt:{i}" for i in ids]) if ids else []
        return [_attempt_of(json.loads(f)) for f in found if f]

    async def add_refusal(self, refusal: Refusal, kept: int) -> None:
        await self._keep("refusal", refusal.refusal_id, _refusal_document(refusal), kept)

    async def refusal(self, refusal_id: str) -> Refusal | None:
        with self._reachable():
            found = await self._redis.get(f"{PREFIX}refusal:{refusal_id}")
        return None if found is None else _refusal_of(json.loads(found))

    async def recent_refusals(self) -> list[Refusal]:
        with self._reachable():
            ids = [str(i) for i in await self._redis.lrange(f"{PREFIX}refusals", 0, -1)]
            found = await self._redis.mget([f"{PREFIX}refusal:{i}" for i in ids]) if ids else []
        return [_refusal_of(json.loads(f)) for f in found if f]

    async def _keep(self, kind: str, key: str, document: str, kept: int) -> None:
        """`kind:key` for a day, and `key` among the last `kept` of the list `kinds`."""
        with self._reachable():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(f"{PREFIX}{kind}:{key}", document, ex=_KEPT_FOR)
                pipe.rpush(f"{PREFIX}{kind}s", key)
                pipe.ltrim(f"{PREFIX}{kind}s", -kept, -1)
                await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()


def _attempt_document(attempt: Attempt) -> str:
    document: dict[str, Any] = {
        "attempt_id": attempt.attempt_id,
        "at": attempt.at.isoformat(),
        "region": attempt.region,
        "via": str(attempt.via),
        "report": attempt.report.to_dict(),
        "relay_state": attempt.relay_state,
        "exchanges": [_captured_document(c) for c in attempt.exchanges],
    }
    return json.dumps(document)


def _attempt_of(document: dict[str, Any]) -> Attempt:
    return Attempt(
        document["attempt_id"],
        datetime.fromisoformat(document["at"]),
        document["region"],
        Via(document["via"]),
        Report.from_dict(document["report"]),
        document["relay_state"],
        tuple(_captured_of(c) for c in document.get("exchanges", [])),
    )


def _refusal_document(refusal: Refusal) -> str:
    document: dict[str, Any] = {
        "refusal_id": refusal.refusal_id,
        "at": refusal.at.isoformat(),
        "code": refusal.code,
        "message": refusal.message,
        "initiated_by": refusal.initiated_by,
        "user": refusal.user,
        "exchanges": [_captured_document(c) for c in refusal.exchanges],
    }
    return json.dumps(document)


def _refusal_of(document: dict[str, Any]) -> Refusal:
    return Refusal(
        document["refusal_id"],
        datetime.fromisoformat(document["at"]),
        document["code"],
        document["message"],
        document["initiated_by"],
        document["user"],
        tuple(_captured_of(c) for c in document["exchanges"]),
    )


def _captured_document(captured: Captured) -> dict[str, Any]:
    document = asdict(captured)
    document["at"] = captured.at.isoformat()
    return document


def _captured_of(document: dict[str, Any]) -> Captured:
    def pairs(key: str) -> tuple[tuple[str, str], ...]:
        return tuple((str(k), str(v)) for k, v in document[key])

    return Captured(
        datetime.fromisoformat(document["at"]),
        document["method"],
        document["url"],
        pairs("headers"),
        document["body"],
        document["status"],
        pairs("answer_headers"),
        document["answer"],
        document["answer_type"],
    )
