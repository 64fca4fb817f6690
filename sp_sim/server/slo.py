"""Single logout: an SP-initiated LogoutRequest to the profile's Logout URL, and the SLO
endpoint that takes the IdP's LogoutResponse or an IdP-initiated LogoutRequest.

Every logout message is verified by `sp_sim.core.logout` (the profile's Issuer, the
signature against the profile's certificates, the session or request it names), in a
worker thread over snapshots of the stores; the outcome is acted on here, on the event
loop. A LogoutRequest is answered with a LogoutResponse to the profile's Logout URL by
HTTP-Redirect: Success, or Requester with the reason in StatusMessage. Each answer is also
a page of findings for a human, with `X-Sp-Sim-Logout: accepted|refused` and
`X-Sp-Sim-Logout-Codes`. A full logout store (StoreFull) is the app's HTTP 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from html import escape

from aiohttp import web

from sp_sim.core.bindings import Parameter, append_query, redirect_query
from sp_sim.core.logout import (
    KnownSession,
    LogoutKind,
    LogoutOutcome,
    LogoutSettings,
    check_post_logout,
    check_redirect_logout,
)
from sp_sim.core.model import Finding
from sp_sim.server import pages, urls
from sp_sim.server.acs import SESSION_COOKIE
from sp_sim.server.authn_request import build_logout_request, build_logout_response
from sp_sim.server.state import ServerState, Session, server_state
from sp_sim.tenant import AuthenticationProfile

Check = Callable[[LogoutSettings], LogoutOutcome]


def _page(title: str, text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=pages.message_page(title, text), status=status, content_type="text/html"
    )


def _profile(state: ServerState, name: str) -> AuthenticationProfile:
    try:
        return state.tenant.profile(name or None)
    except KeyError:  # renamed by an Import since the sign-in
        return state.tenant.profile()


async def logout(request: web.Request) -> web.Response:
    """GET /logout: send a LogoutRequest for the signed-in user (NameID and SessionIndex as
    the IdP issued them). The session ends when the IdP's verified answer comes back."""
    state = server_state(request)
    key = request.cookies.get(SESSION_COOKIE, "")
    session = await state.store.session(key) if key else None
    if session is None:
        return _page("Not signed in", "There is no sp-sim session to end.", 400)
    profile = _profile(state, session.profile)
    if not profile.logout_url:
        return _page("No Logout URL", f"Profile {profile.name!r} has no Logout URL.", 400)
    request_id, xml = build_logout_request(
        urls.entity_id(state),
        profile.logout_url,
        session.name_id,
        state.clock(),
        session.session_index,
    )
    # A full store raises StoreFull, which the app's middleware answers with HTTP 503.
    await state.store.add_logout(request_id, key)
    raise web.HTTPFound(append_query(profile.logout_url, redirect_query(xml, request_id)))


async def single_logout(request: web.Request) -> web.Response:
    """GET|POST /login/saml/logout: a LogoutResponse, or an IdP-initiated LogoutRequest."""
    state = server_state(request)
    check: Check
    if request.method == "GET":
        # As received: the Redirect signature covers these octets, not a re-encoding.
        check = partial(check_redirect_logout, request.rel_url.raw_query_string)
    else:
        try:
            form = await request.post()
        except (ValueError, LookupError):  # not URL-encoded UTF-8: no logout message
            text = "The POST is not a form of URL-encoded UTF-8."
            raise web.HTTPBadRequest(text=text) from None
        check = partial(check_post_logout, [(name, str(value)) for name, value in form.items()])
    sessions = await state.store.sessions_list()
    pending = await state.store.pending_logouts()
    candidates = [(_settings(p, sessions, pending), p) for p in state.tenant.profiles]
    loop = asyncio.get_running_loop()
    outcome, profile = await loop.run_in_executor(None, _verify, check, candidates)
    if outcome.kind is LogoutKind.RESPONSE:
        return await _finish(request, state, outcome)
    if outcome.kind is LogoutKind.REQUEST:
        return await _answer(request, state, outcome, profile)
    return _findings_page("Not a logout message", "Nothing was signed out.", outcome, 400)


def _settings(
    profile: AuthenticationProfile, sessions: list[tuple[str, Session]], pending: frozenset[str]
) -> LogoutSettings:
    """A snapshot of what one profile verifies with, taken from the store on the loop."""
    known = tuple(
        KnownSession(key, s.name_id, s.session_index)
        for key, s in sessions
        if s.profile in ("", profile.name)
    )
    return LogoutSettings(
        issuer=profile.issuer_url,
        certificates=profile.certificates,
        allow_unsigned=profile.allow_unsigned_logout,
        sessions=known,
        outstanding_requests=pending,
        provider=profile.provider,
    )


