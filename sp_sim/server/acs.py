"""POST /login/saml: judge the response with the engine, remember it, show the result.

The engine runs in a worker thread so that checking never blocks the event loop; it reads
a `Snapshot` of the state (frozen values taken on the loop), never the live stores. The
server decodes the body once, there too: the NameID that picks the profile and the
RelayState both come from that one decoding (the engine, which takes the bytes as received,
decodes them for its transport findings). The outcome is recorded afterwards, on the event
loop. The report is mapped to HTTP in one place, `report_response`.

This endpoint takes cross-site POSTs by design (the IdP's auto-post form), so it has no CSRF
token: what guards it is the response's signature, its InResponseTo and the replay cache.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from sp_sim.core.checks.transport import decode_transport
from sp_sim.core.engine import check_decoded
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.model import Report
from sp_sim.core.peek import peek_name_id
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.server import pages, urls
from sp_sim.server.state import VIA, Attempt, ServerState, Session, region_of, server_state
from sp_sim.tenant import Tenant
from sp_sim.tenant.model import Urls

SESSION_COOKIE = "sp_sim_session"


@dataclass(frozen=True)
class Snapshot:
    """What a worker thread may read: the account, its URLs, the region reached, and the
    outstanding requests and used assertion IDs as they were on the event loop."""

    tenant: Tenant
    urls: Urls
    region: str
    outstanding_requests: frozenset[str]
    seen_assertion_ids: frozenset[str]
    now: datetime


def snapshot(state: ServerState, region: str) -> Snapshot:
    """Take the snapshot, on the event loop."""
    return Snapshot(
        state.tenant,
        urls.of(state),
        region,
        state.requests.snapshot(),
        state.used_assertions.snapshot(),
        state.clock(),
    )


def settings_for(taken: Snapshot, xml: bytes | None) -> CheckSettings:
    """The account's settings for the profile this response's user reaches (with several
    profiles, found by the unverified NameID of the decoded `xml`), as `check_settings`
    builds them from the snapshot: nothing is patched in afterwards."""
    tenant = taken.tenant
    profile = None
    if len(tenant.profiles) > 1 and xml is not None:
        name_id = peek_name_id(xml)  # already XML: read, not decoded again
        address = tenant.directory.find(name_id) if name_id else None
        profile = address.profile if address is not None else None
    return tenant.check_settings(
        profile if profile in {p.name for p in tenant.profiles} else None,
        urls=taken.urls,
        outstanding_requests=taken.outstanding_requests,
        seen_assertion_ids=taken.seen_assertion_ids,
        received_at=REGIONS[taken.region].acs_url,
    )


@dataclass(frozen=True)
class Judged:
    """The engine's report, the settings it judged with, and the form's RelayState."""

    report: Report
    settings: CheckSettings
    relay_state: str | None


def judge_message(body: bytes, taken: Snapshot) -> Judged:
    """Decode the body (once, for the NameID and RelayState), choose the settings, run the
    engine on that decoding. Pure; for a worker thread."""
    decoded = decode_transport(body, CheckSettings())
    settings = settings_for(taken, decoded.xml)
    return Judged(check_decoded(decoded, settings, taken.now), settings, decoded.relay_state)


async def judge(state: ServerState, region: str, body: bytes) -> Judged:
    """Check the response in a worker thread until the verdict still holds on the event loop.

    A response that works relied on its assertion ID being unused and its request being
    outstanding. If another request consumed either while this one was being checked, it is
    checked again against the state as it is now, so that it fails as a replay (or as an
    answer to no outstanding request) with the engine's own findings. That second check sees
    the consumed ID, so it cannot work, and the loop ends."""
    loop = asyncio.get_running_loop()
    while True:
        judged = await loop.run_in_executor(None, judge_message, body, snapshot(state, region))
        if not (judged.report.works and _consumed_meanwhile(state, judged.report)):
            return judged


def _consumed_meanwhile(state: ServerState, report: Report) -> bool:
    used = report.assertion_id is not None and report.assertion_id in state.used_assertions
    answered = report.in_response_to is not None and report.in_response_to not in state.requests
    return used or answered


async def acs(request: web.Request) -> web.StreamResponse:
    state = server_state(request)
    region = region_of(request)
    body = await request.read()
    judged = await judge(state, region, body)
    report, settings = judged.report, judged.settings
    # From here to the response there is no await: checking the state and recording the
    # outcome are one step on the event loop, so two requests cannot both use one assertion.
    session = None
    if report.works and report.user:
        profile = settings.profile.name if settings.profile else ""
        session = (
            uuid.uuid4().hex,
            Session(report.user, report.user, profile, region, report.session_index),
        )
    if report.works:
        consume(state, report, session)  # StoreFull: HTTP 503, nothing recorded
    attempt = state.record(region, request.config_dict[VIA], report, judged.relay_state)
    response = report_response(request, attempt)
    if session is not None:
        response.set_cookie(
            SESSION_COOKIE, session[0], httponly=True, samesite="Lax", secure=request.secure
        )
    return response


def consume(state: ServerState, report: Report, session: tuple[str, Session] | None) -> None:
    """An accepted assertion is used up until it stops being valid, the request it answered
    is used up, and its user has a session. Every store is asked for room first, so a full
    one (StoreFull) leaves all of them as they were."""
    if report.assertion_id:
        state.used_assertions.make_room(report.assertion_id)
    if session is not None:
        state.sessions.make_room(session[0])
    if report.assertion_id:
        state.used_assertions.put(report.assertion_id, True, _instant(report.valid_until))
    if report.in_response_to:
        state.requests.pop(report.in_response_to)
    if session is not None:
        state.sessions.put(*session)


def _instant(value: str | None) -> datetime | None:
    """The report's `valid_until`; None (the store's own ttl) when unknown or unreadable."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        return None


def wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def report_response(request: web.Request, attempt: Attempt) -> web.Response:
    """The one place a Report becomes HTTP: 200 either way, the verdict in a header."""
    headers = {
        "X-Sp-Sim-Verdict": attempt.report.verdict,
        "X-Sp-Sim-Report": f"/results/{attempt.attempt_id}.json",
    }
    if wants_json(request):
        return web.Response(
            text=_attempt_json(attempt), content_type="application/json", headers=headers
        )
    return web.Response(text=pages.result(attempt), content_type="text/html", headers=headers)


def _attempt_json(attempt: Attempt) -> str:
    document = {
        "attempt": attempt.attempt_id,
        "region": attempt.region,
        "report": attempt.report.to_dict(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


async def acs_get(request: web.Request) -> web.Response:
    """A GET carries no assertion: what Mimecast shows when Entra's Sign-on URL sends the
    browser here during an IdP-initiated sign-in."""
    text = pages.message_page(
        "We can't validate your identity (SAML issue)",
        "No SAMLResponse arrived: a GET came to /login/saml instead of an HTTP-POST. If this "
        "followed a My Apps tile, the Entra app's Sign-on URL is set while IdP-initiated "
        "sign-in is intended: clear Sign-on URL (Basic SAML Configuration).",
    )
    return web.Response(text=text, status=400, content_type="text/html")


async def legacy_endpoint(request: web.Request) -> web.Response:
    """Old endpoints (the Personal Portal's /login/sso/mpp) loop back to the login page."""
    raise web.HTTPFound(f"{request.path.removesuffix('/login/sso/mpp')}/login")


async def result(request: web.Request) -> web.Response:
    """GET /results/{id} (HTML, or JSON by Accept) and /results/{id}.json."""
    state = server_state(request)
    key = request.match_info["attempt"]
    as_json = key.endswith(".json")
    attempt = state.attempts.get(key.removesuffix(".json"))
    if attempt is None:
        return web.Response(
            text=pages.message_page(
                "Not found", f"No attempt {key}; only the most recent attempts are kept."
            ),
            status=404,
            content_type="text/html",
        )
    if as_json or wants_json(request):
        return web.Response(text=_attempt_json(attempt), content_type="application/json")
    return web.Response(text=pages.result(attempt), content_type="text/html")


async def results(request: web.Request) -> web.Response:
    state = server_state(request)
    return web.Response(text=pages.attempts(state.attempts.values()), content_type="text/html")
