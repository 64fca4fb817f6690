"""The check page, /check: paste or upload a SAMLResponse (raw XML, base64, a form body, or
a HAR / SAML-tracer capture) with the instant and request ID, and see the ACS's result page.

It judges as `sp_sim.server.api.check_message` does: against the running tenant, with only
the given request ID outstanding and no assertion used before; it records and consumes
nothing. Its POST still carries the form's CSRF token (the `csrf` middleware checks it), as
every form of this server does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from aiohttp import web

from sp_sim.server import api, csrf, pages
from sp_sim.server.state import Attempt, Via, server_state
from sp_sim.support.evidence import EvidenceError, StepKind, read_evidence

MAX_UPLOAD = 1024 * 1024


@dataclass(frozen=True)
class Pasted:
    """What the form gave: the message as sent, and the instant and request ID to judge with."""

    message: bytes
    at: datetime | None
    request_id: str | None


def check_form(csrf_token: str, problem: str | None = None) -> str:
    """The check page's form."""
    note = f'<p id=problem style="color:#cf222e">{escape(problem)}</p>' if problem else ""
    return pages.page(
        "Check a SAMLResponse",
        (
            "<div class=card><h1>Check a SAMLResponse</h1><p>Judged against this server's "
            "tenant, as its ACS would; nothing is recorded and no replay cache or request is "
            f"used up.</p>{note}<form method=post action=/check enctype=multipart/form-data>"
            f"{pages.csrf_field(csrf_token)}"
            "<p><label for=message>SAMLResponse: raw XML, base64 or a form body</label><br>"
            "<textarea id=message name=message rows=12 style=width:100%></textarea></p>"
            "<p><label>or a file (the message, a HAR or a SAML-tracer export) "
            "<input type=file id=capture name=capture></label></p>"
            "<p><label>Instant (ISO 8601, UTC when no offset; empty: now) "
            "<input id=at name=at placeholder=2026-01-02T03:04:05Z></label></p>"
            "<p><label>Request ID it answers (empty: none outstanding) "
            "<input id=request_id name=request_id></label></p>"
            "<button type=submit id=check>Check</button></form></div>"
        ),
    )


def from_capture(data: bytes, at: datetime | None, request_id: str | None) -> Pasted:
    """The last SAMLResponse of a HAR or SAML-tracer file (a raw message is itself), judged
    when it was captured and against the last AuthnRequest before it, unless given."""
    try:
        _, steps = read_evidence(data)
    except EvidenceError as error:
        raise api.BadInput(f"the file cannot be read: {error}") from None
    responses = [s for s in steps if s.kind is StepKind.SAML_RESPONSE]
    if not responses:
        raise api.BadInput("the file holds no SAMLResponse")
    step = responses[-1]
    message = step.body or step.xml or b""
    requests = [s for s in steps if s.kind is StepKind.AUTHN_REQUEST and s.index < step.index]
    if request_id is None and requests:
        request_id = requests[-1].attribute("ID")
    return Pasted(message, at or step.at, request_id)


async def _pasted(request: web.Request) -> Pasted:
    form = await request.post()
    at = api.instant(str(form.get("at", "")).strip())
    request_id = str(form.get("request_id", "")).strip() or None
    upload = form.get("capture")
    if isinstance(upload, web.FileField):
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise api.BadInput("the file is larger than 1 MiB")
        if data.strip():
            return from_capture(data, at, request_id)
    message = str(form.get("message", "")).strip()
    if not message:
        raise api.BadInput("paste a SAMLResponse or choose a file")
    if message.startswith(("{", "[")):
        return from_capture(message.encode(), at, request_id)
    return Pasted(message.encode(), at, request_id)


async def check_page(request: web.Request) -> web.Response:
    return csrf.form_response(request, check_form)


async def check(request: web.Request) -> web.Response:
    """POST /check → the result page (or the form again, saying what is missing)."""
    try:
        pasted = await _pasted(request)
    except api.BadInput as error:
        problem = str(error)
        return csrf.form_response(request, lambda token: check_form(token, problem), 400)
    state = server_state(request)
    report = await api.check_message(state, pasted.message, pasted.at, pasted.request_id)
    region = state.tenant.account.region.key
    attempt = Attempt("check", pasted.at or state.clock(), region, Via.PREFIX, report, None)
    return web.Response(
        text=pages.result(attempt, checked=True),
        content_type="text/html",
        headers={"X-Sp-Sim-Verdict": report.verdict},
    )


def add_workbench(app: web.Application) -> None:
    app.router.add_get("/check", check_page)
    app.router.add_post("/check", check)
