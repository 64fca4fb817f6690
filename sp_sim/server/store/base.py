"""What every state store offers: one small, asynchronous interface over the simulator's
security state, so that several instances can share it (`redis`) or one keeps it in its
own memory (`memory`, the default).

The ACS reads before it checks and claims after: `known` answers "which of these request
IDs are outstanding, which of these assertion IDs were used?" (the worker's snapshot), and
`claim` records an accepted assertion atomically: its ID is claimed once (`SET NX PX` on
Redis), the request it answers is taken, its session kept, or nothing changes at all. A
claim that loses means another post of the same response won: the response is judged again
and fails as a replay.

Errors: `StoreFull` (`memory`: a store full of unexpired entries) and `StoreUnavailable`
(`redis`: the server cannot be reached). The app answers both with HTTP 503.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sp_sim.core.model import Report
from sp_sim.errors import SpSimError


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


class StoreUnavailable(SpSimError):
    """The shared store `store` (its URL without a password) cannot be reached now."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"the state store {store} cannot be reached ({reason})")
        self.store, self.reason = store, reason


@dataclass(frozen=True)
class SentRequest:
    """An AuthnRequest this SP sent and awaits an answer to."""

    request_id: str
    region: str
    profile: str
    email: str


@dataclass(frozen=True)
class Session:
    """A signed-in user, for single logout."""

    email: str
    name_id: str
    profile: str
    region: str
    session_index: str | None = None


@dataclass(frozen=True)
class Captured:
    """One HTTP request as it arrived, and (when kept) the answer: what a browser capture
    would show of it, for the HAR and SAML-tracer downloads (`sp_sim.server.downloads`).
    Bounded by the caller: the body is kept only up to `sp_sim.server.captures.BODY_KEPT`."""

    at: datetime
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    """The form body as posted (URL-encoded text); None for a GET or a body not kept."""
    status: int = 200
    answer_headers: tuple[tuple[str, str], ...] = ()
    answer: str = ""
    """The answer's text when it tells something (an AADSTS error page); else empty."""
    answer_type: str = "text/html"


@dataclass(frozen=True)
class Attempt:
    """One POST to /login/saml and what the engine made of it; `exchanges`: what the
    browser sent, in order (the AuthnRequest when this server sent it, then the POST)."""

    attempt_id: str
    at: datetime
    region: str
    via: Via
    report: Report
    relay_state: str | None
    exchanges: tuple[Captured, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """The fake IdP answered a sign-in with an AADSTS error page instead of a response:
    no message reached the ACS, so there is no report (and never a "works")."""

    refusal_id: str
    at: datetime
    code: str
    """The AADSTS code, e.g. AADSTS50105."""
    message: str
    initiated_by: str
    """SP or IdP."""
    user: str | None
    exchanges: tuple[Captured, ...] = ()

    @property
    def verdict(self) -> str:
        return "refused by IdP"


@dataclass(frozen=True)
class Known:
    """What the store knew when a response was read: the outstanding request IDs and the
    used assertion IDs among those asked about (the memory store answers with all)."""

    outstanding: Collection[str]
    seen: Collection[str]


class Claim(StrEnum):
    """How `Store.claim` ended."""

    WON = "won"
    """Recorded: the assertion is used, the request taken, the session kept."""
    REPLAYED = "replayed"
    """The assertion ID was claimed first by another post: nothing changed."""
    ANSWERED = "answered"
    """The request was answered meanwhile by another response: nothing changed."""


class Store(Protocol):
    """The state the simulator keeps between requests. `name` says which store, for the
    503 page and `/healthz` (never a password)."""

    name: str
    asks_about_ids: bool
    """Whether `known` answers only about the IDs it is given (Redis), so the caller must
    find them in the message first; the memory store answers with everything it holds."""

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    async def add_request(self, sent: SentRequest) -> None:
        """Keep an outstanding AuthnRequest until `request_ttl`; StoreFull when full."""

    async def known(self, request_ids: Iterable[str], assertion_ids: Iterable[str]) -> Known:
        """Which of `request_ids` are outstanding, which of `assertion_ids` were used."""

    async def claim(
        self,
        assertion_id: str | None,
        until: datetime | None,
        request_id: str | None,
        session: tuple[str, Session] | None,
    ) -> Claim:
        """Atomically: the assertion ID used until `until` (None: `replay_ttl`), the request
        taken, the session kept; or nothing, when another claim came first."""

    async def session(self, key: str) -> Session | None: ...

    async def sessions_list(self) -> list[tuple[str, Session]]:
        """Every unexpired session with its key."""

    async def end_session(self, key: str) -> Session | None: ...

    async def add_logout(self, request_id: str, session_key: str) -> None:
        """Keep a LogoutRequest sent for the session `session_key`; StoreFull when full."""

    async def pending_logouts(self) -> frozenset[str]:
        """The LogoutRequest IDs still awaiting an answer."""

    async def take_logout(self, request_id: str) -> str | None:
        """The session key the LogoutRequest was sent for, once; None when not awaited."""

    async def add_attempt(self, attempt: Attempt, kept: int) -> None:
        """Remember an attempt among the last `kept`."""

    async def attempt(self, attempt_id: str) -> Attempt | None: ...

    async def recent_attempts(self) -> list[Attempt]:
        """The recent attempts, oldest first."""

    async def add_refusal(self, refusal: Refusal, kept: int) -> None:
        """Remember an IdP refusal among the last `kept` (a list of their own)."""

    async def refusal(self, refusal_id: str) -> Refusal | None: ...

    async def recent_refusals(self) -> list[Refusal]:
        """The recent refusals, oldest first."""

    async def close(self) -> None: ...
