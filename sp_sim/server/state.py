"""What the simulator remembers between requests, behind one interface (`store`):
outstanding AuthnRequests, used assertion IDs, pending logouts, sessions and recent results,
in this process (the default) or in Redis shared by several instances. Time is read from
the clock passed in.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from sp_sim.core.bindings import Binding
from sp_sim.core.model import Report
from sp_sim.server.store import (
    Attempt,
    ExpiringStore,
    MemoryStore,
    SentRequest,
    Session,
    Store,
    StoreFull,
    StoreUnavailable,
    Via,
    open_store,
)
from sp_sim.server.store.memory import Clock
from sp_sim.tenant import Tenant

__all__ = [
    "REGION",
    "SERVER",
    "VIA",
    "Attempt",
    "Clock",
    "ExpiringStore",
    "SentRequest",
    "ServerOptions",
    "ServerState",
    "Session",
    "StoreFull",
    "StoreUnavailable",
    "Via",
    "region_of",
    "server_state",
]

LOG = logging.getLogger("sp_sim.server")


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
    store: str = "memory"
    """Where the state is kept: `memory`, or `redis://host:port/db` shared by instances."""
    trusted_proxies: tuple[str, ...] = ()
    """CIDRs whose Forwarded / X-Forwarded-* headers say the URL this SP really serves."""
    workers: int = 0
    """Processes that run the checks (`sp_sim.server.checking`); 0: a thread, in this one."""
    csrf_secret: str | None = field(default=None, repr=False)
    """The CSRF HMAC key's seed, shared by instances; None: random per process."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "binding", Binding(self.binding))  # "post" works too


@dataclass
class ServerState:
    """Everything the handlers share; `tenant` changes when metadata is imported.

    `base_url` is where the server listens, known before the app is built (the socket is
    bound first). `errors` holds the exceptions handlers raised (the page said only "could
    not process"), oldest first, for the harness to re-raise in the test; `reset` leaves
    them. `store` keeps the security state (`options.store`); with the memory store its
    parts are also reachable here (`requests`, `used_assertions`, `logouts`, `sessions`),
    for tests and embedding."""

    tenant: Tenant
    options: ServerOptions
    clock: Clock
    base_url: str = ""
    errors: list[Exception] = field(default_factory=list)
    store: Store = field(init=False)
    attempts: OrderedDict[str, Attempt] = field(default_factory=OrderedDict)
    """The attempts this instance judged (all of them, with the memory store)."""

    def __post_init__(self) -> None:
        options = self.options
        self.store = open_store(
            options.store,
            self.clock,
            request_ttl=options.request_ttl,
            replay_ttl=options.replay_ttl,
            session_ttl=options.session_ttl,
            limit=options.store_limit,
        )
        self.reset(self.tenant)

    def reset(self, tenant: Tenant) -> None:
        """Serve `tenant` from now on. With the memory store, forget every request,
        assertion, session and attempt (a shared store is left to its own expiry)."""
        self.tenant = tenant
        if isinstance(self.store, MemoryStore):
            options = self.options
            self.store = MemoryStore(
                self.clock,
                request_ttl=options.request_ttl,
                replay_ttl=options.replay_ttl,
                session_ttl=options.session_ttl,
                limit=options.store_limit,
            )
            self.attempts = self.store.attempts
        else:
            self.attempts = OrderedDict()

    @property
    def memory(self) -> MemoryStore:
        """The memory store; TypeError with a shared one."""
        if not isinstance(self.store, MemoryStore):
            raise TypeError(f"the state is in {self.store.name}, not in memory")
        return self.store

    @property
    def requests(self) -> ExpiringStore[SentRequest]:
        return self.memory.requests

    @property
    def used_assertions(self) -> ExpiringStore[bool]:
        return self.memory.used_assertions

    @property
    def logouts(self) -> ExpiringStore[str]:
        return self.memory.logouts

    @property
    def sessions(self) -> ExpiringStore[Session]:
        return self.memory.sessions

    async def record(
        self, region: str, via: Via, report: Report, relay_state: str | None
    ) -> Attempt:
        """Remember an attempt here and in the store. A shared store that cannot take it
        costs only the shared results list: the assertion was already claimed."""
        attempt = Attempt(uuid.uuid4().hex[:12], self.clock(), region, via, report, relay_state)
        kept = self.options.results_kept
        if not isinstance(self.store, MemoryStore):
            self.attempts[attempt.attempt_id] = attempt
            while len(self.attempts) > kept:
                self.attempts.popitem(last=False)
            try:
                await self.store.add_attempt(attempt, kept)
            except StoreUnavailable as error:
                LOG.warning("attempt %s not shared: %s", attempt.attempt_id, error)
            return attempt
        await self.store.add_attempt(attempt, kept)
        return attempt


SERVER = web.AppKey("sp_sim_server", ServerState)
REGION = web.AppKey("sp_sim_region", str)
VIA = web.AppKey("sp_sim_via", Via)


def server_state(request: web.Request) -> ServerState:
    return request.config_dict[SERVER]


def region_of(request: web.Request) -> str:
    """The region whose sub-app (by Host header or path prefix) is serving this request."""
    return request.config_dict[REGION]
