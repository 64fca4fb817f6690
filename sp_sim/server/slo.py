"""Single logout: an SP-initiated LogoutRequest to the profile's Logout URL, and the SLO
endpoint that takes the IdP's LogoutResponse or an IdP-initiated LogoutRequest.

Logout messages are decoded and read safely; their signatures are not checked (Entra does
not sign them unless asked)."""

from __future__ import annotations

import base64
import binascii
import zlib

from aiohttp import web
from lxml import etree

from sp_sim.core.xml import (
    ASSERTION,
    PROTOCOL,
    STATUS_SUCCESS,
    UnsafeXML,
    format_instant,
    parse_untrusted,
    qname,
    text_of,
)
from sp_sim.idp.mint import new_id
from sp_sim.server import pages, urls
from sp_sim.server.acs import SESSION_COOKIE
from sp_sim.server.authn_request import build_logout_request, redirect_query
from sp_sim.server.state import ServerState, server_state


def _page(title: str, text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=pages.message_page(title, text), status=status, content_type="text/html"
    )


async def logout(request: web.Request) -> web.Response:
    """GET /logout: send a LogoutRequest for the signed-in user."""
    state = server_state(request)
    session = state.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
    if session is None:
        return _page("Not signed in", "There is no sp-sim session to end.", 400)
    profile = state.tenant.profile(session.profile or None)
    if not profile.logout_url:
        return _page("No Logout URL", f"Profile {profile.name!r} has no Logout URL.", 400)
    request_id, xml = build_logout_request(
        urls.entity_id(state), profile.logout_url, session.name_id, state.clock()
    )
    state.logouts.put(request_id, session.email)
    separator = "&" if "?" in profile.logout_url else "?"
    raise web.HTTPFound(f"{profile.logout_url}{separator}{redirect_query(xml, request_id)}")


def _decode(value: str, deflated: bool) -> etree._Element | None:
    try:
        raw = base64.b64decode(value)
        xml = zlib.decompressobj(-15).decompress(raw, 1024 * 1024) if deflated else raw
        return parse_untrusted(xml)
    except (binascii.Error, ValueError, zlib.error, UnsafeXML, etree.XMLSyntaxError):
        return None


async def single_logout(request: web.Request) -> web.Response:
    """GET|POST /login/saml/logout: a LogoutResponse, or an IdP-initiated LogoutRequest."""
    state = server_state(request)
    fields = (
        dict(request.query)
        if request.method == "GET"
        else {k: str(v) for k, v in (await request.post()).items()}
    )
    deflated = request.method == "GET"
    if "SAMLResponse" in fields:
        root = _decode(fields["SAMLResponse"], deflated)
        if root is None or root.tag != qname(PROTOCOL, "LogoutResponse"):
            return _page(
                "Not a LogoutResponse", "SAMLResponse does not hold a readable LogoutResponse.", 400
            )
        answered = state.logouts.pop(root.get("InResponseTo", ""))
        code = root.find(f"{qname(PROTOCOL, 'Status')}/{qname(PROTOCOL, 'StatusCode')}")
        if answered is None:
            return _page("Unexpected LogoutResponse", "It answers no logout this SP sent.", 400)
        if code is None or code.get("Value") != STATUS_SUCCESS:
            return _page("Logout failed", f"The IdP did not confirm the logout of {answered}.", 400)
        response = _page("Signed out", f"{answered} is signed out.")
        response.del_cookie(SESSION_COOKIE)
        return response
    if "SAMLRequest" in fields:
        return _idp_initiated(state, fields, deflated)
    return _page("Nothing to do", "Send a SAMLResponse or SAMLRequest.", 400)


def _idp_initiated(state: ServerState, fields: dict[str, str], deflated: bool) -> web.Response:
    root = _decode(fields["SAMLRequest"], deflated)
    if root is None or root.tag != qname(PROTOCOL, "LogoutRequest"):
        return _page(
            "Not a LogoutRequest", "SAMLRequest does not hold a readable LogoutRequest.", 400
        )
    name_id = text_of(root.find(qname(ASSERTION, "NameID"))) or ""
    for key in list(state.sessions):
        session = state.sessions.get(key)
        if session is not None and session.name_id.casefold() == name_id.casefold():
            state.sessions.pop(key)
    profile = state.tenant.profile()
    if not profile.logout_url:
        return _page("Signed out", f"{name_id} is signed out.")
    answer = etree.Element(
        qname(PROTOCOL, "LogoutResponse"),
        {
            "ID": new_id(),
            "Version": "2.0",
            "IssueInstant": format_instant(state.clock()),
            "Destination": profile.logout_url,
            "InResponseTo": root.get("ID", ""),
        },
        nsmap={"samlp": PROTOCOL},
    )
    etree.SubElement(answer, qname(ASSERTION, "Issuer")).text = urls.entity_id(state)
    status = etree.SubElement(answer, qname(PROTOCOL, "Status"))
    etree.SubElement(status, qname(PROTOCOL, "StatusCode"), Value=STATUS_SUCCESS)
    query = redirect_query(
        etree.tostring(answer), fields.get("RelayState"), parameter="SAMLResponse"
    )
    separator = "&" if "?" in profile.logout_url else "?"
    raise web.HTTPFound(f"{profile.logout_url}{separator}{query}")
