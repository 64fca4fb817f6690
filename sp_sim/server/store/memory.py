"""The embedded store (the default): the simulator's state in this process's memory.

Every store is bounded, and none forgets an entry before it expires: each entry carries its
own expiry (an assertion ID is kept until the assertion stops being valid), expired entries
are purged, and a store full of unexpired entries refuses a new one with `StoreFull`, which
the server answers with HTTP 503. Forgetting the oldest instead would let a replay of an
older, still-valid assertion through. Every operation runs on the event loop without an
await inside, so each is atomic there.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sp_sim.server.store.base import (
    Attempt,
    Claim,
    Known,
    Refusal,
    SentRequest,
    Session,
    StoreFull,
)

Clock = Callable[[], datetime]
V = TypeVar("V")


class LiveKeys(Collection[str]):
    """The keys of a store unexpired at `at`, read from the store itself when asked, not
    copied: what a check thread reads instead of a snapshot, at no cost per request however
    full the store is. Each read is one dict operation (atomic under the GIL) or a copy of
    the dict taken in one C call, so the event loop may change the store meanwhile; the
    store's claim afterwards, on the loop, is what decides (`Store.claim`)."""

    def __init__(self, entries: dict[str, tuple[datetime, int, Any]], at: datetime) -> None:
        self._entries, self._at = entries, at

    def __contains__(self, key: object) -> bool:
        entry = self._entries.get(key) if isinstance(key, str) else None
        return entry is not None and entry[0] > self._at

    # dict.copy() runs no Python code while it reads; list(d.items()) allocates a tuple per
    # entry, and a garbage collection it triggers can let the loop's thread change the dict.
    def __iter__(self) -> Iterator[str]:
        return iter([k for k, (expiry, _, _) in self._entries.copy().items() if expiry > self._at])

    def __len__(self) -> int:
        return sum(1 for expiry, _, _ in self._entries.copy().values() if expiry > self._at)


class ExpiringStore(Generic[V]):
    """A bounded map whose entries expire at their own instants (`ttl` after `put` unless
    given). A heap orders the expiries; a full store raises StoreFull instead of evicting.

    `full` words the refusal, with `{count}` and `{limit}`."""

    def __init__(
        self,
        clock: Clock,
        ttl: timedelta,
        limit: int,
        full: str = "the store holds {count} entries that have not expired; limit {limit}",
    ) -> None:
        self._clock, self._ttl, self._limit, self._full = clock, ttl, limit, full
        self._entries: dict[str, tuple[datetime, int, V]] = {}
        self._heap: list[tuple[datetime, int, str]] = []
        self._order = itertools.count()

    def put(self, key: str, value: V, expires: datetime | None = None) -> None:
        """Keep `value` under `key` until `expires` (default: now + ttl). Raises StoreFull."""
        self.make_room(key)
        expiry = self._clock() + self._ttl if expires is None else expires
        order = next(self._order)
        self._entries[key] = (expiry, order, value)
        heapq.heappush(self._heap, (expiry, order, key))
        if len(self._heap) > 2 * len(self._entries) + 64:
            self._compact()

    def make_room(self, key: str) -> None:
        """Raise StoreFull unless `put(key, ...)` would succeed now; changes nothing else."""
        self._purge()
        if key in self._entries or len(self._entries) < self._limit:
            return
        soonest = min(expiry for expiry, _, _ in self._entries.values())
        count = len(self._entries)
        raise StoreFull(
            self._full.format(count=f"{count:,}", limit=f"{self._limit:,}"),
            count,
            self._limit,
            max(soonest - self._clock(), timedelta(0)),
        )

    def _compact(self) -> None:
        """Drop the heap's rows for keys since replaced or popped."""
        self._heap = [(e, o, k) for k, (e, o, _) in self._entries.items()]
        heapq.heapify(self._heap)

    def _purge(self) -> None:
        now = self._clock()
        while self._heap and self._heap[0][0] <= now:
            _, order, key = heapq.heappop(self._heap)
            entry = self._entries.get(key)
            if entry is not None and entry[1] == order:
                del self._entries[key]

    def get(self, key: str) -> V | None:
        self._purge()
        entry = self._entries.get(key)
        return None if entry is None else entry[2]

    def pop(self, key: str) -> V | None:
        self._purge()
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[2]

    def live(self) -> LiveKeys:
        """The unexpired keys as a live view (`LiveKeys`): for a check thread."""
        return LiveKeys(self._entries, self._clock())

    def snapshot(self) -> frozenset[str]:
        """The unexpired keys as they are now: what a worker thread may read."""
        self._purge()
        return frozenset(self._entries)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        self._purge()
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        self._purge()
        return iter(list(self._entries))


