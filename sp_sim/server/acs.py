"""POST /login/saml: judge the response with the engine, remember it, show the result.

The engine reads a `Snapshot` of the state taken on the loop. A message of the usual size
(`INLINE_UP_TO`) is checked on the event loop itself: the check is pure Python under the
GIL, so a worker thread ran no faster and cost ≈ 1.3 ms of CPU per request in lock hand-offs
between the two threads (measured: 608–665 checked sign-ins/s inline against 353–383/s in
the thread, on one core's worth of work). A larger one goes to a worker thread, so that the
loop keeps serving between the interpreter's switches; with `--workers N` every message
goes to the worker processes, which do run in parallel. The server decodes the body once:
the NameID that picks the profile and the RelayState both come from that one decoding (the
engine, which takes the bytes as received, decodes them for its transport findings). The
outcome is recorded afterwards, on the event loop. The report is mapped to HTTP in one
place, `report_response`.

This endpoint takes cross-site POSTs by design (the IdP's auto-post form), so it has no CSRF
token: what guards it is the response's signature, its InResponseTo and the replay cache.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from aiohttp import web
from lxml import etree

from sp_sim.core.checks.transport import decode_transport
from sp_sim.core.engine import check_decoded
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.model import Report
from sp_sim.core.peek import peek_name_id
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import UnsafeXML, parse_instant, parse_untrusted
from sp_sim.server import captures, pages, prelogin, proxy, urls
from sp_sim.server.proxy import is_secure
from sp_sim.server.state import VIA, Attempt, ServerState, Session, region_of, server_state
from sp_sim.server.store import Claim, Known
from sp_sim.tenant import Tenant
from sp_sim.tenant.model import Urls

SESSION_COOKIE = "sp_sim_session"


class Checker(Protocol):
    """Something that judges a body against a snapshot elsewhere than the event loop: the
    worker processes of `sp_sim.server.checking` (which implement this, and import us)."""

    async def judge(self, body: bytes, taken: Snapshot) -> Judged: ...


CHECK_POOL: web.AppKey[Checker] = web.AppKey("sp_sim_check_pool")
"""The worker processes that check, when the app has them."""


@dataclass(frozen=True)
class Snapshot:
    """What a worker thread may read: the account, its URLs, the region reached, and the
    outstanding requests and used assertion IDs as they were on the event loop."""

    tenant: Tenant
    urls: Urls
    region: str
    outstanding_requests: Collection[str]
    seen_assertion_ids: Collection[str]
    now: datetime
    proxy_url: str | None = None
    """The ACS URL an untrusted proxy's headers name (see `sp_sim.server.proxy`)."""
    browser_requests: frozenset[str] | None = None
    """The requests whose pre-login cookie came with the POST (`sp_sim.server.prelogin`)."""


@dataclass(frozen=True)
class View:
    """What the ACS looked up for one response before judging it: the store's answer
    (`Known`) and the URL the request reached (`received_at`, None: the region's own)."""

    known: Known
    served_at: str | None = None
    """The base URL a trusted proxy says the browser used; None: where this server listens."""
    proxy_url: str | None = None
    """The ACS URL an untrusted proxy's headers name, for the behind-a-proxy finding."""
    browser_requests: frozenset[str] | None = None
    """The requests whose pre-login cookie the POST brought; None: the SP sets none."""


# The view of the response being handled, per task: `judge` takes `snapshot(state, region)`
# on the event loop inside the handler's task, which set it.
_VIEW: contextvars.ContextVar[View | None] = contextvars.ContextVar("sp_sim_view", default=None)


def snapshot(state: ServerState, region: str) -> Snapshot:
    """Take the snapshot, on the event loop: the handler's `View` when it set one, else
    the memory store as it is now."""
    view = _VIEW.get()
    if view is None:
        known = Known(state.requests.snapshot(), state.used_assertions.snapshot())
        view = View(known)
    return Snapshot(
        state.tenant,
        urls.of(state, view.served_at),
        region,
        view.known.outstanding,
        view.known.seen,
        state.clock(),
        view.proxy_url,
        view.browser_requests,
    )


def settings_for(taken: Snapshot, xml: bytes | None) -> CheckSettings:
    """The account's settings for the profile this response's user reaches (with several
    profiles, found by the unverified NameID of the decoded `xml`), as `check_settings`
    builds them from the snapshot: nothing is patched in afterwards."""
    return settings_with(taken, profile_for(taken, xml))


def profile_for(taken: Snapshot, xml: bytes | None) -> str | None:
    """The profile the unverified NameID's address reaches, with several profiles; None
    (the first) otherwise."""
    tenant = taken.tenant
    profile = None
    if len(tenant.profiles) > 1 and xml is not None:
        name_id = peek_name_id(xml)  # already XML: read, not decoded again
        address = tenant.directory.find(name_id) if name_id else None
        profile = address.profile if address is not None else None
    return profile if profile in {p.name for p in tenant.profiles} else None


def settings_with(taken: Snapshot, profile: str | None) -> CheckSettings:
    """The settings for `profile` (None: the first), from the snapshot."""
    tenant = taken.tenant
    settings = tenant.check_settings(
        profile,
        urls=taken.urls,
        outstanding_requests=taken.outstanding_requests,
        seen_assertion_ids=taken.seen_assertion_ids,
        received_at=REGIONS[taken.region].acs_url,
        browser_requests=taken.browser_requests,
    )
    return replace(settings, proxy_url=taken.proxy_url) if taken.proxy_url else settings


@dataclass(frozen=True)
class Judged:
    """The engine's report, the settings it judged with, and the form's RelayState."""

    report: Report
    settings: CheckSettings
    relay_state: str | None
    report_json: str | None = field(default=None, compare=False)
    """The report as `_attempt_json` nests it, when rendered off the loop (a check worker)."""


