"""GET /results and /results/<id>[.json|.har|.saml-tracer.json|.case.zip]: the recent
attempts and IdP refusals, filtered by the query string (`listing.Filters`), each with its
page, its JSON and its downloads (`downloads`). Nothing here changes state."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from sp_sim.server import downloads, listing, pages, results_page
from sp_sim.server.acs import _attempt_json, wants_json
from sp_sim.server.state import Attempt, Refusal, server_state

_HAR = "application/json"  # what DevTools' "Save all as HAR" files are served as
_SUFFIXES = (".saml-tracer.json", ".case.zip", ".har", ".json")


def _not_found(key: str) -> web.Response:
    return web.Response(
        text=pages.message_page(
            "Not found",
            f"No attempt {key}: only the most recent attempts are kept. See the list at /results.",
        ),
        status=404,
        content_type="text/html",
    )


def _split(key: str) -> tuple[str, str]:
    """(result ID, download suffix or "")."""
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            return key.removesuffix(suffix), suffix
    return key, ""


def refusal_document(refusal: Refusal) -> dict[str, object]:
    """A refusal as JSON; `attempt` is its ID, as for an attempt, so one list serves both."""
    return {
        "kind": "refusal",
        "attempt": refusal.refusal_id,
        "at": refusal.at.isoformat(),
        "verdict": listing.REFUSED,
        "initiated_by": refusal.initiated_by,
        "user": refusal.user,
        "aadsts": refusal.code,
        "message": refusal.message,
    }


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


async def _download(request: web.Request, found: Attempt | Refusal, suffix: str) -> web.Response:
    name = f"sp-sim-{downloads.result_id(found)}{suffix}"
    if not downloads.posted_in_full(found):
        return web.Response(
            text=pages.message_page(
                "Nothing to download",
                "This result kept no capture of what the browser sent: its POST body was "
                "larger than sp-sim keeps, or it was recorded by an older version.",
            ),
            status=404,
            content_type="text/html",
        )
    if suffix == ".har":
        text = json.dumps(downloads.har(found), indent=2, ensure_ascii=False)
        return web.Response(text=text, content_type=_HAR, headers=_attachment(name))
    if suffix == ".saml-tracer.json":
        text = json.dumps(downloads.saml_tracer(found), indent=2, ensure_ascii=False)
        return web.Response(text=text, content_type="application/json", headers=_attachment(name))
    tenant = server_state(request).tenant
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(None, downloads.case_zip, found, tenant)
    return web.Response(body=body, content_type="application/zip", headers=_attachment(name))


async def result(request: web.Request) -> web.Response:
    """One result: its page (HTML, or JSON by Accept), `.json`, or a download."""
    key, suffix = _split(request.match_info["attempt"])
    found = await listing.find(server_state(request), key)
    if found is None:
        return _not_found(request.match_info["attempt"])
    if suffix in (".har", ".saml-tracer.json", ".case.zip"):
        return await _download(request, found, suffix)
    if isinstance(found, Refusal):
        if suffix == ".json" or wants_json(request):
            return web.json_response(refusal_document(found))
        return web.Response(text=results_page.refusal_page(found), content_type="text/html")
    if suffix == ".json" or wants_json(request):
        return web.Response(text=_attempt_json(found), content_type="application/json")
    page = results_page.with_downloads(pages.result(found), found.attempt_id)
    return web.Response(text=page, content_type="text/html")


async def results(request: web.Request) -> web.Response:
    """The list, filtered by `verdict`, `initiator`, `user`, `code` (an unknown verdict or
    initiator: HTTP 400, the list unfiltered, and the reason)."""
    state = server_state(request)
    everything = await listing.listed(state, listing.Filters())
    try:
        filters = listing.Filters.parse(request.query)
    except listing.BadFilter as problem:
        page = results_page.results_list(
            everything, listing.Filters(), len(everything), str(problem)
        )
        return web.Response(text=page, status=400, content_type="text/html")
    rows = [row for row in everything if filters.keeps(row)]
    page = results_page.results_list(rows, filters, len(everything))
    return web.Response(text=page, content_type="text/html")