class MemoryStore:
    """The `Store` in this process: four `ExpiringStore`s, the recent attempts and the
    recent IdP refusals."""

    name = "memory"
    asks_about_ids = False

    def __init__(
        self,
        clock: Clock,
        *,
        request_ttl: timedelta,
        replay_ttl: timedelta,
        session_ttl: timedelta,
        limit: int,
    ) -> None:
        self.requests: ExpiringStore[SentRequest] = ExpiringStore(
            clock,
            request_ttl,
            limit,
            "the outstanding-request store holds {count} AuthnRequests that still await an "
            "answer; limit {limit}",
        )
        self.used_assertions: ExpiringStore[bool] = ExpiringStore(
            clock,
            replay_ttl,
            limit,
            "the replay cache holds {count} assertions that are still valid; limit {limit}",
        )
        self.logouts: ExpiringStore[str] = ExpiringStore(
            clock,
            request_ttl,
            limit,
            "the logout store holds {count} LogoutRequests that still await an answer; "
            "limit {limit}",
        )
        self.sessions: ExpiringStore[Session] = ExpiringStore(
            clock,
            session_ttl,
            limit,
            "the session store holds {count} sessions that have not expired; limit {limit}",
        )
        self.attempts: OrderedDict[str, Attempt] = OrderedDict()
        self.refusals: OrderedDict[str, Refusal] = OrderedDict()

    async def ping(self) -> None:
        return None

    async def add_request(self, sent: SentRequest) -> None:
        self.requests.put(sent.request_id, sent)

    async def known(self, request_ids: Iterable[str], assertion_ids: Iterable[str]) -> Known:
        """Everything, as live views of the stores: nothing is copied per request."""
        return Known(self.requests.live(), self.used_assertions.live())

    async def claim(
        self,
        assertion_id: str | None,
        until: datetime | None,
        request_id: str | None,
        session: tuple[str, Session] | None,
    ) -> Claim:
        if assertion_id and assertion_id in self.used_assertions:
            return Claim.REPLAYED
        if request_id and request_id not in self.requests:
            return Claim.ANSWERED
        # Room first in every store written, so a StoreFull leaves all of them as they were.
        if assertion_id:
            self.used_assertions.make_room(assertion_id)
        if session is not None:
            self.sessions.make_room(session[0])
        if assertion_id:
            self.used_assertions.put(assertion_id, True, until)
        if request_id:
            self.requests.pop(request_id)
        if session is not None:
            self.sessions.put(*session)
        return Claim.WON

    async def session(self, key: str) -> Session | None:
        return self.sessions.get(key)

    async def sessions_list(self) -> list[tuple[str, Session]]:
        found = ((key, self.sessions.get(key)) for key in self.sessions)
        return [(key, session) for key, session in found if session is not None]

    async def end_session(self, key: str) -> Session | None:
        return self.sessions.pop(key)

    async def add_logout(self, request_id: str, session_key: str) -> None:
        self.logouts.put(request_id, session_key)

    async def pending_logouts(self) -> frozenset[str]:
        return self.logouts.snapshot()

    async def take_logout(self, request_id: str) -> str | None:
        return self.logouts.pop(request_id)

    async def add_attempt(self, attempt: Attempt, kept: int) -> None:
        self.attempts[attempt.attempt_id] = attempt
        while len(self.attempts) > kept:
            self.attempts.popitem(last=False)

    async def attempt(self, attempt_id: str) -> Attempt | None:
        return self.attempts.get(attempt_id)

    async def recent_attempts(self) -> list[Attempt]:
        return list(self.attempts.values())

    async def add_refusal(self, refusal: Refusal, kept: int) -> None:
        self.refusals[refusal.refusal_id] = refusal
        while len(self.refusals) > kept:
            self.refusals.popitem(last=False)

    async def refusal(self, refusal_id: str) -> Refusal | None:
        return self.refusals.get(refusal_id)

    async def recent_refusals(self) -> list[Refusal]:
        return list(self.refusals.values())

    async def close(self) -> None:
        return None
