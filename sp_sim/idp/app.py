"""The fake Entra IdP as an aiohttp application, with Entra's URL shapes.

    GET|POST /{tenant}/saml2                  AuthnRequest / LogoutRequest (Redirect or POST),
                                              LogoutResponse (Redirect): see `slo`
    POST     /{tenant}/saml2/signin           the account picker's answer
    GET      /{tenant}/myapps/{app}           IdP-initiated launch, like a My Apps tile
    GET      /{tenant}/myapps/{app}/signout   IdP-initiated logout (a signed LogoutRequest)
    GET      /{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=
    GET      /{tenant}/certificate?appid=     the Certificate (Base64) download
    GET      /{tenant}/serviceprincipal?appid=   `az ad sp show` JSON (`graph_export`), also
             /{tenant}/application?appid=        `az ad app show`, /claimsmappingpolicy
    GET      /                                 what this IdP serves

`?user=` picks the user without the page; Entra's `login_hint` pre-selects it on the page
(where faults can still be chosen); `?fault=` (repeatable)
injects faults for one sign-in. Errors are Entra's error page with its AADSTS code, HTTP 400;
a sign-in refused so is told to `on_refusal` (`refusals`).
Each token issued is recorded in the browser's IdP session (`state.SignIn`), for logout.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from html import escape

from aiohttp import web

from sp_sim.core.bindings import Parameter, autopost, post_fields
from sp_sim.idp import graph_export, pages, slo
from sp_sim.idp.faults import FaultSet, with_value
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.model import EnterpriseApp, IdpTenant, User
from sp_sim.idp.refusals import ON_REFUSAL, Refusal, RefusalHook, refused
from sp_sim.idp.requests import (
    AuthnRequest,
    EntraError,
    RequestKind,
    check_request_signature,
    check_user,
    decode_post,
    decode_redirect,
    find_app,
    parse_request,
    reply_url,
    require_app,
)
from sp_sim.idp.state import (
    IDP_STATE,
    SESSION_COOKIE,
    Clock,
    IdpState,
    PendingSignIn,
    SignIn,
    error_response,
    html,
    idp_state,
    parse_faults,
    tenant_of,
    url_for,
)
from sp_sim.idp.tokens import issue

__all__ = ["IDP_STATE", "IdpState", "Refusal", "RefusalHook", "create_idp_app"]


async def saml2(request: web.Request) -> web.Response:
    """A SAMLRequest by HTTP-Redirect (GET) or HTTP-POST; a LogoutResponse by Redirect."""
    if request.method == "GET" and "SAMLResponse" in request.query:
        return await slo.logout_response_received(request)
    parsed: AuthnRequest | None = None
    try:
        tenant = tenant_of(request)
        if request.method == "GET":
            xml = decode_redirect(request.query.get("SAMLRequest"))
            raw_query: str | None = request.rel_url.raw_query_string
            fields: dict[str, str] = dict(request.query)
        else:
            try:
                form = await request.post()
            except (ValueError, LookupError):  # not URL-encoded UTF-8, or an unknown charset
                raise EntraError(
                    "AADSTS75005", "The request is not a valid Saml2 protocol message."
                ) from None
            fields = {k: str(v) for k, v in form.items()}
            xml = decode_post(fields.get("SAMLRequest"))
            raw_query = None
        sso_url = url_for(request, "saml2", tenant=request.match_info["tenant"])
        parsed = parse_request(xml, sso_url)
        app = find_app(tenant, parsed)
        check_request_signature(app, raw_query, parsed.signed)
        if parsed.kind is RequestKind.LOGOUT:
            return slo.logout_request_received(
                request, tenant, app, parsed, fields.get("RelayState")
            )
        acs_url = reply_url(app, parsed)
    except EntraError as error:
        if parsed is not None and parsed.kind is RequestKind.LOGOUT:
            return error_response(request, error)  # not a sign-in
        return await refused(
            request,
            error,
            initiated_by="SP",
            user=request.query.get("user") or request.query.get("login_hint"),
            request_id=None if parsed is None else parsed.request_id,
        )
    pending = PendingSignIn(
        app,
        acs_url,
        parsed,
        fields.get("RelayState"),
        parse_faults(request.query.getall("fault", [])),
    )
    return await _continue(
        request, pending, request.query.get("user"), request.query.get("login_hint")
    )


async def launch(request: web.Request) -> web.Response:
    """IdP-initiated: post an unsolicited response to the app's default Reply URL."""
    try:
        tenant = tenant_of(request)
        app = require_app(tenant, request.match_info["app"])
        if app.require_signed_requests:
            raise EntraError(
                "AADSTS76021",
                "The request sent by client is not signed while "
                "the application requires signed requests.",
            )
    except EntraError as error:
        return await refused(request, error, initiated_by="IdP", user=request.query.get("user"))
    if app.sign_on_url:
        # With a Sign-on URL, the tile starts an SP-initiated sign-in there instead.
        raise web.HTTPFound(idp_state(request).deliver(app.sign_on_url))
    pending = PendingSignIn(
        app,
        app.reply_url,
        None,
        request.query.get("RelayState"),
        parse_faults(request.query.getall("fault", [])),
    )
    return await _continue(request, pending, request.query.get("user"))


