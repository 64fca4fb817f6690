"""Single logout at the fake Entra ID, both ways.

    GET /{tenant}/saml2?SAMLRequest=<LogoutRequest>    an app's (SP-initiated) logout: the
        browser's sign-ins to it end and a signed LogoutResponse goes to its Logout URL
    GET /{tenant}/saml2?SAMLResponse=<LogoutResponse>  the app's answer to an IdP-initiated
        LogoutRequest: "You signed out", or the app's refusal with its status and message
    GET /{tenant}/myapps/{app}/signout                 IdP-initiated logout: a signed
        LogoutRequest for this browser's latest sign-in to the app (`?user=` picks one)

`?fault=` (repeatable) adds logout faults to the app's and the server's.
"""

from __future__ import annotations

from aiohttp import web
from lxml import etree

from sp_sim.core.bindings import read_redirect_query
from sp_sim.core.xml import (
    ASSERTION,
    PROTOCOL,
    STATUS_SUCCESS,
    UnsafeXML,
    parse_untrusted,
    qname,
    text_of,
)
from sp_sim.idp import pages
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.logout import logout_request, logout_response
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.idp.requests import AuthnRequest, EntraError, require_app
from sp_sim.idp.state import (
    SESSION_COOKIE,
    SentLogout,
    SignIn,
    error_response,
    html,
    idp_state,
    parse_faults,
    tenant_of,
)


def _faults(request: web.Request, app: EnterpriseApp, *more: FaultSet) -> FaultSet:
    chosen = idp_state(request).faults.merged(FaultSet.parse(app.faults))
    for extra in (*more, parse_faults(request.query.getall("fault", []))):
        chosen = chosen.merged(extra)
    return chosen


def logout_request_received(
    request: web.Request,
    tenant: IdpTenant,
    app: EnterpriseApp,
    logout: AuthnRequest,
    relay_state: str | None,
) -> web.Response:
    """An app's LogoutRequest: end the browser's sign-ins it names, answer at its Logout URL."""
    state = idp_state(request)
    wanted = (logout.name_id or "").casefold()

    def named(sign_in: SignIn) -> bool:
        return (
            sign_in.app_id == app.app_id
            and sign_in.name_id.casefold() == wanted
            and logout.session_index in (None, sign_in.session_index)
        )

    state.forget(request.cookies.get(SESSION_COOKIE), named)
    if not app.logout_url:
        return html(pages.signed_out())
    location = logout_response(
        tenant,
        app,
        app.logout_url,
        logout.request_id,
        state.clock(),
        relay_state,
        _faults(request, app),
    )
    raise web.HTTPFound(state.deliver(location))


def _invalid_response() -> EntraError:
    return EntraError("AADSTS75005", "The request is not a valid Saml2 protocol message.")


def _read_logout_response(raw_query: str) -> etree._Element:
    try:
        root = parse_untrusted(read_redirect_query(raw_query).xml())
    except (ValueError, UnsafeXML, etree.XMLSyntaxError):
        raise _invalid_response() from None
    if root.tag != qname(PROTOCOL, "LogoutResponse"):
        raise _invalid_response()
    return root


async def logout_response_received(request: web.Request) -> web.Response:
    """The app's answer to an IdP-initiated LogoutRequest this IdP sent."""
    state = idp_state(request)
    try:
        tenant = tenant_of(request)
        root = _read_logout_response(request.rel_url.raw_query_string)
    except EntraError as error:
        return error_response(request, error)
    sent = state.logouts.pop(root.get("InResponseTo", ""), None)
    app = None if sent is None else tenant.app_by_id(sent.sign_in.app_id)
    issuer = text_of(root.find(qname(ASSERTION, "Issuer")))
    if sent is None or app is None or issuer not in app.identifiers:
        text = "This sign-out was not started here, or it was already answered."
        return html(pages.page("Sign out", f"<h1 id=logout-unknown>{text}</h1>"), 400)
    code = root.find(f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusCode')}")
    value = "" if code is None else code.get("Value", "")
    if value != STATUS_SUCCESS:
        status = f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusMessage')}"
        message = text_of(root.find(status)) or ""
        second = None if code is None else code.find(qname(PROTOCOL, "StatusCode"))
        shown = value if second is None else f"{value} / {second.get('Value', '')}"
        return html(pages.logout_refused(app.name, shown, message), 400)
    state.forget(sent.session, lambda s: s == sent.sign_in)
    return html(pages.signed_out(f"{app.name} ended the session of {sent.sign_in.name_id}."))


async def idp_initiated_logout(request: web.Request) -> web.Response:
    """Send a signed LogoutRequest for this browser's sign-in to the app."""
    state = idp_state(request)
    try:
        tenant = tenant_of(request)
        app = require_app(tenant, request.match_info["app"])
    except EntraError as error:
        return error_response(request, error)
    session = request.cookies.get(SESSION_COOKIE, "")
    user = request.query.get("user", "").casefold()
    sign_ins = [
        s
        for s in state.sign_ins(session)
        if s.app_id == app.app_id and user in ("", s.upn.casefold(), s.name_id.casefold())
    ]
    if not app.logout_url or not sign_ins:
        why = "has no Logout URL" if not app.logout_url else "has no sign-in in this browser"
        return html(pages.page("Sign out", f"<h1 id=logout-nothing>{app.name} {why}.</h1>"), 400)
    sign_in = sign_ins[-1]
    request_id, location = logout_request(
        tenant, app, app.logout_url, sign_in, state.clock(), _faults(request, app, sign_in.faults)
    )
    state.expect_logout(request_id, SentLogout(session, sign_in))
    raise web.HTTPFound(state.deliver(location))
