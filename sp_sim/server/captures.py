"""What the browser sent, kept with each attempt for its HAR and SAML-tracer downloads:
the POST to the ACS (its form body and headers) and, when this server sent it, the
AuthnRequest before it. Bounded: a body over `BODY_KEPT` bytes is not kept (the download
says so), headers are kept up to `HEADERS_KEPT` bytes, and cookies and credentials never.

The ACS entry is written at the region's Mimecast URL (`https://us-api.mimecast.com/login/
saml`): the simulator stands in for that host, and the engine judged the POST as arriving
there (`received_at`), so a capture read back by `sp-sim evidence` is judged the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web

from sp_sim.core.mimecast import REGIONS
from sp_sim.server.store import Captured

BODY_KEPT = 256 * 1024
"""The largest form body kept with an attempt (Entra's responses are a few KiB)."""
HEADERS_KEPT = 8 * 1024
SENT_KEPT = 1000
"""The AuthnRequests remembered for the attempts that answer them (oldest forgotten)."""
_NOT_KEPT = frozenset({"cookie", "authorization", "proxy-authorization"})
_IN_RESPONSE_TO = re.compile(rb"""\sInResponseTo\s*=\s*["']([^"'<>]{1,256})["']""")
_LOOKED_AT = 64 * 1024


def kept_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    """The headers a capture may show: no cookies or credentials, at most `HEADERS_KEPT`."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    kept: list[tuple[str, str]] = []
    size = 0
    for name, value in pairs:
        if name.lower() in _NOT_KEPT:
            continue
        size += len(name) + len(value)
        if size > HEADERS_KEPT:
            break
        kept.append((name, value))
    return tuple(kept)


def named_request(xml: bytes | None) -> str | None:
    """The first InResponseTo a (possibly unsigned, failing) message names: only to put the
    AuthnRequest this server sent with that ID before it in the capture, never to judge."""
    found = _IN_RESPONSE_TO.search(xml[:_LOOKED_AT]) if xml else None
    return found.group(1).decode("ascii", "replace") if found else None


def kept_body(body: bytes) -> str | None:
    """The form body as text, or None when over `BODY_KEPT` (or not text)."""
    if len(body) > BODY_KEPT:
        return None
    try:
        return body.decode("ascii")  # a URL-encoded form is ASCII
    except UnicodeDecodeError:
        return None


def acs_post(request: web.Request, region: str, body: bytes, at: datetime) -> Captured:
    """The POST to the ACS as a capture shows it, at the region's Mimecast URL."""
    return Captured(
        at,
        "POST",
        REGIONS[region].acs_url,
        kept_headers(request.headers),
        kept_body(body),
    )


def authn_request_sent(
    request: web.Request, at: datetime, url: str, form: Mapping[str, str] | None
) -> Captured:
    """The AuthnRequest the sign-in page sent the browser on with: a GET of `url` (Redirect)
    or a POST of `form` to it (POST binding). The IdP's answer is not the SP's to know:
    status 0, as a browser's capture shows a request it saw no answer to."""
    headers = kept_headers(
        (k, v) for k, v in request.headers.items() if k.lower() in ("user-agent", "accept")
    )
    body = None if form is None else urlencode(list(form.items()))
    return Captured(at, "GET" if form is None else "POST", url, headers, body, 0, answer_type="")
