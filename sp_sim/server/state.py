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
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from aiohttp import web

from sp_sim.core.bindings import Binding
from sp_sim.core.model import Report
from sp_sim.server import captures
from sp_sim.server.captures import SENT_KEPT
from sp_sim.server.store import (
    Attempt,
    Captured,
    ExpiringStore,
    MemoryStore,
    Refusal,
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
    "Captured",
    "Clock",
    "ExpiringStore",
    "Refusal",
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
V = TypeVar("V")


class PreloginCookie(StrEnum):
    """How the sign-in page binds an AuthnRequest to the browser that started it (a cookie
    the ACS asks back, `sp_sim.server.prelogin`): `none` sets it `SameSite=None; Secure`, as
    an SP that takes the IdP's cross-site POST must; `lax` sets it `SameSite=Lax`, which that
    POST drops; `off` sets none and asks for none."""

    NONE = "none"
    LAX = "lax"
    OFF = "off"


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
    prelogin_cookie: PreloginCookie = PreloginCookie.NONE
    """The pre-login cookie's SameSite (`PreloginCookie`)."""
    idp_hostname: str | None = None
    """The host name the mounted fake IdP's URLs use instead of the server's (same scheme
    and port), so that the IdP is another site than the simulator; None: the server's."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "binding", Binding(self.binding))  # "post" works too
        object.__setattr__(self, "prelogin_cookie", PreloginCookie(self.prelogin_cookie))


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
    refusals: OrderedDict[str, Refusal] = field(default_factory=OrderedDict)
    """The mounted IdP's refusals this instance heard of (all of them, in memory)."""
    sent: OrderedDict[str, Captured] = field(default_factory=OrderedDict)
    """The AuthnRequests this instance sent, by ID, for the attempt that answers one
    (`captures.SENT_KEPT`; kept in this process only, whatever the store)."""

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
            self.refusals = self.store.refusals
        else:
            self.attempts = OrderedDict()
            self.refusals = OrderedDict()
        self.sent = OrderedDict()

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
        self,
        region: str,
        via: Via,
        report: Report,
        relay_state: str | None,
        posted: Captured | None = None,
    ) -> Attempt:
        """Remember an attempt here and in the store, with what the browser sent (`posted`,
        after the AuthnRequest it answers when this instance sent that). A shared store
        that cannot take it costs only the shared results list: the assertion was already
        claimed."""
        answered = report.in_response_to or captures.named_request(report.xml)
        exchanges = () if posted is None else (*self._sent_for(answered), posted)
        attempt = Attempt(
            uuid.uuid4().hex[:12], self.clock(), region, via, report, relay_state, exchanges
        )
        kept = self.options.results_kept
        if not isinstance(self.store, MemoryStore):
            _bounded(self.attempts, attempt.attempt_id, attempt, kept)
        try:
            await self.store.add_attempt(attempt, kept)
        except StoreUnavailable as error:
            LOG.warning("attempt %s not shared: %s", attempt.attempt_id, error)
        return attempt

    def remember_sent(self, request_id: str, sent: Captured) -> None:
        """The AuthnRequest `request_id` as the browser was sent on with it."""
        _bounded(self.sent, request_id, sent, SENT_KEPT)

    def _sent_for(self, request_id: str | None) -> tuple[Captured, ...]:
        sent = self.sent.get(request_id) if request_id else None
        return () if sent is None else (sent,)

    async def record_refusal(
        self,
        at: datetime,
        code: str,
        message: str,
        initiated_by: str,
        user: str | None,
        refused: Captured,
        request_id: str | None = None,
    ) -> Refusal:
        """List the mounted IdP's refusal of a sign-in among the results, with the
        AuthnRequest before it when the refused request did not carry it itself. A shared
        store that cannot take it is logged: the refusal page is shown all the same."""
        carried = "SAMLRequest=" in refused.url or "SAMLRequest=" in (refused.body or "")
        before = () if carried else self._sent_for(request_id)
        refusal = Refusal(
            uuid.uuid4().hex[:12], at, code, message, initiated_by, user, (*before, refused)
        )
        kept = self.options.results_kept
        if not isinstance(self.store, MemoryStore):
            _bounded(self.refusals, refusal.refusal_id, refusal, kept)
        try:
            await self.store.add_refusal(refusal, kept)
        except StoreUnavailable as error:
            LOG.warning("refusal %s not shared: %s", refusal.refusal_id, error)
        return refusal


def _bounded(kept: OrderedDict[str, V], key: str, value: V, limit: int) -> None:
    kept[key] = value
    while len(kept) > limit:
        kept.popitem(last=False)


SERVER = web.AppKey("sp_sim_server", ServerState)
REGION = web.AppKey("sp_sim_region", str)
VIA = web.AppKey("sp_sim_via", Via)


def server_state(request: web.Request) -> ServerState:
    return request.config_dict[SERVER]


def region_of(request: web.Request) -> str:
    """The region whose sub-app (by Host header or path prefix) is serving this request."""
    return request.config_dict[REGION]