async def _continue(
    request: web.Request, pending: PendingSignIn, user_name: str | None, hint: str | None = None
) -> web.Response:
    state = idp_state(request)
    if user_name is None:
        key = state.remember(pending)
        action = url_for(request, "signin", tenant=request.match_info["tenant"])
        return html(pages.account_picker(state.tenant, pending.app, key, action, hint))
    return await _answer(request, pending, user_name)


async def signin(request: web.Request) -> web.Response:
    """The account picker's answer."""
    try:
        form = await request.post()
    except (ValueError, LookupError):  # not URL-encoded UTF-8: not the picker's form
        text = "The form could not be read as the account picker's."
        raise web.HTTPBadRequest(text=text) from None
    state = idp_state(request)
    pending = state.pending.pop(str(form.get("pending", "")), None)
    if pending is None:
        return html(
            pages.problem(
                "This sign-in has expired.",
                "The account picker it came from was already used, or the IdP restarted.",
                "start again from the application: its sign-in page (SP-initiated) or its "
                "My Apps tile (IdP-initiated).",
            ),
            400,
        )
    try:
        named = [str(v) for v in form.getall("fault", [])]
        chosen = with_value(named, str(form.get("fault_value", "")))
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    extra = parse_faults(chosen)
    return await _answer(
        request,
        PendingSignIn(
            pending.app,
            pending.acs_url,
            pending.request,
            pending.relay_state,
            pending.faults.merged(extra),
        ),
        str(form.get("user", "")),
    )


async def _answer(request: web.Request, pending: PendingSignIn, user_name: str) -> web.Response:
    state = idp_state(request)
    user: User | None = state.tenant.user(user_name)
    try:
        if user is None:
            raise EntraError(
                "AADSTS50034",
                f"The user account {user_name} does not exist in "
                f"the {state.tenant.tenant_id} directory. To sign into this "
                "application, the account must be added to the directory.",
            )
        check_user(pending.app, user, pending.request)
    except EntraError as error:
        parsed = pending.request
        return await refused(
            request,
            error,
            initiated_by="IdP" if parsed is None else "SP",
            user=user_name,
            request_id=None if parsed is None else parsed.request_id,
        )
    parsed = pending.request
    issued = issue(
        state.tenant,
        pending.app,
        user,
        state.clock(),
        pending.acs_url,
        None if parsed is None else parsed.request_id,
        None if parsed is None else parsed.name_id_format,
        state.faults.merged(pending.faults),
    )
    fields = post_fields(issued.xml, pending.relay_state, Parameter.RESPONSE)
    response = html(autopost(state.deliver(pending.acs_url), fields))
    token = issued.token
    sign_in = SignIn(
        pending.app.app_id,
        user.upn,
        token.name_id,
        token.name_id_format,
        token.session_index,
        pending.faults,
    )
    session = state.record_sign_in(request.cookies.get(SESSION_COOKIE), sign_in)
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Lax")
    return response


async def metadata(request: web.Request) -> web.Response:
    try:
        tenant = tenant_of(request)
    except EntraError as error:
        return error_response(request, error)
    sso_url = url_for(request, "saml2", tenant=request.match_info["tenant"])
    return web.Response(
        body=federation_metadata(tenant, sso_url), content_type="application/samlmetadata+xml"
    )


async def certificate(request: web.Request) -> web.Response:
    """Certificate (Base64): the active signing certificate as a PEM .cer file."""
    try:
        tenant = tenant_of(request)
    except EntraError as error:
        return error_response(request, error)
    app = tenant.app_by_id(request.query.get("appid", "")) or tenant.apps[0]
    return web.Response(
        text=tenant.active_key.certificate.pem,
        content_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": f'attachment; filename="{app.name}.cer"'},
    )


GRAPH_OBJECTS = {  # the path's last part: (the link's text on `/`, the export)
    "serviceprincipal": ("az ad sp show", graph_export.service_principal),
    "application": ("az ad app show", graph_export.application),
    "claimsmappingpolicy": ("claims policy", graph_export.claims_mapping_policy),
}


