"""The Mimecast SP simulator as an aiohttp application.

Each region's endpoints are a sub-app, mounted twice: by Host header (`us-api.mimecast.com`,
for a hosts file or proxy) and by path prefix (`/us/...`) on one local port.

    POST /<region>/login/saml            the ACS: a result page, or JSON by Accept
    GET  /<region>/login                 Mimecast-like sign-in (SP-initiated)
    GET  /<region>/sso/<CODE>[/metadata.xml]   SP metadata for Entra's "Upload metadata file"
    GET  /<region>/logout, /<region>/login/saml/logout   single logout
    GET  /results, /results/<id>, /results/<id>.json  recent attempts and their reports
    GET  /admin, POST /admin/profiles/<name>/import    profiles and metadata Import
    *    /idp/...                        the fake Entra ID, when mounted

POSTs to the admin and to the sign-in form need the CSRF token of the page they came from
(`csrf`); the protocol endpoints (ACS, SLO, /idp) take cross-site POSTs by design.
A store full of unexpired entries answers HTTP 503 (`unavailable`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from aiohttp import web

from sp_sim.core.mimecast import REGIONS
from sp_sim.idp.app import IDP_STATE, create_idp_app
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.model import IdpTenant
from sp_sim.server import acs, admin, csrf, pages, signin, slo, urls
from sp_sim.server.metadata import import_metadata
from sp_sim.server.state import (
    REGION,
    SERVER,
    VIA,
    Clock,
    ServerOptions,
    ServerState,
    StoreFull,
)
from sp_sim.tenant import Tenant

LOG = logging.getLogger("sp_sim.server")
MAX_BODY = 2 * 1024 * 1024
IDP_PREFIX = "/idp"
IDP_APP = web.AppKey("sp_sim_idp_app", web.Application)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bad_request(title: str, text: str) -> web.Response:
    return web.Response(text=pages.message_page(title, text), status=400, content_type="text/html")


@web.middleware
async def never_500(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever arrives gets a page that says what was wrong, never a traceback or a 500."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _bad_request("Too large", f"The request is larger than {MAX_BODY:,} bytes.")
    except StoreFull as full:
        return unavailable(request, full)
    except web.HTTPException:
        raise
    except Exception as error:  # the last line of defence; the traceback goes to the log
        LOG.exception("unhandled error for %s %s", request.method, request.path)
        return _bad_request(
            "Could not process this request",
            f"sp-sim could not process it ({type(error).__name__}).",
        )


def unavailable(request: web.Request, full: StoreFull) -> web.Response:
    """HTTP 503 for a store full of unexpired entries (HTML, or JSON by Accept): nothing was
    recorded, and trying again after `Retry-After` seconds can work."""
    headers = {"Retry-After": str(max(1, math.ceil(full.retry_after.total_seconds())))}
    text = f"sp-sim refused this request because {full}. Nothing was accepted or recorded."
    if acs.wants_json(request):
        document = {"error": "store-full", "message": text, "count": full.count}
        return web.json_response({**document, "limit": full.limit}, status=503, headers=headers)
    return web.Response(
        text=pages.message_page("Too many unexpired entries", text),
        status=503,
        content_type="text/html",
        headers=headers,
    )


def protocol_endpoint(request: web.Request) -> bool:
    """The endpoints that take cross-site messages by protocol, exempt from the CSRF check:
    the ACS, the SLO endpoint, the old Personal Portal endpoint and the fake IdP. Their
    guard is the message itself (signature, request IDs, replay cache). A request that
    matches no route is left to its 404 or 405."""
    info = request.match_info
    if info.http_exception is not None:
        return True
    if any(IDP_STATE in app for app in info.apps):
        return True
    return info.handler in _PROTOCOL_HANDLERS


_PROTOCOL_HANDLERS: frozenset[object] = frozenset({acs.acs, acs.legacy_endpoint, slo.single_logout})


async def date_from_clock(request: web.Request, response: web.StreamResponse) -> None:
    """The Date header tells the simulated time, so captures are judged when they happened."""
    response.headers["Date"] = format_datetime(request.config_dict[SERVER].clock(), usegmt=True)


def region_app(region: str, via: str) -> web.Application:
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
    grids = "".join(
        f'<li><a href="/{key}/login">{escape(r.host)}</a> — <code>/{key}/login/saml</code>'
        f"{' (this account)' if key == home else ''}</li>"
        for key, r in REGIONS.items()
    )
    idp = ""
    if IDP_APP in request.app:
        tenant = request.app[IDP_APP][IDP_STATE].tenant
        launch = f"{IDP_PREFIX}/{tenant.tenant_id}/myapps/{tenant.apps[0].app_id}"
        idp = (
            f'<p>Fake Entra ID: <a href="{IDP_PREFIX}/">{IDP_PREFIX}/</a> · '
            f'IdP-initiated: <a id=idp-initiated href="{escape(launch)}">My Apps tile</a></p>'
        )
    return web.Response(
        content_type="text/html",
        text=pages.page(
            "sp-sim",
            (
                f"<div class=card><h1>Mimecast account {escape(account.code)}</h1>"
                f"<p>Entity ID (Entra Identifier) <code>{escape(urls.entity_id(state))}</code><br>"
                f"ACS (Entra Reply URL) <code>{escape(urls.acs_url(state))}</code></p>"
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
    idp: IdpTenant | None = None,
) -> web.Application:
    """The simulator; with `idp`, the fake Entra ID is mounted at /idp on the same port.
    Call `bind` with the base URL once the server listens."""
    app = web.Application(
        middlewares=[never_500, csrf.middleware(protocol_endpoint)], client_max_size=MAX_BODY
    )
    state = ServerState(tenant, options or ServerOptions(), clock or (lambda: datetime.now(UTC)))
    app[SERVER] = state
    app[csrf.SECRET] = csrf.new_secret()
    app.on_response_prepare.append(date_from_clock)
    app.router.add_get("/", index)
    app.router.add_get("/results", acs.results)
    app.router.add_get("/results/{attempt}", acs.result)
    app.router.add_get("/admin", admin.profiles)
    app.router.add_post("/admin/profiles/{name}/import", admin.import_profile)
    if idp is not None:
        idp_app = create_idp_app(
            idp, clock=state.clock, deliver=lambda url: urls.deliver_locally(state, url)
        )
        app[IDP_APP] = idp_app
        app.add_subapp(IDP_PREFIX, idp_app)
    for key, region in REGIONS.items():
        app.add_subapp(f"/{key}", region_app(key, "prefix"))
        for host in region.hosts:
            app.add_domain(host, region_app(key, "host"))
    return app


def bind(app: web.Application, base_url: str, *, wire_demo: bool = False) -> None:
    """Tell the simulator where it listens. With `wire_demo`, point the first profile at the
    mounted fake IdP by importing its metadata, and (with local URLs) give the fake IdP's
    first app this server's local Identifier, Reply URL and Logout URL."""
    state = app[SERVER]
    state.base_url = base_url.rstrip("/")
    if not wire_demo or IDP_APP not in app:
        return
    idp_state = app[IDP_APP][IDP_STATE]
    idp = idp_state.tenant
    first = replace(idp.apps[0], logout_url=urls.slo_url(state))
    if state.options.local_urls:
        first = replace(
            first,
            identifiers=(urls.entity_id(state),),
            reply_urls=(urls.acs_url(state),),
            default_reply_url=None,
        )
    idp_state.tenant = replace(idp, apps=(first, *idp.apps[1:]))
    sso_url = f"{state.base_url}{IDP_PREFIX}/{idp.tenant_id}/saml2"
    profile = import_metadata(
        state.tenant.profile(),
        federation_metadata(idp, sso_url),
        f"{sso_url.removesuffix('/saml2')}/federationmetadata/2007-06/"
        f"federationmetadata.xml?appid={first.app_id}",
    )
    state.tenant = replace(state.tenant, profiles=(profile, *state.tenant.profiles[1:]))
