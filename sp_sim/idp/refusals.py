"""The fake IdP's refusals of a sign-in, told to whoever mounts it.

When the IdP answers a sign-in (an AuthnRequest, a My Apps launch, the account picker's
answer) with Entra's AADSTS error page, no message reaches the SP, so the SP cannot know.
`create_idp_app(on_refusal=...)` takes a callback that hears of each refusal, with what
the browser sent and the page it got (`Refusal`); `sp_sim.stack` passes one that lists it
among the simulator's results. The IdP does not know the simulator: the callback is a
plain async callable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from sp_sim.idp.requests import EntraError
from sp_sim.idp.state import error_response, idp_state

__all__ = ["ON_REFUSAL", "Refusal", "RefusalHook", "refused"]

_NOT_KEPT = frozenset({"cookie", "authorization"})


@dataclass(frozen=True)
class Refusal:
    """An AADSTS error page the IdP answered a sign-in with, and the request it answered."""

    code: str
    message: str
    at: datetime
    initiated_by: str
    """`SP` (an AuthnRequest started it) or `IdP` (a My Apps launch)."""
    user: str | None
    """The account picked or hinted, when the IdP was told one."""
    request_id: str | None
    """The AuthnRequest's ID, when it was read."""
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    """The request's headers, without cookies and credentials."""
    body: str | None
    status: int
    page: str
    """The error page's HTML."""


RefusalHook = Callable[[Refusal], Awaitable[None]]
ON_REFUSAL: web.AppKey[RefusalHook] = web.AppKey("sp_sim_idp_on_refusal")
"""The callback told of each refusal (set by `create_idp_app` when given one)."""


async def refused(
    request: web.Request,
    error: EntraError,
    *,
    initiated_by: str,
    user: str | None = None,
    request_id: str | None = None,
) -> web.Response:
    """Entra's error page for `error`, after telling the app's `ON_REFUSAL` callback."""
    response = error_response(request, error)
    hook = request.app.get(ON_REFUSAL)
    if hook is None:
        return response
    # Read before (cached); as text whatever its bytes, for a capture shows them so.
    body = (await request.read()).decode("utf-8", "replace") if request.body_exists else None
    headers = tuple((k, v) for k, v in request.headers.items() if k.lower() not in _NOT_KEPT)
    await hook(
        Refusal(
            error.code,
            error.message,
            idp_state(request).clock(),
            initiated_by,
            user or None,
            request_id,
            request.method,
            str(request.url),
            headers,
            body,
            response.status,
            response.text or "",
        )
    )
    return response
