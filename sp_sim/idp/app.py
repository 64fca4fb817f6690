"""The fake Entra IdP as an aiohttp application, with Entra's URL shapes.

    GET|POST /{tenant}/saml2                  AuthnRequest / LogoutRequest (Redirect or POST)
    POST     /{tenant}/saml2/signin           the account picker's answer
    GET      /{tenant}/myapps/{app}           IdP-initiated launch, like a My Apps tile
    GET      /{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=
    GET      /{tenant}/certificate?appid=     the Certificate (Base64) download
    GET      /                                 what this IdP serves

`?user=` (or Entra's `login_hint`) picks the user without the page; `?fault=` (repeatable)
injects faults for one sign-in. Errors are Entra's error page with its AADSTS code, HTTP 400.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from aiohttp import web
from lxml import etree
from yarl import URL

from sp_sim.autopost import autopost
from sp_sim.core.xml import ASSERTION, PROTOCOL, STATUS_SUCCESS, format_instant, qname
from sp_sim.idp import pages
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.mint import new_id
from sp_sim.idp.model import EnterpriseApp, IdpTenant, User
from sp_sim.idp.requests import (
    AuthnRequest,
    EntraError,
    check_request_signature,
    check_user,
    decode_post,
    decode_redirect,
    find_app,
    parse_request,
    reply_url,
)
from sp_sim.idp.tokens import issue_response

Clock = Callable[[], datetime]
PENDING_LIMIT = 1000


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in waiting for the account picker."""

    app: EnterpriseApp
    acs_url: str
    request: AuthnRequest | None
    relay_state: str | None
    faults: FaultSet


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

    def remember(self, pending: PendingSignIn) -> str:
        key = uuid.uuid4().hex
        self.pending[key] = pending
        while len(self.pending) > PENDING_LIMIT:
            self.pending.popitem(last=False)
        return key


IDP_STATE = web.AppKey("idp_state", IdpState)


def _state(request: web.Request) -> IdpState:
    return request.config_dict[IDP_STATE]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _error(request: web.Request, error: EntraError) -> web.Response:
    now = _state(request).clock()
    return _html(pages.error_page(error.code, error.message, str(uuid.uuid4()), now), 400)


def _tenant(request: web.Request) -> IdpTenant:
    tenant = _state(request).tenant
    if request.match_info["tenant"].lower() not in (tenant.tenant_id, "common"):
        raise EntraError(
            "AADSTS90002",
            f"Tenant '{request.match_info['tenant']}' not found. "
            "Check to make sure you have the correct tenant ID and are signing "
            "into the correct cloud.",
        )
    return tenant


def _url(request: web.Request, name: str, **parts: str) -> str:
    path = request.app.router[name].url_for(**parts)
    return str(request.url.origin().join(path))


def _faults(values: list[str]) -> FaultSet:
    try:
        return FaultSet.parse(v for v in values if v)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None


async def saml2(request: web.Request) -> web.Response:
    """A SAMLRequest by HTTP-Redirect (GET) or HTTP-POST."""
    try:
        tenant = _tenant(request)
        if request.method == "GET":
            xml = decode_redirect(request.query.get("SAMLRequest"))
            raw_query: str | None = request.rel_url.raw_query_string
            fields: dict[str, str] = dict(request.query)
        else:
            form = await request.post()
            fields = {k: str(v) for k, v in form.items()}
            xml = decode_post(fields.get("SAMLRequest"))
            raw_query = None
        sso_url = _url(request, "saml2", tenant=request.match_info["tenant"])
        parsed = parse_request(xml, sso_url)
        app = find_app(tenant, parsed)
        check_request_signature(app, raw_query, parsed.signed)
        if parsed.kind == "LogoutRequest":
            return _logout_response(request, tenant, app, parsed, fields.get("RelayState"))
        acs_url = reply_url(app, parsed)
    except EntraError as error:
        return _error(request, error)
    pending = PendingSignIn(
        app, acs_url, parsed, fields.get("RelayState"), _faults(request.query.getall("fault", []))
    )
    return await _continue(
        request, pending, request.query.get("user") or request.query.get("login_hint")
    )


async def launch(request: web.Request) -> web.Response:
    """IdP-initiated: post an unsolicited response to the app's default Reply URL."""
    try:
        tenant = _tenant(request)
        app = tenant.app_by_id(request.match_info["app"])
        if app is None:
            raise EntraError(
                "AADSTS700016",
                f"Application with identifier "
                f"'{request.match_info['app']}' was not found in the directory "
                f"'{tenant.tenant_id}'.",
            )
        if app.require_signed_requests:
            raise EntraError(
                "AADSTS76021",
                "The request sent by client is not signed while "
                "the application requires signed requests.",
            )
    except EntraError as error:
        return _error(request, error)
    if app.sign_on_url:
        # With a Sign-on URL, the tile starts an SP-initiated sign-in there instead.
        raise web.HTTPFound(_state(request).deliver(app.sign_on_url))
    pending = PendingSignIn(
        app,
        app.reply_url,
        None,
        request.query.get("RelayState"),
        _faults(request.query.getall("fault", [])),
    )
    return await _continue(request, pending, request.query.get("user"))