async def graph_object(request: web.Request) -> web.Response:
    """An app as Microsoft Graph shows it; an unknown tenant or app is Graph's 404 JSON."""
    state, appid = idp_state(request).tenant, request.query.get("appid", "")
    if request.match_info["tenant"].lower() not in (state.tenant_id, "common"):
        body = graph_export.not_found(request.match_info["tenant"], (state.tenant_id,))
        return web.json_response(body, status=404)
    app = state.app_by_id(appid)
    if app is None:
        known = tuple(a.app_id for a in state.apps)
        return web.json_response(graph_export.not_found(appid or "?appid=", known), status=404)
    _, export = GRAPH_OBJECTS[request.match_info["kind"]]
    return web.json_response(export(state, app), dumps=lambda d: json.dumps(d, indent=2))


def _app_links(request: web.Request, tenant: str, app: EnterpriseApp) -> str:
    links = {
        "IdP-initiated sign-in": url_for(request, "launch", tenant=tenant, app=app.app_id),
        "IdP-initiated sign-out": url_for(request, "signout", tenant=tenant, app=app.app_id),
        "metadata": f"{url_for(request, 'metadata', tenant=tenant)}?appid={app.app_id}",
        **{
            text: f"{url_for(request, 'graph', tenant=tenant, kind=kind)}?appid={app.app_id}"
            for kind, (text, _) in GRAPH_OBJECTS.items()
        },
    }
    return f"<li>{escape(app.name)}: " + " · ".join(
        f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in links.items()
    )


async def index(request: web.Request) -> web.Response:
    tenant = idp_state(request).tenant
    t = tenant.tenant_id
    apps = "".join(_app_links(request, t, a) for a in tenant.apps)
    return html(
        pages.page(
            "sp-sim fake Entra ID",
            (
                f"<h1>Fake Entra ID</h1><p>Tenant {escape(t)}<br>Issuer {escape(tenant.issuer)}<br>"
                f"Login URL {escape(url_for(request, 'saml2', tenant=t))}</p><ul>{apps}</ul>"
            ),
        )
    )


@web.middleware
async def styled_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A bare plain-text 4xx (a bad `?fault=`, an unknown path) answered as a page that
    says what was wrong and what to do; HTML answers (Entra's error page) pass as they are."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type != "text/plain":
            raise
        text = (error.text or "").strip()
        if text == f"{error.status}: {error.reason}":
            text = f"The fake IdP has no answer for {request.method} {request.path}."
        todo = pages.todo_for(error.status, text, error.headers.get("Allow", ""))
        title = pages.title_for(error.status, error.reason, text)
        answer = html(pages.problem(title, text, todo), error.status)
        if "Allow" in error.headers:
            answer.headers["Allow"] = error.headers["Allow"]
        return answer


def create_idp_app(
    tenant: IdpTenant,
    *,
    clock: Clock | None = None,
    faults: FaultSet | None = None,
    deliver: Callable[[str], str] | None = None,
    on_refusal: RefusalHook | None = None,
) -> web.Application:
    """The IdP application; mount it with `add_subapp` or run it on any port (0 included).
    `on_refusal` is told of each sign-in answered with an AADSTS error page (`refusals`)."""
    app = web.Application(middlewares=[styled_errors])
    if on_refusal is not None:
        app[ON_REFUSAL] = on_refusal
    app[IDP_STATE] = IdpState(
        tenant,
        clock or (lambda: datetime.now(UTC)),
        faults or FaultSet(),
        OrderedDict(),
        deliver or (lambda url: url),
    )
    app.router.add_get("/", index, name="index")
    sso = app.router.add_resource("/{tenant}/saml2", name="saml2")
    sso.add_route("GET", saml2)
    sso.add_route("POST", saml2)
    app.router.add_post("/{tenant}/saml2/signin", signin, name="signin")
    app.router.add_get("/{tenant}/myapps/{app}", launch, name="launch")
    app.router.add_get("/{tenant}/myapps/{app}/signout", slo.idp_initiated_logout, name="signout")
    app.router.add_get(
        "/{tenant}/federationmetadata/2007-06/federationmetadata.xml", metadata, name="metadata"
    )
    app.router.add_get("/{tenant}/certificate", certificate, name="certificate")
    kinds = "|".join(GRAPH_OBJECTS)
    app.router.add_get(f"/{{tenant}}/{{kind:{kinds}}}", graph_object, name="graph")
    return app
