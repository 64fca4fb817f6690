"""The Mimecast SP simulator as an aiohttp application.

Each region's endpoints are a sub-app, mounted twice: by Host header (`us-api.mimecast.com`,
for a hosts file or proxy) and by path prefix (`/us/...`) on one local port.

    POST /<region>/login/saml            the ACS: a result page, or JSON by Accept
    GET  /<region>/login                 Mimecast-like sign-in (SP-initiated)
    GET  /<region>/sso/<CODE>[/metadata.xml]   SP metadata for Entra's "Upload metadata file"
    GET  /<region>/logout, /<region>/login/saml/logout   single logout
    GET  /results, /results/<id>[.json|.har|.saml-tracer.json|.case.zip]  recent results
    GET  /admin, POST /admin/profiles/<name>/import    profiles and metadata Import
    *    /idp/...                        the fake Entra ID, when mounted

POSTs to the admin and to the sign-in form need the CSRF token of the page they came from
(`csrf`); the protocol endpoints (ACS, SLO, /idp) take cross-site POSTs by design.
A store full of unexpired entries answers HTTP 503 (`unavailable`). Any other exception a
handler raises is logged, answered with a 400 page, and kept in `ServerState.errors`, which
the harness re-raises in the test that caused it.

`create_sp_app` builds the app for a server whose base URL is already known (its socket is
bound first, see `sp_sim.serving.listen`); `sp_sim.stack` assembles what it serves.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from aiohttp import web

from sp_sim.core.mimecast import REGIONS
from sp_sim.server import (
    acs,
    admin,
    checking,
    csrf,
    errors,
    external,
    pages,
    results,
    signin,
    slo,
    urls,
)
from sp_sim.server.state import (
    REGION,
    SERVER,
    VIA,
    Clock,
    ServerOptions,
    ServerState,
    StoreFull,
    StoreUnavailable,
    Via,
)
from sp_sim.tenant import Tenant

LOG = logging.getLogger("sp_sim.server")
MAX_BODY = 2 * 1024 * 1024
MAX_ERRORS_KEPT = 100
IDP_PREFIX = "/idp"
IDP_APP = web.AppKey("sp_sim_idp_app", web.Application)
IDP_LAUNCH = web.AppKey("sp_sim_idp_launch", str)
"""The mounted fake IdP (set by whoever mounts it: sp_sim.stack) and its My Apps link."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bad_request(request: web.Request, title: str, text: str, todo: str) -> web.Response:
    return errors.answer(request, 400, title, text, todo)


@web.middleware
async def never_500(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever arrives gets a page that says what was wrong and what to do, never a
    traceback or a 500; aiohttp's plain-text 404 and 405 are drawn the same way."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return errors.answer(
            request,
            413,
            "Too large",
            f"The request is larger than {MAX_BODY:,} bytes, the most sp-sim reads.",
            "send a smaller request: a SAMLResponse from Entra is a few kilobytes, so a "
            "bigger one is usually a whole HAR or log pasted by mistake.",
        )
    except StoreFull as full:
        return unavailable(request, full)
    except StoreUnavailable as down:
        return store_down(request, down)
    except web.HTTPException as error:
        styled = errors.restyled(request, error)
        if styled is None:
            raise
        return styled
    except Exception as error:  # the last line of defence; the traceback goes to the log
        LOG.exception("unhandled error for %s %s", request.method, request.path)
        _keep(request, error)
        return _bad_request(
            request,
            "Could not process this request",
            f"sp-sim could not process it ({type(error).__name__}).",
            "go back and try again; if it happens again, the server's log has the "
            "traceback to report.",
        )


def _keep(request: web.Request, error: Exception) -> None:
    """Remember a handler's exception for the harness to raise in the test (pytest-httpserver
    does the same); the first `MAX_ERRORS_KEPT` are enough to see what broke."""
    if SERVER not in request.config_dict:
        return
    errors = request.config_dict[SERVER].errors
    if len(errors) < MAX_ERRORS_KEPT:
        error.add_note(f"sp-sim: raised while handling {request.method} {request.path}")
        errors.append(error)


