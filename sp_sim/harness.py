"""The test harness: the simulator and the fake Entra ID on one loopback port, in a
background thread, driven from plain synchronous code. The pytest plugin is a thin layer
of fixtures over this; it is as usable from a script.

    with Harness() as sso:
        outcome = sso.sp_initiated("B.Simon@contoso.com")
        assert_sso_works(outcome)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from sp_sim.core.aadsts import CATALOGUE
from sp_sim.core.engine import check_response
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.model import Report, Status
from sp_sim.flows import FlowDriver, FlowOutcome
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import FaultSet
from sp_sim.idp.model import EnterpriseApp, IdpTenant, User
from sp_sim.idp.tokens import issue_response
from sp_sim.server import pages, urls
from sp_sim.server.app import IDP_APP, bind, create_sp_app
from sp_sim.server.metadata import fetch_metadata, import_metadata
from sp_sim.server.state import SERVER, ServerOptions, ServerState
from sp_sim.tenant import Account, Tenant, load_tenant

T = TypeVar("T")
DEMO_TENANT = Path(str(resources.files("sp_sim") / "demo" / "tenant.toml"))
TIMEOUT = 60


@dataclass(frozen=True)
class HarnessSettings:
    """What the session starts from; every field can be changed per test with `use`."""

    tenant_file: Path | None = None
    idp_file: Path | None = None
    region: str | None = None
    account: str | None = None
    idp_metadata_url: str | None = None
    local_urls: bool = False


class SsoFailed(AssertionError):
    """An SSO that was expected to work did not; the message lists checks and fixes."""


class Harness:
    """One simulator + fake IdP, started once, reset to a known tenant before each test."""

    def __init__(self, settings: HarnessSettings | None = None) -> None:
        self.settings = settings or HarnessSettings()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="sp-sim-harness"
        )
        self._runner: web.AppRunner | None = None
        self._driver: FlowDriver | None = None
        self.base_url = ""
        self._app: web.Application | None = None
        self._outcomes: list[tuple[FlowOutcome, str | None]] = []

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Harness:
        self._thread.start()
        tenant, idp = self._defaults()
        self._app = create_sp_app(
            tenant, idp=idp, options=ServerOptions(local_urls=self.settings.local_urls)
        )
        self._call(self._start(self._app))
        self.reset()
        return self

    async def _start(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self._driver = FlowDriver(self.base_url)

    def stop(self) -> None:
        if self._runner is not None:
            self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=TIMEOUT)
        self._loop.close()

    async def _stop(self) -> None:
        if self._driver is not None:
            await self._driver.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    # --- configuration -------------------------------------------------------------------

    def _defaults(self) -> tuple[Tenant, IdpTenant]:
        tenant = load_tenant(self.settings.tenant_file or DEMO_TENANT)
        if self.settings.region or self.settings.account:
            region = REGIONS[self.settings.region or tenant.account.region.key]
            tenant = replace(
                tenant, account=Account(self.settings.account or tenant.account.code, region)
            )
        return tenant, load_idp(self.settings.idp_file)

    @property
    def state(self) -> ServerState:
        assert self._app is not None, "start the harness first"
        return self._app[SERVER]

    @property
    def tenant(self) -> Tenant:
        return self.state.tenant

    @property
    def idp(self) -> IdpTenant:
        assert self._app is not None
        return self._app[IDP_APP][IDP_STATE].tenant

    def reset(self) -> None:
        """Back to the session's tenant and IdP, with nothing remembered."""
        tenant, idp = self._defaults()
        self._outcomes = []
        self.use(tenant=tenant, idp=idp)

    def use(
        self,
        tenant: Tenant | None = None,
        idp: IdpTenant | None = None,
        app: EnterpriseApp | None = None,
        users: Iterable[User] | None = None,
    ) -> None:
        """Serve another Mimecast tenant and/or fake Entra tenant, app or users. The first
        profile is pointed at the fake IdP (as a metadata Import would), unless the session
        uses a real IdP's metadata; an unchanged demo app follows the account's URLs."""
        assert self._app is not None
        idp = idp or self.idp
        if app is not None:
            idp = replace(idp, apps=(app, *idp.apps[1:]))
        elif self.settings.idp_file is None:
            idp = self._aligned(idp, tenant or self.tenant)
        if users is not None:
            idp = replace(idp, users=tuple(users))
        self._app[IDP_APP][IDP_STATE].tenant = idp
        self.state.reset(tenant or self.tenant)
        if self._driver is not None:
            self._driver.session.cookie_jar.clear()
        if self.settings.idp_metadata_url:
            bind(self._app, self.base_url)
            self._call(self._import_real_metadata(self.settings.idp_metadata_url))
        else:
            bind(self._app, self.base_url, wire_demo=True)

    def _aligned(self, idp: IdpTenant, tenant: Tenant) -> IdpTenant:
        first = idp.apps[0]
        entity_id, acs = tenant.account.entity_id, tenant.account.acs_url
        if self.settings.local_urls:
            entity_id = f"{self.base_url}/{tenant.account.region.key}/sso/{tenant.account.code}"
            acs = f"{self.base_url}/{tenant.account.region.key}/login/saml"
        return replace(
            idp, apps=(replace(first, identifiers=(entity_id,), reply_urls=(acs,)), *idp.apps[1:])
        )

    async def _import_real_metadata(self, url: str) -> None:
        profile = import_metadata(self.tenant.profile(), await fetch_metadata(url), url)
        self.state.tenant = replace(self.tenant, profiles=(profile, *self.tenant.profiles[1:]))

    # --- flows and checks ----------------------------------------------------------------

    def sp_initiated(
        self, email: str, *, user: str | None = None, faults: Iterable[str] = ()
    ) -> FlowOutcome:
        """Mimecast sign-in page → AuthnRequest → fake Entra → /login/saml → the report."""
        assert self._driver is not None
        outcome = self._call(
            self._driver.sp_initiated(
                email, user=user, region=self.tenant.account.region.key, faults=tuple(faults)
            )
        )
        return self._remember(outcome)

    def idp_initiated(
        self, user: str, *, faults: Iterable[str] = (), app: str | None = None
    ) -> FlowOutcome:
        """A My Apps tile: the fake Entra posts an unsolicited response to the simulator."""
        assert self._driver is not None
        app_id = app or self.idp.apps[0].app_id
        launch = f"/idp/{self.idp.tenant_id}/myapps/{app_id}"
        outcome = self._call(self._driver.idp_initiated(launch, user, tuple(faults)))
        return self._remember(outcome)

    def _remember(self, outcome: FlowOutcome) -> FlowOutcome:
        attempt = None if outcome.report is None else str(outcome.report["attempt"])
        self._outcomes.append((outcome, attempt))
        return outcome

    def mint(
        self,
        user: str = "B.Simon@contoso.com",
        *,
        faults: Iterable[str] = (),
        now: datetime | None = None,
        acs_url: str | None = None,
        in_response_to: str | None = None,
    ) -> bytes:
        """A response from the fake Entra, as its current app would issue it."""
        found = self.idp.user(user)
        if found is None:
            raise ValueError(f"the fake IdP has no user {user!r}")
        return issue_response(
            self.idp,
            self.idp.apps[0],
            found,
            now or datetime.now(UTC),
            acs_url,
            in_response_to,
            faults=FaultSet.parse(faults),
        )

    def check(self, data: bytes, now: datetime | None = None) -> Report:
        """Judge a response against the current tenant, offline (no replay cache)."""
        settings = replace(
            self.tenant.check_settings(),
            entity_id=urls.entity_id(self.state),
            acs_url=urls.acs_url(self.state),
        )
        return check_response(data, settings, now or datetime.now(UTC))

    def recorded(self) -> list[tuple[FlowOutcome, str | None]]:
        """The flows run since the last reset, with their attempt IDs."""
        return list(self._outcomes)

    def report_html(self, attempt_id: str) -> str | None:
        attempt = self.state.attempts.get(attempt_id)
        return None if attempt is None else pages.result(attempt)


