"""Fixtures for the fake IdP: the demo tenant with extra apps and users, served on loopback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sp_sim.core import CheckSettings
from sp_sim.core.settings import Address, Directory
from sp_sim.idp.app import create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.model import EnterpriseApp, IdpTenant, SignInMethod, User
from sp_sim.tenant import load_tenant
from tests.helpers import NOW, load_key


def _app(base: EnterpriseApp, app_id: str, **changes: Any) -> EnterpriseApp:
    return replace(
        base,
        app_id=app_id,
        name=app_id,
        identifiers=(f"https://us-api.mimecast.com/sso/{app_id.upper()}",),
        **changes,
    )


@pytest.fixture(scope="session")
def idp_tenant() -> IdpTenant:
    """The demo tenant, plus apps with each portal setting that changes Entra's behaviour."""
    demo = load_idp()
    mimecast = demo.apps[0]
    apps = (
        mimecast,
        _app(
            mimecast,
            "assigned",
            assignment_required=True,
            assigned_users=frozenset({"bsimon@contoso.onmicrosoft.com"}),
        ),
        _app(
            mimecast,
            "signedreq",
            require_signed_requests=True,
            verification_certificates=(load_key("entra-rollover").certificate,),
        ),
        _app(
            mimecast,
            "encrypting",
            token_encryption_certificate=load_key("sp-encryption").certificate,
        ),
        _app(mimecast, "sha1app", faults=("sha1",)),
        _app(mimecast, "groups", groups_claim=True),
        _app(mimecast, "withlogout", logout_url="https://us-api.mimecast.com/login/logout"),
    )
    many = User(
        "many@contoso.onmicrosoft.com",
        "9f9f9f9f-0000-4000-8000-000000000151",
        "Many Groups",
        mail="Many@contoso.com",
        groups=tuple(f"group-{i:03d}" for i in range(151)),
    )
    few = replace(
        many, upn="few@contoso.onmicrosoft.com", mail="Few@contoso.com", groups=("g1", "g2", "g3")
    )
    windows = User(
        "wia@contoso.onmicrosoft.com",
        "8e8e8e8e-0000-4000-8000-000000000001",
        "Windows User",
        mail="Wia@contoso.com",
        sign_in_method=SignInMethod.WINDOWS,
    )
    return replace(demo, apps=apps, users=(*demo.users, many, few, windows))


@pytest.fixture(scope="session")
def idp_sp_settings(idp_tenant: IdpTenant) -> CheckSettings:
    """The demo Mimecast tenant, its directory holding every fixture user with a mail."""
    tenant = load_tenant(Path(str(resources.files("sp_sim") / "demo" / "tenant.toml")))
    addresses = tuple(
        Address(u.mail, u.display_name, "Entra ID SSO", "personal_portal")
        for u in idp_tenant.users
        if u.mail
    )
    settings = tenant.check_settings()
    return replace(
        settings,
        certificates=(idp_tenant.active_key.certificate,),
        directory=Directory(frozenset({"contoso.com"}), addresses),
    )


MakeClient = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def idp_client(aiohttp_client: Any, idp_tenant: IdpTenant) -> MakeClient:
    """idp_client(faults=…) → a client of the IdP served on 127.0.0.1, its clock at NOW."""

    async def make(faults: tuple[str, ...] = (), tenant: IdpTenant | None = None) -> Any:
        app = create_idp_app(tenant or idp_tenant, clock=lambda: NOW, faults=FaultSet.parse(faults))
        return await aiohttp_client(app)

    return make
