"""The simulator's error answers: what went wrong and what to do, styled for a browser
(with a link home), JSON for the API and for clients that ask for JSON.

aiohttp's own plain-text answers ("404: Not Found", "405: Method Not Allowed", a bare
`HTTPBadRequest(text=...)`) are re-drawn here too; an answer that already carries a page
(HTML) is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from sp_sim.server import pages
from sp_sim.server.acs import wants_json

HOME_HINT = (
    "the home page lists every endpoint: each grid's sign-in, recent attempts, the check "
    "page and the profiles."
)

_TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    503: "Unavailable",
}
_CODES = {
    400: "bad-request",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    503: "unavailable",
}


def json_wanted(request: web.Request) -> bool:
    """The API always answers JSON; elsewhere, a client whose Accept asks for JSON."""
    return request.path.startswith("/api/") or wants_json(request)


def answer(
    request: web.Request,
    status: int,
    title: str,
    text: str,
    todo: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """One error answer: a styled page saying `text` and what to do (`todo`), or JSON."""
    if json_wanted(request):
        document = {"error": code or _CODES.get(status, "error"), "message": text, "todo": todo}
        return web.json_response(document, status=status, headers=headers)
    return web.Response(
        text=pages.message_page(title, text, todo),
        status=status,
        content_type="text/html",
        headers=headers,
    )


def _todo(request: web.Request, error: web.HTTPException) -> str:
    if error.status == 404:
        return f"check the address ({request.path}); {HOME_HINT}"
    if error.status == 405:
        allowed = error.headers.get("Allow", "")
        return (
            f"this address takes {allowed or 'other methods'}, not {request.method}: "
            "open it from a link (GET) or submit the form on its page (POST)."
        )
    if error.status == 413:
        return "send a smaller request; a SAMLResponse from Entra is a few kilobytes."
    if error.status >= 500:
        return "try the same request again in a few seconds."
    return f"correct the request and send it again; {HOME_HINT}"


def _what(request: web.Request, error: web.HTTPException) -> str:
    default = f"{error.status}: {error.reason}"
    given = (error.text or "").strip()
    if given and given != default:
        return given
    if error.status == 404:
        return f"Nothing is served at {request.path}."
    if error.status == 405:
        return f"{request.path} does not take {request.method} requests."
    return f"sp-sim could not answer this request ({error.status} {error.reason})."


def restyled(request: web.Request, error: web.HTTPException) -> web.StreamResponse | None:
    """aiohttp's plain-text error answer for `error`, drawn as a page (or JSON); None for
    an answer that is not an error or already carries HTML, to be raised as it is."""
    if error.status < 400 or error.content_type == "text/html":
        return None
    if error.content_type == "application/json":
        return None
    headers = {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")}
    title = _TITLES.get(error.status, error.reason)
    return answer(
        request, error.status, title, _what(request, error), _todo(request, error), headers=headers
    )
