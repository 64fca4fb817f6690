"""The simulator's HTTP JSON API under /api/, for clients that are not Python (curl, Node,
Go in CI), described by the OpenAPI 3.1 document at /api/openapi.json (`openapi`).

    POST /api/check            judge a message against the running tenant → the report
    GET  /api/results          the recent attempts, newest first
    GET  /api/results/{id}     one attempt and its report
    GET  /api/tenant           the tenant, as its TOML file would hold it
    POST /api/sign-ins         drive a sign-in (SP- or IdP-initiated) → the flow's outcome
    GET  /api/openapi.json     this description

Every answer is JSON, errors too (`{"error": ..., "message": ...}`, HTTP 400 or 404).

`/api/check` changes no state: the message is judged as if its request (`request_id`) were
outstanding, with no assertion ID used before, and nothing is recorded or consumed; so it
takes any body, as a check page would. `/api/sign-ins` changes state as a browser's sign-in
does, so it takes only `application/json`, which a cross-site form cannot send without a
CORS preflight this server never grants: that is its CSRF guard (`exempt`).
"""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from sp_sim.core import check_response
from sp_sim.core.checks.transport import decode_transport
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.flows import FlowDriver, FlowOutcome
from sp_sim.server import urls
from sp_sim.server.acs import Snapshot, settings_for
from sp_sim.server.openapi import OPENAPI
from sp_sim.server.state import Attempt, ServerState, server_state
from sp_sim.tenant.config import tenant_to_toml

PREFIX = "/api"
_LAUNCH = re.compile(r'id=idp-initiated href="([^"]+)"')
_INITIATORS = ("sp", "idp")


class BadInput(Exception):
    """What the client sent cannot be used; answered with HTTP 400 and the message."""


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


def exempt(request: web.Request) -> bool:
    """API requests the CSRF middleware lets through: the side-effect-free check, and JSON
    bodies (which a cross-site form cannot send)."""
    if not request.path.startswith(f"{PREFIX}/"):
        return False
    return request.path == f"{PREFIX}/check" or request.content_type == "application/json"


def offline_snapshot(state: ServerState, request_id: str | None, at: datetime) -> Snapshot:
    """The running tenant as the ACS of its home region sees it, with only `request_id`
    outstanding and no assertion used: a check that reads the live stores not at all."""
    outstanding = frozenset({request_id}) if request_id else frozenset[str]()
    region = state.tenant.account.region.key
    return Snapshot(state.tenant, urls.of(state), region, outstanding, frozenset(), at)


def judge_offline(body: bytes, taken: Snapshot) -> Report:
    """`check_response` with the settings the ACS would pick for this message (the profile
    its unverified NameID reaches). Pure; for a worker thread."""
    decoded = decode_transport(body, CheckSettings())
    return check_response(body, settings_for(taken, decoded.xml), taken.now)


async def check_message(
    state: ServerState, body: bytes, at: datetime | None, request_id: str | None
) -> Report:
    """Judge `body` off the event loop, at `at` (None: the server's clock)."""
    taken = offline_snapshot(state, request_id, at or state.clock())
    return await asyncio.get_running_loop().run_in_executor(None, judge_offline, body, taken)


