"""The simulator's HTTP JSON API under /api/, for clients that are not Python (curl, Node,
Go in CI), described by the OpenAPI 3.1 document at /api/openapi.json (`openapi`).

    POST /api/check            judge a message against the running tenant → the report
    GET  /api/results          the recent attempts and IdP refusals, newest first
                               (?verdict=works|fails|refused&initiator=sp|idp&user=&code=)
    GET  /api/results/{id}     one attempt and its report, or one refusal
    GET  /api/tenant           the tenant, as its TOML file would hold it
    PUT  /api/tenant           replace the tenant (validated as the TOML is) → the new one
    POST /api/sign-ins         drive a sign-in (SP- or IdP-initiated) → the flow's outcome
    GET  /api/openapi.json     this description

Every answer is JSON, errors too (`{"error": ..., "message": ...}`, HTTP 400 or 404).

`/api/check` changes no state: the message is judged as if its request (`request_id`) were
outstanding, with no assertion ID used before, and nothing is recorded or consumed; so it
takes any body, as a check page would. `/api/sign-ins` changes state as a browser's sign-in
does, and `PUT /api/tenant` changes the tenant, so they take only `application/json`, which
a cross-site form cannot send without a CORS preflight this server never grants: that is
their CSRF guard (`exempt`); the tenant's PUT also refuses a foreign `Origin`.
"""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from sp_sim.core import check_response
from sp_sim.core.checks.transport import decode_transport
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.errors import ConfigError
from sp_sim.flows import FlowDriver, FlowOutcome
from sp_sim.server import csrf, urls
from sp_sim.server.acs import Snapshot, settings_for
from sp_sim.server.listing import BadFilter, Filters, find, listed
from sp_sim.server.openapi import OPENAPI
from sp_sim.server.results import refusal_document
from sp_sim.server.state import Attempt, Refusal, ServerState, server_state
from sp_sim.tenant import Tenant
from sp_sim.tenant.config import tenant_from_dict, tenant_to_toml

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
    except RecursionError:
        raise BadInput("the body is JSON nested too deeply to read") from None
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
        "kind": "attempt",
        "attempt": attempt.attempt_id,
        "at": attempt.at.isoformat(),
        "region": attempt.region,
        "via": str(attempt.via),
        "verdict": attempt.report.verdict,
        "report": attempt.report.to_dict(),
    }


def result_document(found: Attempt | Refusal) -> dict[str, Any]:
    """An attempt with its report, or an IdP refusal (`kind` says which)."""
    return attempt_document(found) if isinstance(found, Attempt) else refusal_document(found)


async def results(request: web.Request) -> web.Response:
    """GET /api/results: the recent attempts and IdP refusals, newest first, filtered by
    `verdict`, `initiator`, `user` and `code` (see `sp_sim.server.listing`)."""
    try:
        filters = Filters.parse(request.query)
    except BadFilter as problem:
        return error(400, "bad-filter", str(problem))
    rows = await listed(server_state(request), filters)
    return web.json_response({"results": [result_document(row.result) for row in rows]})


async def result(request: web.Request) -> web.Response:
    key = request.match_info["attempt"]
    found = await find(server_state(request), key)
    if found is None:
        return error(404, "not-found", f"no attempt {key}; only the most recent are kept")
    return web.json_response(result_document(found))


def tenant_document(state: ServerState) -> dict[str, Any]:
    """The tenant as its self-contained TOML file holds it (certificates as PEM)."""
    return tomllib.loads(tenant_to_toml(state.tenant))


async def tenant(request: web.Request) -> web.Response:
    return web.json_response(tenant_document(server_state(request)))


TENANT_SOURCE = Path("tenant")
"""How validation messages name the API's tenant: `tenant: profiles[0].login_url: ...`."""
_FILE_KEYS = ("idp_certificate_files", "idp_metadata_file")


def tenant_from_document(document: dict[str, Any]) -> Tenant:
    """The tenant a PUT's JSON describes, validated as the TOML file is (BadInput with the
    same message). Keys that name files are refused: a client must not make the server
    read its own disk; certificates come inline, as PEM in `idp_certificates`."""
    profiles = document.get("profiles")
    for index, table in enumerate(profiles if isinstance(profiles, list) else []):
        for key in _FILE_KEYS:
            if isinstance(table, dict) and key in table:
                raise BadInput(
                    f"{TENANT_SOURCE}: profiles[{index}].{key}: files are not read through "
                    "the API; give the certificates as PEM in idp_certificates"
                )
    try:
        return tenant_from_dict(document, TENANT_SOURCE)
    except ConfigError as problem:
        raise BadInput(str(problem)) from None


async def put_tenant(request: web.Request) -> web.Response:
    """PUT /api/tenant: replace the tenant with the JSON one (the shape GET answers) → the
    tenant as now served; the next sign-in uses it. Results and outstanding requests stay.

    The CSRF middleware lets it through only as `application/json` (`exempt`); a browser
    sends a cross-site PUT, and JSON, only after a CORS preflight this server never grants.
    A request that says it comes from another origin is refused all the same."""
    if request.content_type != "application/json":
        return error(415, "unsupported-media-type", "send the tenant as application/json")
    if (foreign := csrf.origin_problem(request)) is not None:
        return error(403, "foreign-origin", f"refused: {foreign}")
    state = server_state(request)
    try:
        state.tenant = tenant_from_document(await json_object(request))
    except BadInput as problem:
        return error(400, "bad-input", str(problem))
    return web.json_response(tenant_document(state))


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
    app.router.add_put(f"{PREFIX}/tenant", put_tenant)
    app.router.add_post(f"{PREFIX}/sign-ins", sign_ins)
    app.router.add_get(f"{PREFIX}/openapi.json", openapi)