async def _continue(
    request: web.Request, pending: PendingSignIn, user_name: str | None
) -> web.Response:
    state = _state(request)
    if user_name is None:
        key = state.remember(pending)
        action = _url(request, "signin", tenant=request.match_info["tenant"])
        return _html(pages.account_picker(state.tenant, pending.app, key, action))
    return _answer(request, pending, user_name)


async def signin(request: web.Request) -> web.Response:
    """The account picker's answer."""
    form = await request.post()
    state = _state(request)
    pending = state.pending.pop(str(form.get("pending", "")), None)
    if pending is None:
        return _html(
            pages.page(
                "Sign in",
                "<h1>This sign-in has expired.</h1><p>Start again from the application.</p>",
            ),
            400,
        )
    extra = _faults([str(v) for v in form.getall("fault", [])])
    return _answer(
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


def _answer(request: web.Request, pending: PendingSignIn, user_name: str) -> web.Response:
    state = _state(request)
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
        return _error(request, error)
    parsed = pending.request
    response = issue_response(
        state.tenant,
        pending.app,
        user,
        state.clock(),
        pending.acs_url,
        None if parsed is None else parsed.request_id,
        None if parsed is None else parsed.name_id_format,
        state.faults.merged(pending.faults),
    )
    fields = {"SAMLResponse": base64.b64encode(response).decode()}
    if pending.relay_state is not None:
        fields["RelayState"] = pending.relay_state
    return _html(autopost(state.deliver(pending.acs_url), fields))


def _logout_response(
    request: web.Request,
    tenant: IdpTenant,
    app: EnterpriseApp,
    logout: AuthnRequest,
    relay_state: str | None,
) -> web.Response:
    if not app.logout_url:
        return _html(pages.page("Signed out", "<h1>You signed out of your account</h1>"))
    root = etree.Element(
        qname(PROTOCOL, "LogoutResponse"),
        {
            "ID": new_id(),
            "Version": "2.0",
            "IssueInstant": format_instant(_state(request).clock()),
            "Destination": app.logout_url,
            "InResponseTo": logout.request_id,
        },
        nsmap={"samlp": PROTOCOL},
    )
    issuer = etree.SubElement(root, qname(ASSERTION, "Issuer"))
    issuer.text = tenant.issuer
    status = etree.SubElement(root, qname(PROTOCOL, "Status"))
    etree.SubElement(status, qname(PROTOCOL, "StatusCode"), Value=STATUS_SUCCESS)
    compressor = zlib.compressobj(wbits=-15)
    deflated = compressor.compress(etree.tostring(root)) + compressor.flush()
    query = {"SAMLResponse": base64.b64encode(deflated).decode()}
    if relay_state is not None:
        query["RelayState"] = relay_state
    location = URL(app.logout_url).update_query(query)
    raise web.HTTPFound(_state(request).deliver(str(location)))


async def metadata(request: web.Request) -> web.Response:
    try:
        tenant = _tenant(request)
    except EntraError as error:
        return _error(request, error)
    sso_url = _url(request, "saml2", tenant=request.match_info["tenant"])
    return web.Response(
        body=federation_metadata(tenant, sso_url), content_type="application/samlmetadata+xml"
    )


async def certificate(request: web.Request) -> web.Response:
    """Certificate (Base64): the active signing certificate as a PEM .cer file."""
    try:
        tenant = _tenant(request)
    except EntraError as error:
        return _error(request, error)
    app = tenant.app_by_id(request.query.get("appid", "")) or tenant.apps[0]
    return web.Response(
        text=tenant.active_key.certificate.pem,
        content_type="application/x-x509-ca-cert",
        headers={"Content-Disposition": f'attachment; filename="{app.name}.cer"'},
    )


async def index(request: web.Request) -> web.Response:
    tenant = _state(request).tenant
    t = tenant.tenant_id
    apps = "".join(
        f'<li>{escape(a.name)}: <a href="{escape(_url(request, "launch", tenant=t, app=a.app_id))}'
        f'">IdP-initiated sign-in</a> · <a href="'
        f'{escape(_url(request, "metadata", tenant=t))}?appid={escape(a.app_id)}">metadata</a>'
        f"</li>"
        for a in tenant.apps
    )
    return _html(
        pages.page(
            "sp-sim fake Entra ID",
            (
                f"<h1>Fake Entra ID</h1><p>Tenant {escape(t)}<br>Issuer {escape(tenant.issuer)}<br>"
                f"Login URL {escape(_url(request, 'saml2', tenant=t))}</p><ul>{apps}</ul>"
            ),
        )
    )


def create_idp_app(
    tenant: IdpTenant,
    *,
    clock: Clock | None = None,
    faults: FaultSet | None = None,
    deliver: Callable[[str], str] | None = None,
) -> web.Application:
    """The IdP application; mount it with `add_subapp` or run it on any port (0 included)."""
    app = web.Application()
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
    app.router.add_get(
        "/{tenant}/federationmetadata/2007-06/federationmetadata.xml", metadata, name="metadata"
    )
    app.router.add_get("/{tenant}/certificate", certificate, name="certificate")
    return app
