"""Cross-site request forgery protection for the simulator's own forms (the admin Import and
the sign-in form): a signed double-submit cookie and an Origin check.

A GET of a page with a form sets a cookie holding a random value; the form carries
HMAC(secret, value) in a hidden field, the secret being random per server unless one is
configured (`--csrf-secret`: instances behind a load balancer share it, so a form loaded at
one can be posted at another). A POST must bring
the cookie, the field, and a field that matches the cookie; a foreign site can make a browser
send the cookie but can neither read it nor compute its HMAC. When the browser says where
the POST comes from (`Origin`, else `Referer`), that must be this server's own origin.

Protocol endpoints are exempt by design: the ACS, the SLO endpoint, the old Personal Portal
endpoint and the fake IdP under /idp take cross-site POSTs from the IdP's (or the SP's)
auto-post forms. Signatures, request IDs and the replay cache guard them instead.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from yarl import URL

from sp_sim.server import pages
from sp_sim.server.proxy import is_secure

COOKIE = "sp_sim_csrf"
FIELD = "csrf_token"
SECRET = web.AppKey("sp_sim_csrf_secret", bytes)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Exempt = Callable[[web.Request], bool]


MIN_SECRET = 16


def new_secret(configured: str | None = None) -> bytes:
    """The HMAC key of one server, made once when the app is created: from `configured`
    (shared by every instance given the same one), else random for this process."""
    if configured is None:
        return secrets.token_bytes(32)
    if len(configured) < MIN_SECRET:
        raise ValueError(f"a CSRF secret has at least {MIN_SECRET} characters")
    return hashlib.sha256(b"sp-sim csrf secret\0" + configured.encode()).digest()


def token_for(secret: bytes, value: str) -> str:
    """The hidden field's value for the cookie value `value`."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def _cookie_value(request: web.Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if _VALUE.match(value) else None


def form_response(
    request: web.Request, render: Callable[[str], str], status: int = 200
) -> web.Response:
    """A page with a protected form: `render(token)` builds it with the hidden field's value,
    and the cookie the token is bound to is set (kept when the browser already has one)."""
    value = _cookie_value(request)
    fresh = value is None
    value = value or secrets.token_urlsafe(32)
    text = render(token_for(request.config_dict[SECRET], value))
    response = web.Response(text=text, status=status, content_type="text/html")
    if fresh:
        response.set_cookie(
            COOKIE, value, path="/", httponly=True, samesite="Strict", secure=is_secure(request)
        )
    return response


def _same_origin(request: web.Request, url: str) -> bool:
    try:
        given = URL(url)
        own = URL.build(scheme=request.scheme, authority=request.host)
    except (ValueError, TypeError):
        return False
    if not given.is_absolute() or given.host is None:
        return False
    return (given.scheme, given.host.lower(), given.port) == (
        own.scheme,
        (own.host or "").lower(),
        own.port,
    )


def origin_problem(request: web.Request) -> str | None:
    """Why the request's Origin (or, without one, its Referer) is not this server's."""
    own = f"{request.scheme}://{request.host}"
    origin = request.headers.get("Origin")
    if origin is not None:
        if _same_origin(request, origin):
            return None
        return f"the request comes from {origin}, not from this server ({own})"
    referer = request.headers.get("Referer")
    if referer is not None and not _same_origin(request, referer):
        return f"the request was sent from a page outside this server ({own})"
    return None


async def token_problem(request: web.Request) -> str | None:
    """Why the request's cookie and form field do not prove it came from our own form."""
    value = _cookie_value(request)
    if value is None:
        return "the CSRF cookie is missing: open the form on this server (with cookies on)"
    try:
        form = await request.post()
    except (ValueError, LookupError):  # not UTF-8, or a charset Python does not know
        return "the form could not be read, so it carries no CSRF token"
    given = form.get(FIELD)
    if not isinstance(given, str) or not given:
        return "the form carries no CSRF token"
    expected = token_for(request.config_dict[SECRET], value)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        return "the form's CSRF token does not match the CSRF cookie"
    return None


def refusal(problem: str) -> web.Response:
    text = pages.message_page(
        "Refused: not sent from this server's form",
        f"This request changes the simulator's state, so it must come from its own page: "
        f"{problem}. Reload the page and submit the form again.",
    )
    return web.Response(text=text, status=403, content_type="text/html")


def middleware(exempt: Exempt) -> Middleware:
    """Check every state-changing request except those `exempt` says are protocol ones."""

    @web.middleware
    async def csrf_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in UNSAFE_METHODS and not exempt(request):
            problem = origin_problem(request) or await token_problem(request)
            if problem is not None:
                return refusal(problem)
        return await handler(request)

    return csrf_guard
