"""The test harness: the simulator and the fake Entra ID on one loopback port, in a
background thread, driven from plain synchronous code. The pytest plugin is a thin layer
of fixtures over this; it is as usable from a script.

    with Harness() as sso:
        outcome = sso.sp_initiated("B.Simon@contoso.com")
        assert_sso_works(outcome)
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import html
import re
import threading
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from sp_sim.core.aadsts import CATALOGUE
from sp_sim.core.engine import check_response
from sp_sim.core.model import Report, Status
from sp_sim.flows import FlowDriver, FlowOutcome
from sp_sim.idp.app import IDP_STATE
from sp_sim.idp.faults import FAULTS, FaultSet
from sp_sim.idp.model import EnterpriseApp, IdpTenant, User
from sp_sim.idp.tokens import issue_response
from sp_sim.render.findings import explain as explain_report
from sp_sim.server import pages, urls
from sp_sim.server.app import IDP_APP
from sp_sim.server.metadata import fetch_metadata
from sp_sim.server.state import SERVER, ServerState
from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import (
    DEMO_TENANT,
    Stack,
    StackConfig,
    assemble,
    build_stack,
    create_app,
    load_stack_idp,
    load_stack_tenant,
    point_profile,
    reset_app,
)
from sp_sim.tenant import Tenant

__all__ = [
    "DEMO_TENANT",
    "Harness",
    "HarnessSettings",
    "SsoFailed",
    "assert_sso_fails",
    "assert_sso_works",
    "explain",
]

T = TypeVar("T")
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

    def stack_config(self) -> StackConfig:
        """The stack these settings describe: the fake IdP always mounted, and wired to the
        first profile unless a real IdP's metadata URL takes its place."""
        return StackConfig(
            tenant_file=self.tenant_file,
            idp_file=self.idp_file,
            region=self.region,
            account=self.account,
            wire_idp=self.idp_metadata_url is None,
            local_urls=self.local_urls,
        )


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
        self._serving = contextlib.AsyncExitStack()
        self._driver: FlowDriver | None = None
        self.base_url = ""
        self._app: web.Application | None = None
        self._stack: Stack | None = None
        self._outcomes: list[FlowOutcome] = []

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Harness:
        self._thread.start()
        self._call(self._start())
        self.reset()
        return self

    async def _start(self) -> None:
        sock = listen("127.0.0.1", 0)
        self.base_url = base_url_of(sock)
        self._stack = build_stack(self.settings.stack_config(), self.base_url)
        self._app = create_app(self._stack)
        await self._serving.enter_async_context(running(self._app, sock))
        self._driver = FlowDriver(self.base_url)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._call(self._stop())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=TIMEOUT)
        self._loop.close()

    async def _stop(self) -> None:
        if self._driver is not None:
            await self._driver.session.close()
        await self._serving.aclose()

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(self, kind: object, *exc: object) -> None:
        try:
            if kind is None:
                self.raise_errors()
        finally:
            self.stop()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT)

    def raise_errors(self) -> None:
        """Raise the first exception a server handler raised since the last call, with the
        request it was handling in a note (and the others named in notes): the page only
        said "could not process", so the test should not pass."""
        errors = self._call(self._take_errors())
        if errors:
            first = errors[0]
            for other in errors[1:]:
                first.add_note(f"sp-sim: and then {type(other).__name__}: {other}")
            raise first

    async def _take_errors(self) -> list[Exception]:
        errors = list(self.state.errors)
        self.state.errors.clear()
        return errors

    # --- configuration -------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The simulator's aiohttp app (its state under `SERVER`, the fake IdP's under
        `IDP_APP`)."""
        assert self._app is not None, "start the harness first"
        return self._app

    @property
    def state(self) -> ServerState:
        return self.app[SERVER]

    @property
    def stack(self) -> Stack:
        """What the simulator serves since the last `reset` or `use` (a metadata Import
        through /admin changes `tenant`, not this)."""
        assert self._stack is not None, "start the harness first"
        return self._stack

    @property
    def tenant(self) -> Tenant:
        return self.state.tenant

    @property
    def idp(self) -> IdpTenant:
        return self.app[IDP_APP][IDP_STATE].tenant

    def reset(self) -> None:
        """Back to the session's tenant and IdP, with nothing remembered."""
        config = self.settings.stack_config()
        idp = load_stack_idp(config)
        assert idp is not None  # the harness always mounts the fake IdP
        self._outcomes = []
        self.use(tenant=load_stack_tenant(config), idp=idp)

    def use(
        self,
        tenant: Tenant | None = None,
        idp: IdpTenant | None = None,
        app: EnterpriseApp | None = None,
        users: Iterable[User] | None = None,
    ) -> None:
        """Serve another Mimecast tenant and/or fake Entra tenant, app or users. The first
        profile is pointed at the fake IdP (as a metadata Import would), unless the session
        uses a real IdP's metadata; the session's app follows the account's URLs when it
        is the demo's (or the URLs are local); an `app` given here is served as given."""
        idp = idp or self.idp
        if app is not None:
            idp = replace(idp, apps=(app, *idp.apps[1:]))
        if users is not None:
            idp = replace(idp, users=tuple(users))
        config = self.settings.stack_config()
        stack = assemble(
            tenant or self.tenant,
            idp,
            base_url=self.base_url,
            options=self.state.options,
            wire_idp=config.wire_idp,
            align_app=app is None and config.align_app,
        )
        if self.settings.idp_metadata_url:
            stack = replace(stack, tenant=self._call(self._real_idp(stack.tenant)))
        self._stack = stack
        reset_app(self.app, stack)
        if self._driver is not None:
            self._driver.session.cookie_jar.clear()

    async def _real_idp(self, tenant: Tenant) -> Tenant:
        url = self.settings.idp_metadata_url
        assert url is not None
        return point_profile(tenant, await fetch_metadata(url), url)

    # --- flows and checks ----------------------------------------------------------------

    def sp_initiated(
        self, email: str, *, user: str | None = None, faults: Iterable[str] = ()
    ) -> FlowOutcome:
        """Mimecast sign-in page → AuthnRequest → fake Entra → /login/saml → the report.
        Raises ValueError, before the flow, for a fault or a `user` the fake IdP lacks."""
        assert self._driver is not None
        chosen = self._faults(faults)
        if user is not None:
            self._user(user)
        outcome = self._call(
            self._driver.sp_initiated(
                email, user=user, region=self.tenant.account.region.key, faults=chosen
            )
        )
        return self._remember(outcome)

    def idp_initiated(
        self, user: str, *, faults: Iterable[str] = (), app: str | None = None
    ) -> FlowOutcome:
        """A My Apps tile: the fake Entra posts an unsolicited response to the simulator.
        Raises ValueError, before the flow, for a fault, user or app the fake IdP lacks."""
        assert self._driver is not None
        chosen = self._faults(faults)
        self._user(user)
        if app is not None and all(app != a.app_id for a in self.idp.apps):
            known = [a.app_id for a in self.idp.apps]
            raise ValueError(f"the fake IdP has no app {app!r}{_nearest(app, known)}")
        app_id = app or self.idp.apps[0].app_id
        launch = f"/idp/{self.idp.tenant_id}/myapps/{app_id}"
        outcome = self._call(self._driver.idp_initiated(launch, user, chosen))
        return self._remember(outcome)

    def _faults(self, faults: Iterable[str]) -> tuple[str, ...]:
        """The faults as given, each one the fake IdP knows (else ValueError)."""
        chosen = tuple(faults)
        if isinstance(faults, str):
            raise ValueError(f"faults is a list of names: faults=[{faults!r}]")
        try:
            FaultSet.parse(chosen)
        except ValueError as error:
            name = next((f for f in chosen if f.partition("=")[0] not in FAULTS), None)
            hint = "" if name is None else _nearest(name.partition("=")[0], list(FAULTS))
            raise ValueError(f"{error.args[0].split('; known')[0]}{hint}") from None
        return chosen

    def _user(self, name: str) -> User:
        """The fake IdP's user by UPN, mail or object ID (else ValueError)."""
        found = self.idp.user(name)
        if found is None:
            known = [u.upn for u in self.idp.users] + [u.mail for u in self.idp.users if u.mail]
            raise ValueError(f"the fake IdP has no user {name!r}{_nearest(name, known)}")
        return found

    def _remember(self, outcome: FlowOutcome) -> FlowOutcome:
        self._outcomes.append(outcome)
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
        found = self._user(user)
        chosen = self._faults(faults)
        return issue_response(
            self.idp,
            self.idp.apps[0],
            found,
            now or datetime.now(UTC),
            acs_url,
            in_response_to,
            faults=FaultSet.parse(chosen),
        )

    def check(self, data: bytes, now: datetime | None = None) -> Report:
        """Judge a response against the current tenant and the URLs it answers to, offline
        (no replay cache, no outstanding requests)."""
        settings = self.tenant.check_settings(urls=urls.of(self.state))
        return check_response(data, settings, now or datetime.now(UTC))

    def recorded(self) -> list[FlowOutcome]:
        """The flows run since the last reset (`attempt` names each one's result page)."""
        return list(self._outcomes)

    def report_html(self, attempt_id: str) -> str | None:
        attempt = self.state.attempts.get(attempt_id)
        return None if attempt is None else pages.result(attempt)


