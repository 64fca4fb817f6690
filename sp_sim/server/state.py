"""What the simulator remembers between requests: outstanding AuthnRequests, used assertion
IDs, pending logouts, sessions and recent results. Time is read from the clock passed in.

Every store is bounded, and none forgets an entry before it expires: each entry carries its
own expiry (an assertion ID is kept until the assertion stops being valid), expired entries
are purged, and a store full of unexpired entries refuses a new one with `StoreFull`, which
the server answers with HTTP 503. Forgetting the oldest instead would let a replay of an
older, still-valid assertion through.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from aiohttp import web

from sp_sim.core.bindings import Binding
from sp_sim.core.model import Report
from sp_sim.errors import SpSimError
from sp_sim.tenant import Tenant

Clock = Callable[[], datetime]
V = TypeVar("V")


class Via(StrEnum):
    """How a request reached its region's endpoints."""

    HOST = "host"
    """By Host header (`eu-api.mimecast.com`, through a hosts file or proxy)."""
    PREFIX = "prefix"
    """By path prefix on the local port (`/eu/login/saml`)."""


class StoreFull(SpSimError):
    """A store holds `limit` unexpired entries and may not forget one to take another.

    `retry_after` is how long until its soonest entry expires."""

    def __init__(self, message: str, count: int, limit: int, retry_after: timedelta) -> None:
        super().__init__(message)
        self.count, self.limit, self.retry_after = count, limit, retry_after


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


@dataclass(frozen=True)
class SentRequest:
    """An AuthnRequest this SP sent and awaits an answer to."""

    request_id: str
    region: str
    profile: str
    email: str


@dataclass(frozen=True)
class Attempt:
    """One POST to /login/saml and what the engine made of it."""

    attempt_id: str
    at: datetime
    region: str
    via: Via
    report: Report
    relay_state: str | None


@dataclass(frozen=True)
class Session:
    """A signed-in user, for single logout."""

    email: str
    name_id: str
    profile: str
    region: str
    session_index: str | None = None


@dataclass(frozen=True)
class ServerOptions:
    """How the simulator presents itself."""

    local_urls: bool = False
    binding: Binding = Binding.REDIRECT
    """How the sign-in page sends its AuthnRequest to the profile's Login URL."""
    request_ttl: timedelta = timedelta(minutes=10)
    replay_ttl: timedelta = timedelta(hours=2)
    """How long an assertion ID is kept when the assertion states no NotOnOrAfter."""
    session_ttl: timedelta = timedelta(hours=8)
    store_limit: int = 10_000
    """The most unexpired entries each store holds; a full store answers HTTP 503."""
    results_kept: int = 200

    def __post_init__(self) -> None:
        object.__setattr__(self, "binding", Binding(self.binding))  # "post" works too


@dataclass
class ServerState:
    """Everything the handlers share; `tenant` changes when metadata is imported.

    `base_url` is where the server listens, known before the app is built (the socket is
    bound first). `errors` holds the exceptions handlers raised (the page said only "could
    not process"), oldest first, for the harness to re-raise in the test; `reset` leaves
    them."""

    tenant: Tenant
    options: ServerOptions
    clock: Clock
    base_url: str = ""
    errors: list[Exception] = field(default_factory=list)
    requests: ExpiringStore[SentRequest] = field(init=False)
    used_assertions: ExpiringStore[bool] = field(init=False)
    logouts: ExpiringStore[str] = field(init=False)
    sessions: ExpiringStore[Session] = field(init=False)
    attempts: OrderedDict[str, Attempt] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.reset(self.tenant)

    def reset(self, tenant: Tenant) -> None:
        """Forget every request, assertion, session and attempt; serve `tenant` from now on."""
        self.tenant = tenant
        self.attempts = OrderedDict()
        options, limit = self.options, self.options.store_limit
        self.requests = ExpiringStore(
            self.clock,
            options.request_ttl,
            limit,
            "the outstanding-request store holds {count} AuthnRequests that still await an "
            "answer; limit {limit}",
        )
        self.used_assertions = ExpiringStore(
            self.clock,
            options.replay_ttl,
            limit,
            "the replay cache holds {count} assertions that are still valid; limit {limit}",
        )
        self.logouts = ExpiringStore(
            self.clock,
            options.request_ttl,
            limit,
            "the logout store holds {count} LogoutRequests that still await an answer; "
            "limit {limit}",
        )
        self.sessions = ExpiringStore(
            self.clock,
            options.session_ttl,
            limit,
            "the session store holds {count} sessions that have not expired; limit {limit}",
        )

    def record(self, region: str, via: Via, report: Report, relay_state: str | None) -> Attempt:
        attempt = Attempt(uuid.uuid4().hex[:12], self.clock(), region, via, report, relay_state)
        self.attempts[attempt.attempt_id] = attempt
        while len(self.attempts) > self.options.results_kept:
            self.attempts.popitem(last=False)
        return attempt


SERVER = web.AppKey("sp_sim_server", ServerState)
REGION = web.AppKey("sp_sim_region", str)
VIA = web.AppKey("sp_sim_via", Via)


def server_state(request: web.Request) -> ServerState:
    return request.config_dict[SERVER]


def region_of(request: web.Request) -> str:
    """The region whose sub-app (by Host header or path prefix) is serving this request."""
    return request.config_dict[REGION]