def judge_message(body: bytes, taken: Snapshot) -> Judged:
    """Decode the body (once, for the NameID and RelayState), choose the settings, run the
    engine on that decoding. Pure; for a worker thread."""
    decoded = decode_transport(body, CheckSettings())
    settings = settings_for(taken, decoded.xml)
    return Judged(check_decoded(decoded, settings, taken.now), settings, decoded.relay_state)


INLINE_UP_TO = 32 * 1024
"""The largest body checked on the event loop (≈ 1 ms of CPU for Entra's 6 KB responses;
a 32 KB one, ≈ 3 ms); above it, a worker thread."""


async def judge(
    state: ServerState, region: str, body: bytes, pool: Checker | None = None
) -> Judged:
    """Check the response against a snapshot of the state: in `pool`'s processes when
    given, else on the loop (up to `INLINE_UP_TO` bytes) or in a worker thread. Whether it
    still holds is decided afterwards, atomically, by the store's claim
    (`judged_and_claimed` judges again when the claim loses)."""
    taken = snapshot(state, region)
    if pool is not None:
        return await pool.judge(body, taken)
    if len(body) <= INLINE_UP_TO:
        return judge_message(body, taken)
    return await asyncio.get_running_loop().run_in_executor(None, judge_message, body, taken)


def candidate_ids(body: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """Every InResponseTo and every ID in the (unverified) response: whichever the engine
    ends up reading, the store is asked about it. Empty when nothing parses."""
    decoded = decode_transport(body, CheckSettings())
    if decoded.xml is None:
        return frozenset(), frozenset()
    try:
        root = parse_untrusted(decoded.xml)
    except (UnsafeXML, etree.XMLSyntaxError):
        return frozenset(), frozenset()
    answered = {str(v) for v in root.xpath("//@InResponseTo")}  # type: ignore[union-attr]
    ids = {str(v) for v in root.xpath("//@ID")}  # type: ignore[union-attr]
    return frozenset(answered), frozenset(ids)


async def judged_and_claimed(
    request: web.Request, state: ServerState, region: str, body: bytes
) -> tuple[Judged, tuple[str, Session] | None]:
    """Look up, judge, claim; judged again while a claim loses (another post of the same
    response, or of another answer to its request, came first), which then fails with the
    engine's own replay or unknown-request finding. StoreFull / StoreUnavailable: 503."""
    # Parsing the message on the loop is only worth it for a store that answers per ID.
    no_ids: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    request_ids, assertion_ids = candidate_ids(body) if state.store.asks_about_ids else no_ids
    served_at, proxy_url = proxy.served_at(request, state), proxy.untrusted_acs(request, state)
    cookies = prelogin.brought(request)
    while True:
        known = await state.store.known(request_ids, assertion_ids)
        token = _VIEW.set(View(known, served_at, proxy_url, cookies))
        try:
            judged = await judge(state, region, body, request.config_dict.get(CHECK_POOL))
        finally:
            _VIEW.reset(token)
        report = judged.report
        if not report.works:
            return judged, None
        session = _session_of(judged, region)
        until = _instant(report.valid_until)
        claim = await state.store.claim(report.assertion_id, until, report.in_response_to, session)
        if claim is Claim.WON:
            return judged, session


def _session_of(judged: Judged, region: str) -> tuple[str, Session] | None:
    report, settings = judged.report, judged.settings
    if not report.user:
        return None
    profile = settings.profile.name if settings.profile else ""
    session = Session(report.user, report.user, profile, region, report.session_index)
    return uuid.uuid4().hex, session


async def acs(request: web.Request) -> web.StreamResponse:
    state = server_state(request)
    region = region_of(request)
    body = await request.read()
    judged, session = await judged_and_claimed(request, state, region, body)
    via = request.config_dict[VIA]
    posted = captures.acs_post(request, region, body, state.clock())  # for the downloads
    attempt = await state.record(region, via, judged.report, judged.relay_state, posted)
    response = report_response(request, attempt, judged.report_json)
    if session is not None:
        response.set_cookie(
            SESSION_COOKIE, session[0], httponly=True, samesite="Lax", secure=is_secure(request)
        )
        prelogin.forget(response, judged.report.in_response_to)
    return response


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


def report_response(
    request: web.Request, attempt: Attempt, report_json: str | None = None
) -> web.Response:
    """The one place a Report becomes HTTP: 200 either way, the verdict in a header.
    `report_json`: the report already rendered by `nested_report_json`."""
    headers = {
        "X-Sp-Sim-Verdict": attempt.report.verdict,
        "X-Sp-Sim-Report": f"/results/{attempt.attempt_id}.json",
    }
    if wants_json(request):
        return web.Response(
            text=_attempt_json(attempt, report_json),
            content_type="application/json",
            headers=headers,
        )
    return web.Response(text=pages.result(attempt), content_type="text/html", headers=headers)


def nested_report_json(report: Report) -> str:
    """The report as `_attempt_json` nests it, for a check worker to render off the loop.
    Compact: without `indent` json uses its C encoder, several times faster than the
    indented one (pure Python), which was the costliest part of a JSON answer."""
    return json.dumps(report.to_dict(), ensure_ascii=False)


def _attempt_json(attempt: Attempt, report_json: str | None = None) -> str:
    """`{"attempt": …, "region": …, "report": …}`, compact (clients pipe it to jq)."""
    head = json.dumps({"attempt": attempt.attempt_id, "region": attempt.region})
    report = report_json if report_json is not None else nested_report_json(attempt.report)
    return f'{head[:-1]}, "report": {report}}}'


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