def explain(outcome: FlowOutcome | Report) -> str:
    """Why a sign-in would fail: each failing check with what to change, or Entra's error."""
    failures: list[tuple[str, str, str | None]]
    if isinstance(outcome, Report):
        failures = [
            (str(f.code), f.message, None if f.hint is None else str(f.hint))
            for f in outcome.failures
        ]
    elif outcome.report is None:
        if outcome.aadsts:
            known = CATALOGUE.get(outcome.aadsts)
            remedy = f"\n    fix: {known.hint}" if known else ""
            return (
                f"Entra refused the sign-in with {outcome.aadsts}"
                f"{': ' + known.meaning if known else ''}{remedy}"
            )
        return (
            f"the flow stopped at {outcome.stage} (HTTP {outcome.status}) without a "
            f"report; hops: {' → '.join(outcome.hops)}"
        )
    else:
        failures = []
        for finding in outcome.failures:
            hint = finding.get("hint")
            fix = None if hint is None else f"{hint['side']} › {hint['field']}: {hint['text']}"
            failures.append((finding["code"], finding["message"], fix))
    lines = [f"SSO would fail ({len(failures)} failing check(s)):"]
    for code, message, fix in failures:
        lines.append(f"  FAIL {code}: {message}")
        if fix:
            lines.append(f"    fix: {fix}")
    return "\n".join(lines)


def assert_sso_works(outcome: FlowOutcome | Report) -> None:
    """Fail with every failing check and its fix when the sign-in would not work."""
    __tracebackhide__ = True
    if not outcome.works:
        raise SsoFailed(explain(outcome))


def assert_sso_fails(outcome: FlowOutcome | Report, *codes: str) -> None:
    """The sign-in must fail, with each of `codes` among the failing checks (or the AADSTS
    code Entra answered with)."""
    __tracebackhide__ = True
    if isinstance(outcome, Report):
        failing = outcome.codes(Status.FAIL)
    else:
        failing = outcome.codes("fail") | ({outcome.aadsts} if outcome.aadsts else set())
    if outcome.works:
        raise AssertionError(f"SSO works, expected it to fail with {', '.join(codes)}")
    missing = [c for c in codes if c not in failing]
    if missing:
        raise AssertionError(
            f"expected {', '.join(missing)} among the failures; {explain(outcome)}"
        )