def instant(value: object) -> datetime | None:
    """An ISO 8601 instant (`2026-01-02T03:04:05Z`; UTC without an offset), or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput("`at` must be an ISO 8601 instant such as 2026-01-02T03:04:05Z")
    try:
        parsed = parse_instant(value)
    except ValueError:
        raise BadInput(f"`at` is not an ISO 8601 instant: {value[:80]!r}") from None
    return parsed


def _optional_text(document: Mapping[str, object], key: str) -> str | None:
    value = document.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"`{key}` must be a string")
    return value


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        document = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError) as problem:
        raise BadInput(f"the body is not JSON: {problem}") from None
    if not isinstance(document, dict):
        raise BadInput("the body must be a JSON object")
    return document


async def _check_input(request: web.Request) -> tuple[bytes, datetime | None, str | None]:
    """The message, instant and request ID: from a JSON object (`message`, `at`,
    `request_id`), or the raw body (XML, base64, form body) with `at` and `request_id` in
    the query string."""
    if request.content_type == "application/json":
        document = await json_object(request)
        message = document.get("message")
        if not isinstance(message, str) or not message.strip():
            raise BadInput("`message` must be the SAMLResponse: raw XML, base64 or a form body")
        return message.encode(), instant(document.get("at")), _optional_text(document, "request_id")
    body = await request.read()
    if not body.strip():
        raise BadInput("the body is empty: send the SAMLResponse (raw XML, base64, form body)")
    query = request.query
    return body, instant(query.get("at")), _optional_text(query, "request_id")


async def check(request: web.Request) -> web.Response:
    """POST /api/check → the report (`Report.to_dict()`)."""
    try:
        body, at, request_id = await _check_input(request)
    except BadInput as problem:
        return error(400, "bad-input", str(problem))
    report = await check_message(server_state(request), body, at, request_id)
    return web.json_response(report.to_dict())


def attempt_document(attempt: Attempt) -> dict[str, Any]:
    return {
        "attempt": attempt.attempt_id,
        "at": attempt.at.isoformat(),
        "region": attempt.region,
        "via": str(attempt.via),
        "verdict": attempt.report.verdict,
        "report": attempt.report.to_dict(),
    }


async def results(request: web.Request) -> web.Response:
    """GET /api/results: the recent attempts, newest first, each with its report."""
    recent = await server_state(request).store.recent_attempts()
    return web.json_response({"results": [attempt_document(a) for a in reversed(list(recent))]})


async def result(request: web.Request) -> web.Response:
    state, key = server_state(request), request.match_info["attempt"]
    attempt = state.attempts.get(key) or await state.store.attempt(key)
    if attempt is None:
        return error(404, "not-found", f"no attempt {key}; only the most recent are kept")
    return web.json_response(attempt_document(attempt))


def tenant_document(state: ServerState) -> dict[str, Any]:
    """The tenant as its self-contained TOML file holds it (certificates as PEM)."""
    return tomllib.loads(tenant_to_toml(state.tenant))


async def tenant(request: web.Request) -> web.Response:
    return web.json_response(tenant_document(server_state(request)))


def _faults(document: Mapping[str, object]) -> tuple[str, ...]:
    faults = document.get("faults", [])
    if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
        raise BadInput("`faults` must be a list of fault names")
    return tuple(faults)


async def _drive(state: ServerState, document: Mapping[str, object]) -> FlowOutcome:
    user = _optional_text(document, "user") or "B.Simon@contoso.com"
    initiator = _optional_text(document, "initiator") or "sp"
    if initiator not in _INITIATORS:
        raise BadInput("`initiator` is `sp` or `idp`")
    region = _optional_text(document, "region") or state.tenant.account.region.key
    if region not in REGIONS:
        raise BadInput(f"`region` {region!r} is not one of {', '.join(REGIONS)}")
    faults = _faults(document)
    async with FlowDriver(state.base_url, clock=state.clock) as flows:
        if initiator == "sp":
            return await flows.sp_initiated(user, region=region, faults=faults)
        async with flows.session.get(f"{state.base_url}/") as home:
            found = _LAUNCH.search(await home.text())
        if found is None:
            raise BadInput("IdP-initiated needs the fake IdP, which this server does not mount")
        return await flows.idp_initiated(found.group(1), user, faults)


async def sign_ins(request: web.Request) -> web.Response:
    """POST /api/sign-ins {user, initiator, faults, region} → `FlowOutcome.to_dict()`."""
    if request.content_type != "application/json":
        return error(415, "unsupported-media-type", "send the sign-in as application/json")
    state = server_state(request)
    try:
        outcome = await _drive(state, await json_object(request))
    except BadInput as problem:
        return error(400, "bad-input", str(problem))
    return web.json_response(outcome.to_dict())


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


def add_api(app: web.Application) -> None:
    """Register the API's routes on the simulator's app."""
    app.router.add_post(f"{PREFIX}/check", check)
    app.router.add_get(f"{PREFIX}/results", results)
    app.router.add_get(f"{PREFIX}/results/{{attempt}}", result)
    app.router.add_get(f"{PREFIX}/tenant", tenant)
    app.router.add_post(f"{PREFIX}/sign-ins", sign_ins)
    app.router.add_get(f"{PREFIX}/openapi.json", openapi)
