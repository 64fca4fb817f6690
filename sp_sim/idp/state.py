"""What the fake IdP remembers between requests, and the helpers its handlers share.

Pending sign-ins wait for the account picker. Each browser has an IdP session (a cookie,
like Entra's ESTSAUTH) holding the sign-ins it issued tokens for, with NameID and
SessionIndex as issued, for single logout; IdP-initiated LogoutRequests wait for the
app's LogoutResponse. Every map is bounded, oldest dropped first.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from aiohttp import web

from sp_sim.idp import pages
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.idp.requests import AuthnRequest, EntraError

Clock = Callable[[], datetime]
PENDING_LIMIT = 1000
SIGN_INS_PER_SESSION = 20
SESSION_COOKIE = "sp_sim_idp_session"
V = TypeVar("V")


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in waiting for the account picker."""

    app: EnterpriseApp
    acs_url: str
    request: AuthnRequest | None
    relay_state: str | None
    faults: FaultSet


@dataclass(frozen=True)
class SignIn:
    """A token this IdP issued in one browser: to which app, for whom, with which NameID and
    SessionIndex, and the sign-in's faults (its logout gets them too)."""

    app_id: str
    upn: str
    name_id: str
    name_id_format: str
    session_index: str
    faults: FaultSet = field(default_factory=FaultSet)


@dataclass(frozen=True)
class SentLogout:
    """An IdP-initiated LogoutRequest awaiting the app's LogoutResponse."""

    session: str
    sign_in: SignIn


def _bounded_put(store: OrderedDict[str, V], key: str, value: V) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > PENDING_LIMIT:
        store.popitem(last=False)


@dataclass
class IdpState:
    """Everything the handlers share. `faults` apply to every sign-in (the CLI's --fault);
    `deliver` maps an ACS URL to where the browser posts (identity, unless the simulator
    stands in for Mimecast's hosts)."""

    tenant: IdpTenant
    clock: Clock
    faults: FaultSet
    pending: OrderedDict[str, PendingSignIn]
    deliver: Callable[[str], str]
    sessions: OrderedDict[str, tuple[SignIn, ...]] = field(default_factory=OrderedDict)
    logouts: OrderedDict[str, SentLogout] = field(default_factory=OrderedDict)

    def remember(self, pending: PendingSignIn) -> str:
        key = uuid.uuid4().hex
        _bounded_put(self.pending, key, pending)
        return key

    def record_sign_in(self, session: str | None, sign_in: SignIn) -> str:
        """Add a sign-in to the browser's IdP session (a new one when it has none); the key."""
        key = session if session and session in self.sessions else uuid.uuid4().hex
        kept = (*self.sessions.get(key, ()), sign_in)[-SIGN_INS_PER_SESSION:]
        _bounded_put(self.sessions, key, kept)
        return key

    def sign_ins(self, session: str | None) -> tuple[SignIn, ...]:
        return self.sessions.get(session or "", ())

    def forget(self, session: str | None, ended: Callable[[SignIn], bool]) -> int:
        """End the browser's sign-ins that `ended` picks; how many ended."""
        before = self.sign_ins(session)
        kept = tuple(s for s in before if not ended(s))
        if session and session in self.sessions:
            self.sessions[session] = kept
        return len(before) - len(kept)

    def expect_logout(self, request_id: str, sent: SentLogout) -> None:
        _bounded_put(self.logouts, request_id, sent)


IDP_STATE = web.AppKey("idp_state", IdpState)


def idp_state(request: web.Request) -> IdpState:
    return request.config_dict[IDP_STATE]


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def error_response(request: web.Request, error: EntraError) -> web.Response:
    """Entra's error page with its AADSTS code, HTTP 400."""
    now = idp_state(request).clock()
    return html(pages.error_page(error.code, error.message, str(uuid.uuid4()), now), 400)


def tenant_of(request: web.Request) -> IdpTenant:
    """The tenant the URL names (its ID or `common`). Raises AADSTS90002."""
    tenant = idp_state(request).tenant
    if request.match_info["tenant"].lower() not in (tenant.tenant_id, "common"):
        raise EntraError(
            "AADSTS90002",
            f"Tenant '{request.match_info['tenant']}' not found. "
            "Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud.",
        )
    return tenant


def url_for(request: web.Request, name: str, **parts: str) -> str:
    path = request.app.router[name].url_for(**parts)
    return str(request.url.origin().join(path))


def parse_faults(values: list[str]) -> FaultSet:
    """Faults named in a query or form; an unknown name is HTTP 400."""
    try:
        return FaultSet.parse(v for v in values if v)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