def _nearest(name: str, known: list[str]) -> str:
    """`; did you mean 'expired'?`, or the known names when none is near."""
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if near:
        return f"; did you mean {near[0]!r}?"
    return f"; known: {', '.join(known)}"


def page_error(page: str) -> str:
    """The error a page states in its own words: an Entra-style page's AADSTS line, else
    its heading and text, else a plain-text body, on one line (at most 300 characters)."""
    found = _ERROR_LINE.search(page)
    text = found.group(1) if found else page
    if "<" in text:
        text = re.sub(r"(?s)<(script|style|title|head)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]+>", " ", text)
    words = re.sub(r" ([:.,;])", r"\1", " ".join(html.unescape(text).split()))
    return words if len(words) <= 300 else words[:299] + "…"


_ERROR_LINE = re.compile(r"(?s)<p[^>]*\bid=[\"']?error\b[^>]*>(.*?)</p>")


def _as_outcome(result: FlowOutcome | Report) -> FlowOutcome:
    return result if isinstance(result, FlowOutcome) else FlowOutcome.of_report(result)


def explain(result: FlowOutcome | Report) -> str:
    """Why a sign-in would fail: each failing check with what to change, or Entra's error."""
    outcome = _as_outcome(result)
    if outcome.report is not None:
        return explain_report(outcome.report)
    if outcome.aadsts:
        known = CATALOGUE.get(outcome.aadsts)
        remedy = f"\n    fix: {known.hint}" if known else ""
        meaning = f": {known.meaning}" if known else ""
        said = page_error(outcome.page) if outcome.page else ""
        quoted = f"\n    the page says: {said}" if said else ""
        return f"Entra refused the sign-in with {outcome.aadsts}{meaning}{quoted}{remedy}"
    said = page_error(outcome.page) if outcome.page else ""
    where = f"the flow stopped at {outcome.stage} (HTTP {outcome.status})"
    hops = f"\n    hops: {' → '.join(outcome.hops)}"
    if said:
        return f"{where}: {said}{hops}"
    return f"{where} with an empty page and no report{hops}"


def _failing(outcome: FlowOutcome) -> set[str]:
    """The failing finding codes, and the AADSTS code Entra answered with."""
    return outcome.codes(Status.FAIL) | ({outcome.aadsts} if outcome.aadsts else set())


def assert_sso_works(result: FlowOutcome | Report) -> None:
    """Fail with every failing check and its fix when the sign-in would not work."""
    __tracebackhide__ = True
    outcome = _as_outcome(result)
    if not outcome.works:
        raise SsoFailed(explain(outcome))


def assert_sso_fails(result: FlowOutcome | Report, *codes: str) -> None:
    """The sign-in must fail, with each of `codes` among the failing checks (or the AADSTS
    code Entra answered with)."""
    __tracebackhide__ = True
    outcome = _as_outcome(result)
    if outcome.works:
        raise AssertionError(f"SSO works, expected it to fail with {', '.join(codes)}")
    missing = [c for c in codes if c not in _failing(outcome)]
    if missing:
        raise AssertionError(
            f"expected {', '.join(missing)} among the failures; {explain(outcome)}"
        )
