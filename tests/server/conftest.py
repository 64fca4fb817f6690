"""The simulator with the fake IdP mounted, assembled by `sp_sim.stack` as `sp-sim serve`
and the harness do, served by aiohttp on 127.0.0.1, its clock at NOW."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web

from conftest import NOW
from sp_sim.core.bindings import AutoPost, read_autopost
from sp_sim.flows import FlowDriver
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.config import load_idp
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.server.app import IDP_APP
from sp_sim.server.state import SERVER, ServerOptions, ServerState
from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import DEMO_TENANT, Stack, assemble, create_app
from sp_sim.tenant import Tenant, load_tenant

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


@pytest.fixture
async def sp_start() -> AsyncIterator[Start]:
    """sp_start(tenant=…, idp=…, options=…, clock=…) → a Running simulator: the demo tenant
    and IdP unless given, wired to each other; the IdP's app is kept as given (it follows the
    account's URLs only when they are local)."""
    async with contextlib.AsyncExitStack() as servers:

        async def start(
            tenant: Tenant | None = None,
            idp: IdpTenant | None = None,
            options: ServerOptions | None = None,
            clock: Callable[[], datetime] = lambda: NOW,
        ) -> Running:
            options = options or ServerOptions()
            sock = listen("127.0.0.1", 0)
            stack = assemble(
                tenant or load_tenant(DEMO_TENANT),
                idp or load_idp(),
                base_url=base_url_of(sock),
                options=options,
                wire_idp=True,
                align_app=options.local_urls,
            )
            app = create_app(stack, clock=clock)
            await servers.enter_async_context(running(app, sock))
            driver = FlowDriver(stack.base_url, clock=clock)
            servers.push_async_callback(driver.session.close)
            return Running(app, stack.base_url, driver, stack)

        yield start
