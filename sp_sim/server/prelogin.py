"""The pre-login cookie: how the SP knows that the browser posting a response is the one
that started the sign-in.

When the sign-in page sends an AuthnRequest it sets a cookie named after the request
(`sp_sim_rq_<ID>`) in the browser, for as long as the request is outstanding. The IdP's
answer comes back as a cross-site POST (the IdP's auto-post form), which a browser sends
with a cookie only when it is `SameSite=None; Secure`: a `Lax` one is dropped, a
`SameSite=None` one without `Secure` is refused when set, a `Secure` one is not set over
plain HTTP except on loopback. The ACS hands the engine the requests whose cookie came
(`CheckSettings.browser_requests`), so an answer to an outstanding request without its
cookie is reported as cookie loss (`subject.cookie-lost`), not as an unsolicited response.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from sp_sim.server.proxy import is_secure
from sp_sim.server.state import PreloginCookie, server_state

PREFIX = "sp_sim_rq_"


def remember(request: web.Request, response: web.StreamResponse, request_id: str) -> None:
    """Set the cookie of `request_id` on `response`, as the options say."""
    options = server_state(request).options
    mode = options.prelogin_cookie
    if mode is PreloginCookie.OFF:
        return
    lax = mode is PreloginCookie.LAX
    response.set_cookie(
        PREFIX + request_id,
        secrets.token_urlsafe(16),  # random, as an SP's state cookie is: the name is the key
        path="/",
        max_age=int(options.request_ttl.total_seconds()),
        httponly=True,
        samesite="Lax" if lax else "None",
        secure=is_secure(request) if lax else True,
    )


def brought(request: web.Request) -> frozenset[str] | None:
    """The requests whose cookie this request carries; None when the SP sets no cookie."""
    if server_state(request).options.prelogin_cookie is PreloginCookie.OFF:
        return None
    return frozenset(n.removeprefix(PREFIX) for n in request.cookies if n.startswith(PREFIX))


def forget(response: web.StreamResponse, request_id: str | None) -> None:
    """Delete the cookie of the request a response answered (the request is used up)."""
    if request_id:
        response.del_cookie(PREFIX + request_id, path="/")
