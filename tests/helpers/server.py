"""A simulator served on loopback for tests: `Running` (the app, its URL, a browser stand-in
and the stack) and the `Start` callable the `sp_start` fixture gives."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from sp_sim.core.bindings import AutoPost, read_autopost
from sp_sim.flows import FlowDriver
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.server.app import IDP_APP
from sp_sim.server.state import SERVER, ServerState
from sp_sim.stack import DEMO_TENANT, Stack

__all__ = ["DEMO_TENANT", "Running", "Start"]

CSRF_FIELD = re.compile(r'<input type=hidden name=csrf_token value="([0-9a-f]+)">')


@dataclass
class Running:
    """A simulator listening on loopback, the stack it was built from, and a browser
    stand-in for it."""

    app: web.Application
    base: str
    flows: FlowDriver
    stack: Stack

    @property
    def state(self) -> ServerState:
        return self.app[SERVER]

    @property
    def idp(self) -> IdpTenant:
        return self.app[IDP_APP][IDP_STATE].tenant

    @property
    def launch(self) -> str:
        return f"/idp/{self.idp.tenant_id}/myapps/{self.idp.apps[0].app_id}"

    async def csrf_token(self, path: str = "/admin") -> str:
        """Open a page with a form, as a browser would: its CSRF cookie goes into the
        session's jar, and the hidden field's value is returned."""
        async with self.flows.session.get(f"{self.base}{path}") as response:
            found = CSRF_FIELD.search(await response.text())
        assert found is not None, f"no CSRF field on {path}"
        return found.group(1)

    async def idp_form(self, user: str = "B.Simon@contoso.com") -> AutoPost:
        """A fresh signed response, as the fake IdP would POST it IdP-initiated (not posted)."""
        async with self.flows.session.get(f"{self.base}{self.launch}?user={user}") as got:
            form = read_autopost(await got.text())
        assert form is not None
        return form

    def change_idp_app(self, **changes: Any) -> EnterpriseApp:
        """Change the fake Entra app's settings, as an admin would in the portal."""
        state = self.app[IDP_APP][IDP_STATE]
        app = replace(state.tenant.apps[0], **changes)
        state.tenant = replace(state.tenant, apps=(app, *state.tenant.apps[1:]))
        return app


Start = Callable[..., Awaitable[Running]]