def unavailable(request: web.Request, full: StoreFull) -> web.Response:
    """HTTP 503 for a store full of unexpired entries (HTML, or JSON by Accept): nothing was
    recorded, and trying again after `Retry-After` seconds can work."""
    headers = {"Retry-After": str(max(1, math.ceil(full.retry_after.total_seconds())))}
    text = f"sp-sim refused this request because {full}. Nothing was accepted or recorded."
    todo = (
        f"send it again after {headers['Retry-After']} seconds, when the soonest entry "
        "expires; for more room, start sp-sim with a larger store limit."
    )
    if acs.wants_json(request):
        document = {"error": "store-full", "message": text, "count": full.count}
        document = {**document, "limit": full.limit, "todo": todo}
        return web.json_response(document, status=503, headers=headers)
    return web.Response(
        text=pages.message_page("Too many unexpired entries", text, todo),
        status=503,
        content_type="text/html",
        headers=headers,
    )


def store_down(request: web.Request, down: StoreUnavailable) -> web.Response:
    """HTTP 503 when the shared store cannot be reached: nothing was accepted or recorded,
    and the same request can work once it is back."""
    text = f"sp-sim cannot answer now because {down}. Nothing was accepted or recorded."
    headers = {"Retry-After": "5"}
    todo = (
        f"check that the store ({down.store}) is running and reachable from sp-sim, then "
        "send the same request again (/healthz says when it is back)."
    )
    if acs.wants_json(request):
        document = {"error": "store-unavailable", "message": text, "store": down.store}
        return web.json_response({**document, "todo": todo}, status=503, headers=headers)
    return web.Response(
        text=pages.message_page("State store unavailable", text, todo),
        status=503,
        content_type="text/html",
        headers=headers,
    )


async def healthz(request: web.Request) -> web.Response:
    """Alive and able to keep state: 200 `ok`, or 503 naming the store that cannot be
    reached (the container's HEALTHCHECK)."""
    store = request.app[SERVER].store
    try:
        await store.ping()
    except StoreUnavailable as down:
        return web.json_response(
            {"status": "unavailable", "store": store.name, "message": str(down)}, status=503
        )
    return web.json_response({"status": "ok", "store": store.name})


async def _close_store(app: web.Application) -> None:
    await app[SERVER].store.close()


def protocol_endpoint(request: web.Request) -> bool:
    """The endpoints that take cross-site messages by protocol, exempt from the CSRF check:
    the ACS, the SLO endpoint, the old Personal Portal endpoint and the fake IdP. Their
    guard is the message itself (signature, request IDs, replay cache). A request that
    matches no route is left to its 404 or 405."""
    info = request.match_info
    if info.http_exception is not None:
        return True
    mounted = request.config_dict.get(IDP_APP)
    if mounted is not None and any(app is mounted for app in info.apps):
        return True
    return info.handler in _PROTOCOL_HANDLERS


_PROTOCOL_HANDLERS: frozenset[object] = frozenset({acs.acs, acs.legacy_endpoint, slo.single_logout})


async def date_from_clock(request: web.Request, response: web.StreamResponse) -> None:
    """The Date header tells the simulated time, so captures are judged when they happened."""
    response.headers["Date"] = format_datetime(request.config_dict[SERVER].clock(), usegmt=True)


def region_app(region: str, via: Via) -> web.Application:
    """One region's endpoints; `via` says how requests reach it (host or prefix)."""
    app = web.Application()
    app[REGION] = region
    app[VIA] = via
    app.router.add_get("/login", signin.sign_in_page)
    app.router.add_post("/login", signin.sign_in)
    app.router.add_post("/login/saml", acs.acs)
    app.router.add_get("/login/saml", acs.acs_get)
    app.router.add_route("*", "/login/sso/mpp", acs.legacy_endpoint)
    app.router.add_route("GET", "/login/saml/logout", slo.single_logout)
    app.router.add_route("POST", "/login/saml/logout", slo.single_logout)
    app.router.add_get("/logout", slo.logout)
    app.router.add_get("/sso/{code}", admin.metadata)
    app.router.add_get("/sso/{code}/metadata.xml", admin.metadata)
    return app