def _verify(
    check: Check, candidates: list[tuple[LogoutSettings, AuthenticationProfile]]
) -> tuple[LogoutOutcome, AuthenticationProfile]:
    """The profile that accepts the message; else the one whose Issuer URL it names; else
    the first. (One profile, the usual case: that one.)"""
    judged = [(check(settings), profile) for settings, profile in candidates]
    accepted = next((j for j in judged if j[0].accepted), None)
    named = next((j for j in judged if j[0].issuer == j[1].issuer_url), judged[0])
    return accepted or named


async def _finish(request: web.Request, state: ServerState, outcome: LogoutOutcome) -> web.Response:
    """The IdP's answer to our LogoutRequest: a verified one ends the sp-sim session."""
    if not outcome.authentic:
        return _findings_page(
            "Logout response refused", "The sp-sim session is kept.", outcome, 400
        )
    key = await state.store.take_logout(outcome.in_response_to or "")
    if key is None:  # answered by a concurrent request since the snapshot
        return _page("Logout already answered", "This LogoutRequest was already answered.", 400)
    session = await state.store.end_session(key)
    who = session.email if session is not None else "The user"
    if outcome.accepted:
        response = _findings_page("Signed out", f"{who} is signed out.", outcome, 200)
    else:
        response = _findings_page(
            "Logout not confirmed",
            f"{who} is signed out of sp-sim, but the IdP did not confirm the logout.",
            outcome,
            400,
        )
    if request.cookies.get(SESSION_COOKIE) == key:
        response.del_cookie(SESSION_COOKIE)
    return response


async def _answer(
    request: web.Request,
    state: ServerState,
    outcome: LogoutOutcome,
    profile: AuthenticationProfile,
) -> web.Response:
    """End the sessions an accepted LogoutRequest names, and answer it at the profile's
    Logout URL: Success, or Requester with the reason."""
    for key in outcome.ended_sessions:
        await state.store.end_session(key)
    if outcome.accepted:
        title, lead = "Signed out", f"{outcome.name_id} is signed out."
    else:
        title, lead = "Logout request refused", "No session was ended."
    status = 200 if outcome.accepted else 400
    location = None
    if profile.logout_url and outcome.message_id:
        xml = build_logout_response(
            urls.entity_id(state),
            profile.logout_url,
            outcome.message_id,
            state.clock(),
            outcome.answer_status(),
            outcome.status_message(),
        )
        query = redirect_query(xml, outcome.relay_state, parameter=Parameter.RESPONSE)
        location, status = append_query(profile.logout_url, query), 302
        lead += " The LogoutResponse goes back to the IdP."
    response = _findings_page(title, lead, outcome, status)
    if location is not None:
        response.headers["Location"] = location
    if request.cookies.get(SESSION_COOKIE, "") in outcome.ended_sessions:
        response.del_cookie(SESSION_COOKIE)
    return response


def _finding_row(finding: Finding) -> str:
    hint = f"<div class=hint>Fix in {escape(str(finding.hint))}</div>" if finding.hint else ""
    return (
        f'<tr class="finding {finding.status}" data-code="{escape(finding.code)}">'
        f'<td><span class="badge {finding.status}">{escape(finding.status.upper())}</span></td>'
        f"<td><code>{escape(finding.code)}</code></td><td>{escape(finding.message)}{hint}</td>"
        f"<td>{escape(finding.expected or '')}</td><td>{escape(finding.observed or '')}</td></tr>"
    )


def _findings_page(title: str, lead: str, outcome: LogoutOutcome, status: int) -> web.Response:
    verdict = "accepted" if outcome.accepted else "refused"
    rows = "".join(_finding_row(f) for f in outcome.findings)
    body = (
        f'<div class="card {"works" if outcome.accepted else "fails"}" id=logout '
        f'data-logout="{verdict}"><h1>{escape(title)}</h1><p>{escape(lead)}</p>'
        f"<p>{escape(outcome.kind or 'unreadable message')} · {verdict}</p></div>"
        "<div class=card><h2>Checks</h2><table><tr><th class=status></th><th class=code>code"
        f"</th><th>what</th><th>expected</th><th>observed</th></tr>{rows}</table></div>"
        f"<div class=card><h2>The message</h2>{pages.marked_xml(outcome.xml, ())}</div>"
    )
    headers = {
        "X-Sp-Sim-Logout": verdict,
        "X-Sp-Sim-Logout-Codes": " ".join(str(f.code) for f in outcome.findings),
    }
    return web.Response(
        text=pages.page(title, body), status=status, content_type="text/html", headers=headers
    )
