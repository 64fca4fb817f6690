"""The simulator with the fake IdP mounted, served by aiohttp on 127.0.0.1, its clock at NOW."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from conftest import NOW
from sp_sim.autopost import AutoPost, read_autopost
from sp_sim.flows import FlowDriver
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.config import load_idp
from sp_sim.idp.model import EnterpriseApp, IdpTenant
from sp_sim.server.app import IDP_APP, bind, create_sp_app
from sp_sim.server.state import SERVER, ServerOptions, ServerState
from sp_sim.tenant import Tenant, load_tenant

CSRF_FIELD = re.compile(r'<input type=hidden name=csrf_token value="([0-9a-f]+)">')
DEMO_TENANT = Path(str(resources.files("sp_sim") / "demo" / "tenant.toml"))


@dataclass
class Running:
    """A simulator listening on loopback, and a browser stand-in for it."""

    app: web.Application
    base: str
    flows: FlowDriver

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
async def sp_start(aiohttp_server: Any) -> AsyncIterator[Start]:
    """sp_start(tenant=…, idp=…, options=…, clock=…) → a Running simulator."""
    drivers: list[FlowDriver] = []

    async def start(
        tenant: Tenant | None = None,
        idp: IdpTenant | None = None,
        options: ServerOptions | None = None,
        clock: Callable[[], datetime] = lambda: NOW,
    ) -> Running:
        app = create_sp_app(
            tenant or load_tenant(DEMO_TENANT), options=options, idp=idp or load_idp(), clock=clock
        )
        server = await aiohttp_server(app)
        base = str(server.make_url("")).rstrip("/")
        bind(app, base, wire_demo=True)
        driver = FlowDriver(base, clock=clock)
        drivers.append(driver)
        return Running(app, base, driver)

    yield start
    for driver in drivers:
        await driver.session.close()
