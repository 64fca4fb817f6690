"""Shared test fixtures (helpers live in tests/helpers): the test keys, the demo-like
tenant, an Entra-shaped token, and a way to mint responses and judge them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from lxml import etree

from sp_sim.core import CheckSettings, Report, check_response
from sp_sim.core.keys import SigningKey
from sp_sim.flows import FlowDriver
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import Fault
from sp_sim.idp.mint import Token, mint_response_element
from sp_sim.idp.model import IdpTenant
from sp_sim.server.state import ServerOptions
from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import DEMO_TENANT, assemble, create_app
from sp_sim.tenant import Tenant, load_tenant
from tests.helpers import (  # re-exported for modules that still import them from here
    CLAIMS,
    FIXTURES,
    ISSUER,
    NOW,
    TENANT_ID,
    Judge,
    demo_like_tenant,
    entra_token,
    load_key,
)
from tests.helpers.server import Running, Start

__all__ = ["CLAIMS", "FIXTURES", "ISSUER", "NOW", "TENANT_ID", "Judge", "load_key"]


@pytest.fixture(scope="session")
def sp_keys() -> dict[str, SigningKey]:
    """Every pre-generated key, by name (entra-active, attacker, expired, …)."""
    return {p.stem: load_key(p.stem) for p in (FIXTURES / "keys").glob("*.key")}


@pytest.fixture(scope="session")
def sp_tenant() -> Tenant:
    """A US account CUSA1A1 whose profile trusts the entra-active key."""
    return demo_like_tenant()


@pytest.fixture
def sp_token(sp_tenant: Tenant) -> Token:
    """The token Entra would send for B.Simon, IdP-initiated, at NOW."""
    return entra_token(sp_tenant)


@pytest.fixture
def sp_judge(sp_tenant: Tenant, sp_token: Token, sp_keys: dict[str, SigningKey]) -> Judge:
    """judge(token=…, settings=…, key=…, fault=…, now=…, before_signing=…) → Report."""

    def judge(
        token: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        key: str = "entra-active",
        fault: Fault | None = None,
        now: datetime = NOW,
        before_signing: Callable[[etree._Element], None] | None = None,
    ) -> Report:
        minted = mint_response_element(
            replace(sp_token, **(token or {})), sp_keys[key], before_signing
        )
        data = etree.tostring(minted) if fault is None else fault(minted)
        base = sp_tenant.check_settings()
        return check_response(data, replace(base, **(settings or {})), now)

    return judge


@pytest.fixture
def sp_settings(sp_tenant: Tenant) -> CheckSettings:
    return sp_tenant.check_settings()


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
