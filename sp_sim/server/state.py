"""What the simulator remembers between requests: outstanding AuthnRequests, used assertion
IDs, recent results and sessions. Each store is bounded and expires its entries; time is
read from the clock passed in."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from aiohttp import web

from sp_sim.core.model import Report
from sp_sim.tenant import Tenant

Clock = Callable[[], datetime]
V = TypeVar("V")


class ExpiringStore(Generic[V]):
    """A bounded map whose entries expire `ttl` after they were put; oldest dropped first."""

    def __init__(self, clock: Clock, ttl: timedelta, limit: int) -> None:
        self._clock, self._ttl, self._limit = clock, ttl, limit
        self._entries: OrderedDict[str, tuple[datetime, V]] = OrderedDict()

    def put(self, key: str, value: V) -> None:
        self._entries[key] = (self._clock() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def _purge(self) -> None:
        now = self._clock()
        while self._entries:
            key, (expires, _) = next(iter(self._entries.items()))
            if expires > now:
                break
            del self._entries[key]

    def get(self, key: str) -> V | None:
        self._purge()
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def pop(self, key: str) -> V | None:
        self._purge()
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[1]

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
    via: str
    report: Report
    relay_state: str | None


@dataclass(frozen=True)
class Session:
    """A signed-in user, for single logout."""

    email: str
    name_id: str
    profile: str
    region: str


@dataclass(frozen=True)
class ServerOptions:
    """How the simulator presents itself."""

    local_urls: bool = False
    binding: str = "redirect"
    request_ttl: timedelta = timedelta(minutes=10)
    replay_ttl: timedelta = timedelta(hours=2)
    store_limit: int = 10_000
    results_kept: int = 200


@dataclass
class ServerState:
    """Everything the handlers share; `tenant` changes when metadata is imported."""

    tenant: Tenant
    options: ServerOptions
    clock: Clock
    base_url: str = ""
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
        limit = self.options.store_limit
        self.requests = ExpiringStore(self.clock, self.options.request_ttl, limit)
        self.used_assertions = ExpiringStore(self.clock, self.options.replay_ttl, limit)
        self.logouts = ExpiringStore(self.clock, self.options.request_ttl, limit)
        self.sessions = ExpiringStore(self.clock, timedelta(hours=8), limit)

    def record(self, region: str, via: str, report: Report, relay_state: str | None) -> Attempt:
        attempt = Attempt(uuid.uuid4().hex[:12], self.clock(), region, via, report, relay_state)
        self.attempts[attempt.attempt_id] = attempt
        while len(self.attempts) > self.options.results_kept:
            self.attempts.popitem(last=False)
        return attempt


SERVER = web.AppKey("sp_sim_server", ServerState)
REGION = web.AppKey("sp_sim_region", str)
VIA = web.AppKey("sp_sim_via", str)


def server_state(request: web.Request) -> ServerState:
    return request.config_dict[SERVER]


def region_of(request: web.Request) -> str:
    """The region whose sub-app (by Host header or path prefix) is serving this request."""
    return request.config_dict[REGION]