async def index(request: web.Request) -> web.Response:
    state: ServerState = request.app[SERVER]
    account = state.tenant.account
    home = account.region.key
    answers = urls.of(state)
    grids = "".join(
        f'<li><a href="/{key}/login">{escape(r.host)}</a> — <code>/{key}/login/saml</code>'
        f"{' (this account)' if key == home else ''}</li>"
        for key, r in REGIONS.items()
    )
    idp = ""
    if IDP_LAUNCH in request.app:
        launch = request.app[IDP_LAUNCH]
        idp = (
            f'<p>Fake Entra ID: <a href="{IDP_PREFIX}/">{IDP_PREFIX}/</a> · '
            f'IdP-initiated: <a id=idp-initiated href="{escape(launch)}">My Apps tile</a></p>'
        )
    return web.Response(
        content_type="text/html",
        text=pages.page(
            "sp-sim",
            (
                external.notice_html(external.logins_of(state))
                + f"<div class=card><h1>Mimecast account {escape(account.code)}</h1>"
                f"<p>Entity ID (Entra Identifier) <code>{escape(answers.entity_id)}</code><br>"
                f"ACS (Entra Reply URL) <code>{escape(answers.acs_url)}</code></p>"
                f'<p><a id=sign-in href="/{home}/login">Sign in (SP-initiated)</a></p>{idp}'
                f"<h2>Regional endpoints</h2><ul>{grids}</ul></div>"
            ),
        ),
    )


def create_sp_app(
    tenant: Tenant,
    *,
    options: ServerOptions | None = None,
    clock: Clock | None = None,
    base_url: str = "",
) -> web.Application:
    """The simulator for a server listening at `base_url` (its local URLs and where the fake
    IdP delivers to). The fake Entra ID, when there is one, is mounted by `sp_sim.stack`
    (`mount`), which sits above both: the server does not import the IdP."""
    app = web.Application(
        middlewares=[never_500, csrf.middleware(admin.exempting_api(protocol_endpoint))],
        client_max_size=MAX_BODY,
    )
    admin.add_routes(app)  # the workbench (/check, /admin edits) and the JSON API (/api/)
    state = ServerState(
        tenant,
        options or ServerOptions(),
        clock or (lambda: datetime.now(UTC)),
        base_url.rstrip("/"),
    )
    app[SERVER] = state
    checking.install(app, state.options.workers, lambda: state.tenant)
    app[csrf.SECRET] = csrf.new_secret(state.options.csrf_secret)
    app.on_response_prepare.append(date_from_clock)
    app.on_cleanup.append(_close_store)
    app.router.add_get("/", index)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/results", results.results)
    app.router.add_get("/results/{attempt}", results.result)
    app.router.add_get("/admin", admin.profiles)
    app.router.add_post("/admin/profiles/{name}/import", admin.import_profile)
    for key, region in REGIONS.items():
        app.add_subapp(f"/{key}", region_app(key, Via.PREFIX))
        for host in region.hosts:
            app.add_domain(host, region_app(key, Via.HOST))
    return app


def mount(app: web.Application, subapp: web.Application, launch: str) -> None:
    """Mount the fake IdP's app at /idp (before the server starts); `launch` is its My Apps
    link for the home page."""
    app[IDP_APP] = subapp
    app[IDP_LAUNCH] = launch
    app.add_subapp(IDP_PREFIX, subapp)


def reset(app: web.Application, tenant: Tenant) -> None:
    """Serve `tenant` from now on, with no request, assertion, session or attempt
    remembered: a test harness between tests. Handler errors are kept for the harness."""
    app[SERVER].reset(tenant)
