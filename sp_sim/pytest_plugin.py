"""pytest plugin (entry point `pytest11: sp_sim`): an Entra ⇄ Mimecast SSO test in a few lines.

    def test_sign_in(spsim):
        assert_sso_works(spsim.sp_initiated("B.Simon@contoso.com"))

Fixtures only; the work is in sp_sim.harness. One server per session (per xdist worker, on
its own free port), reset before each test. An exception a server handler raised during a
test (the browser saw only a "could not process" page) is raised again when the `spsim`
fixture tears down, so the test errors instead of passing.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sp_sim.core.mimecast import REGIONS
from sp_sim.errors import SpSimError
from sp_sim.harness import Harness, HarnessSettings
from sp_sim.idp.model import EnterpriseApp, SignInMethod, User
from sp_sim.tenant import Account, AuthenticationProfile, Tenant

MARKER = "sp_sim"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sp-sim", "Entra ⇄ Mimecast SSO simulator")
    group.addoption(
        "--sp-sim-region",
        choices=sorted(REGIONS),
        help="the Mimecast region of the simulated account (default: the tenant's)",
    )
    group.addoption(
        "--sp-sim-account", metavar="CODE", help="the Mimecast account code (e.g. CUSA1A1)"
    )
    group.addoption(
        "--sp-sim-tenant", metavar="FILE", help="a tenant TOML file (the Mimecast account)"
    )
    group.addoption(
        "--sp-sim-idp-config",
        metavar="FILE",
        help="a fake Entra tenant TOML file (your Entra app, users and groups)",
    )
    group.addoption(
        "--sp-sim-idp-metadata",
        metavar="URL",
        help="a real IdP's metadata URL: the profile imports it instead of the "
        "fake IdP's (SP-initiated flows then stop at the real IdP)",
    )
    group.addoption(
        "--sp-sim-local-urls",
        action="store_true",
        help="the account answers to the local URLs instead of Mimecast's",
    )
    group.addoption(
        "--sp-sim-report", metavar="DIR", help="write each flow's JSON and HTML report to DIR"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(region=None, account=None, tenant=None): run this test "
        "against another region, account code or tenant file",
    )


def _settings(config: pytest.Config, marker: pytest.Mark | None) -> HarnessSettings:
    def option(name: str) -> Any:
        return config.getoption(f"--sp-sim-{name}")

    settings = HarnessSettings(
        tenant_file=Path(option("tenant")) if option("tenant") else None,
        idp_file=Path(option("idp-config")) if option("idp-config") else None,
        region=option("region"),
        account=option("account"),
        idp_metadata_url=option("idp-metadata"),
        local_urls=bool(option("local-urls")),
    )
    if marker is not None:
        tenant = marker.kwargs.get("tenant")
        settings = replace(
            settings,
            region=marker.kwargs.get("region", settings.region),
            account=marker.kwargs.get("account", settings.account),
            tenant_file=Path(tenant) if tenant else settings.tenant_file,
        )
    return settings


@pytest.fixture(scope="session")
def spsim_server(pytestconfig: pytest.Config) -> Iterator[Harness]:
    """The simulator and fake Entra ID, started once for the session. Unusable settings (a
    missing or invalid tenant file, an unknown account) fail each test with one line."""
    harness = Harness(_settings(pytestconfig, None))
    try:
        with _one_line():
            harness.start()
    except BaseException:
        harness.stop()
        raise
    try:
        yield harness
        harness.raise_errors()  # anything a test using only this fixture left behind
    finally:
        harness.stop()


@pytest.fixture
def spsim(spsim_server: Harness, request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The harness, reset to the session's tenant (or the test's `sp_sim` marker)."""
    spsim_server.settings = _settings(request.config, request.node.get_closest_marker(MARKER))
    with _one_line():
        spsim_server.reset()
    yield spsim_server
    try:
        directory = request.config.getoption("--sp-sim-report")
        if directory:
            _write_reports(Path(directory), request.node.nodeid, spsim_server)
    finally:
        spsim_server.raise_errors()


@contextlib.contextmanager
def _one_line() -> Iterator[None]:
    """sp-sim's settings errors as a one-line failure, without a traceback."""
    try:
        yield
    except (SpSimError, KeyError) as error:
        pytest.fail(f"sp-sim: {error}", pytrace=False)


def _write_reports(directory: Path, nodeid: str, harness: Harness) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    for number, outcome in enumerate(harness.recorded(), start=1):
        document = json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False)
        (directory / f"{stem}-{number}.json").write_text(document, encoding="utf-8")
        html = harness.report_html(outcome.attempt) if outcome.attempt else outcome.page
        (directory / f"{stem}-{number}.html").write_text(html or "", encoding="utf-8")


@pytest.fixture
def spsim_make_profile(spsim: Harness) -> Callable[..., AuthenticationProfile]:
    """spsim_make_profile(**fields) → the current first profile with fields changed."""

    def make(**fields: Any) -> AuthenticationProfile:
        return replace(spsim.tenant.profile(), **fields)

    return make


@pytest.fixture
def spsim_make_tenant(spsim: Harness) -> Callable[..., Tenant]:
    """spsim_make_tenant(region=, account=, profile=, directory=) → a Mimecast tenant."""

    def make(
        region: str | None = None,
        account: str | None = None,
        profile: AuthenticationProfile | None = None,
        **fields: Any,
    ) -> Tenant:
        current = spsim.tenant
        changed = Account(
            account or current.account.code, REGIONS[region] if region else current.account.region
        )
        profiles = (profile, *current.profiles[1:]) if profile else current.profiles
        return replace(current, account=changed, profiles=profiles, **fields)

    return make


@pytest.fixture
def spsim_make_app(spsim: Harness) -> Callable[..., EnterpriseApp]:
    """spsim_make_app(**portal_settings) → the fake Entra app with settings changed."""

    def make(**fields: Any) -> EnterpriseApp:
        return replace(spsim.idp.apps[0], **fields)

    return make


@pytest.fixture
def spsim_make_user(spsim: Harness) -> Callable[..., User]:
    """spsim_make_user(upn=, mail=, sign_in_method=, …) → an Entra user (remember to
    `spsim.use(users=[...])`)."""

    def make(upn: str, mail: str = "", sign_in_method: str = "password", **fields: Any) -> User:
        object_id = fields.pop("object_id", str(uuid.uuid5(uuid.NAMESPACE_URL, upn)))
        return User(
            upn=upn,
            object_id=object_id,
            mail=mail,
            sign_in_method=SignInMethod(sign_in_method),
            **fields,
        )

    return make


@pytest.fixture
def spsim_response(spsim: Harness) -> Callable[..., bytes]:
    """spsim_response(user=, faults=[...], now=, acs_url=, in_response_to=) → signed bytes."""
    return spsim.mint
