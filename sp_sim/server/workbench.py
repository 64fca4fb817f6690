"""The check page, /check: paste or upload a SAMLResponse (raw XML, base64, a form body, or
a HAR / SAML-tracer capture) with the instant and request ID, and see the ACS's result page.

It judges as `sp_sim.server.api.check_message` does: against the running tenant, with only
the given request ID outstanding and no assertion used before; or against settings typed in
the form (`typed_settings`, as `sp-sim check` takes them as flags). It records and consumes
nothing, and changes no setting. Its POST still carries the form's CSRF token (the `csrf`
middleware checks it), as every form of this server does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape

from aiohttp import web

from sp_sim.core import check_response
from sp_sim.core.model import Report
from sp_sim.core.settings import CheckSettings
from sp_sim.server import api, csrf, pages, typed_settings
from sp_sim.server.state import Attempt, ServerState, Via, server_state
from sp_sim.server.typed_settings import Form, SettingsProblem, TypedSettings
from sp_sim.support.evidence import EvidenceError, StepKind, read_evidence

MAX_UPLOAD = 1024 * 1024


@dataclass(frozen=True)
class Pasted:
    """What the form gave: the message as sent, and the instant and request ID to judge with."""

    message: bytes
    at: datetime | None
    request_id: str | None
    settings: CheckSettings | None = None
    """Settings typed in the form; None: the running tenant's."""


@dataclass(frozen=True)
class FormValues:
    """What the form holds when it is shown again after a problem."""

    typed: TypedSettings
    against_typed: bool = False
    message: str = ""
    at: str = ""
    request_id: str = ""


def check_form(
    csrf_token: str, problem: str | None = None, values: FormValues | None = None
) -> str:
    """The check page's form (`values`: as it was posted; None: empty, settings from the
    running tenant are given by the caller)."""
    values = values or FormValues(TypedSettings())
    note = (
        f'<p id=problem role=alert style="color:#cf222e">{escape(problem)}</p>' if problem else ""
    )
    return pages.page(
        "Check a SAMLResponse",
        (
            "<div class=card><h1>Check a SAMLResponse</h1><p>Judged against this server's "
            "tenant as its ACS would, or against settings typed below; nothing is recorded "
            f"and no replay cache or request is used up.</p>{note}<form method=post "
            f"action=/check enctype=multipart/form-data>{pages.csrf_field(csrf_token)}"
            "<p><label for=message>SAMLResponse: raw XML, base64 or a form body</label><br>"
            "<textarea id=message name=message rows=12 style=width:100%>"
            f"{escape(values.message)}</textarea></p>"
            "<p><label>or a file (the message, a HAR or a SAML-tracer export) "
            "<input type=file id=capture name=capture></label></p>"
            "<p><label>Instant (ISO 8601, UTC when no offset; empty: now) "
            f'<input id=at name=at placeholder=2026-01-02T03:04:05Z value="{escape(values.at)}">'
            "</label></p><p><label>Request ID it answers (empty: none outstanding) "
            f'<input id=request_id name=request_id value="{escape(values.request_id)}">'
            f"</label></p>{typed_settings.fieldset(values.typed, values.against_typed)}"
            "<p><button type=submit id=check>Check</button></p></form></div>"
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


def form_values(form: Form) -> FormValues:
    return FormValues(
        TypedSettings.of_form(form),
        str(form.get("against", "")) == "typed",
        str(form.get("message", ""))[:MAX_UPLOAD],
        str(form.get("at", "")).strip()[:80],
        str(form.get("request_id", "")).strip()[:256],
    )


def _pasted(form: Form, values: FormValues) -> Pasted:
    at = api.instant(values.at)
    request_id = values.request_id or None
    pasted = _message(form, at, request_id)
    if not values.against_typed:
        return pasted
    try:
        settings = values.typed.check_settings(pasted.request_id)
    except SettingsProblem as problem:
        raise api.BadInput(f"settings: {problem}") from None
    return replace(pasted, settings=settings)


def _message(form: Form, at: datetime | None, request_id: str | None) -> Pasted:
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
    values = FormValues(TypedSettings.of_tenant(server_state(request)))
    return csrf.form_response(request, lambda token: check_form(token, None, values))


async def judge(state: ServerState, pasted: Pasted) -> Report:
    """The report on the pasted message: against the typed settings when given, else as
    the running tenant's ACS would (`api.check_message`); off the event loop either way."""
    if pasted.settings is None:
        return await api.check_message(state, pasted.message, pasted.at, pasted.request_id)
    return await asyncio.get_running_loop().run_in_executor(
        None, check_response, pasted.message, pasted.settings, pasted.at or state.clock()
    )


async def check(request: web.Request) -> web.Response:
    """POST /check → the result page (or the form again, as posted, saying what is wrong)."""
    form = await request.post()
    values = form_values(form)
    try:
        pasted = _pasted(form, values)
    except api.BadInput as error:
        problem = str(error)
        return csrf.form_response(request, lambda token: check_form(token, problem, values), 400)
    state = server_state(request)
    report = await judge(state, pasted)
    region = state.tenant.account.region.key
    attempt = Attempt("check", pasted.at or state.clock(), region, Via.PREFIX, report, None)
    text = pages.result(attempt, checked=True)
    if pasted.settings is not None:  # say so above the verdict: these are not the tenant's
        text = text.replace("<main>", f"<main>{_TYPED_NOTE}", 1)
    return web.Response(
        text=text, content_type="text/html", headers={"X-Sp-Sim-Verdict": report.verdict}
    )


_TYPED_NOTE = (
    "<div class=card id=typed-note role=note>Judged against the settings typed on the check "
    "page, not this server's tenant (which is unchanged); there is no directory or profile, "
    "as for <code>sp-sim check</code> without <code>--tenant</code>.</div>"
)


def add_workbench(app: web.Application) -> None:
    app.router.add_get("/check", check_page)
    app.router.add_post("/check", check)
