"""One place that assembles what a simulator serves: the Mimecast tenant, the fake Entra ID,
the URLs the account answers to, and the aiohttp app. `sp-sim serve`, the harness (and so
the pytest plugin) and the server tests all build through here, so the same options give
the same entity ID and ACS everywhere.

    sock = listen("127.0.0.1", 0)
    stack = build_stack(StackConfig(local_urls=True), base_url_of(sock))
    app = create_app(stack)

The socket is bound before the app is built, so the base URL is known and nothing is
patched once the server listens. Wiring the fake IdP is an explicit choice (`wire_idp`):
the first profile takes the fake IdP's metadata, as a metadata Import would, and the fake
IdP's first app gets this SP's Logout URL and, with `align_app`, its Identifier and Reply
URL (`wire`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from sp_sim.core.bindings import Binding
from sp_sim.core.mimecast import REGIONS
from sp_sim.idp.app import IDP_STATE, Refusal, create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.metadata import federation_metadata
from sp_sim.idp.model import IdpTenant
from sp_sim.server.app import IDP_APP, IDP_PREFIX, create_sp_app, mount, reset
from sp_sim.server.captures import kept_body, kept_headers
from sp_sim.server.metadata import import_metadata
from sp_sim.server.state import (
    SERVER,
    Captured,
    Clock,
    PreloginCookie,
    ServerOptions,
    ServerState,
)
from sp_sim.server.urls import account_urls, deliver_locally
from sp_sim.tenant import Account, Tenant, load_tenant
from sp_sim.tenant.model import Urls

__all__ = [
    "DEMO_TENANT",
    "Stack",
    "StackConfig",
    "assemble",
    "build_stack",
    "create_app",
    "load_stack_idp",
    "load_stack_tenant",
    "point_profile",
    "wire",
]

DEMO_TENANT = Path(str(resources.files("sp_sim") / "demo" / "tenant.toml"))


@dataclass(frozen=True)
class StackConfig:
    """What to serve, as the command line and the plugin's options say it."""

    tenant_file: Path | None = None
    """A tenant TOML; None: the embedded demo tenant."""
    idp_file: Path | None = None
    """A fake-Entra TOML; None: the embedded demo IdP."""
    region: str | None = None
    """Move the account to this region."""
    account: str | None = None
    """Give the account this code."""
    mount_idp: bool = True
    """Serve the fake Entra ID at /idp."""
    wire_idp: bool = True
    """Point the first profile at the mounted fake IdP (see `wire`)."""
    local_urls: bool = False
    """The account answers to this server's URLs instead of Mimecast's."""
    binding: Binding = Binding.REDIRECT
    """How the sign-in page sends AuthnRequests."""
    workers: int = 0
    """Processes that run the checks; 0: a thread (`sp-sim serve` uses one per core)."""
    store: str = "memory"
    """Where the state is kept: `memory`, or `redis://host:port/db` shared by instances."""
    trusted_proxies: tuple[str, ...] = ()
    """CIDRs of reverse proxies whose forwarding headers are believed."""
    csrf_secret: str | None = field(default=None, repr=False)
    """The CSRF key's seed shared by instances behind a load balancer; None: random."""
    prelogin_cookie: PreloginCookie = PreloginCookie.NONE
    """The SameSite of the cookie that binds an AuthnRequest to its browser."""
    idp_hostname: str | None = None
    """Serve the fake IdP's URLs under this host name (another site than the simulator's)."""

    @property
    def options(self) -> ServerOptions:
        return ServerOptions(
            local_urls=self.local_urls,
            binding=self.binding,
            workers=self.workers,
            store=self.store,
            trusted_proxies=self.trusted_proxies,
            csrf_secret=self.csrf_secret,
            prelogin_cookie=self.prelogin_cookie,
            idp_hostname=self.idp_hostname,
        )

    @property
    def align_app(self) -> bool:
        """The fake IdP's app follows the account's URLs: always for the demo IdP (its app is
        the demo account's), and for any IdP when the URLs are local (no file can know
        the port)."""
        return self.local_urls or self.idp_file is None


@dataclass(frozen=True)
class Stack:
    """What one simulator serves: the tenant and fake IdP as wired, where it listens, and
    the URLs its account answers to (`account_urls`, the one function that knows them)."""

    tenant: Tenant
    idp: IdpTenant | None
    options: ServerOptions
    base_url: str
    urls: Urls

    @property
    def idp_base_url(self) -> str:
        """Where the mounted fake IdP's URLs point: the server's, under `idp_hostname` if set."""
        return with_host(self.base_url, self.options.idp_hostname)


def load_stack_tenant(config: StackConfig) -> Tenant:
    """The tenant file (or the demo tenant), moved to the configured region and code."""
    tenant = load_tenant(config.tenant_file or DEMO_TENANT)
    if config.region or config.account:
        region = REGIONS[config.region or tenant.account.region.key]
        account = Account(config.account or tenant.account.code, region)
        tenant = replace(tenant, account=account)
    return tenant


def load_stack_idp(config: StackConfig) -> IdpTenant | None:
    """The fake IdP's file (or the demo IdP); None when it is not mounted."""
    return load_idp(config.idp_file) if config.mount_idp else None


def point_profile(tenant: Tenant, metadata: bytes, metadata_url: str) -> Tenant:
    """The tenant with its first profile's IdP fields imported from `metadata`, as the
    profile's Import button would. Raises ImportFailed."""
    profile = import_metadata(tenant.profile(), metadata, metadata_url)
    return replace(tenant, profiles=(profile, *tenant.profiles[1:]))


def wire(
    tenant: Tenant, idp: IdpTenant, urls: Urls, base_url: str, *, align_app: bool
) -> tuple[Tenant, IdpTenant]:
    """The tenant and the fake IdP mounted at `base_url`, pointed at each other: the first
    profile imports the IdP's metadata; the IdP's first app gets the SP's Logout URL and,
    with `align_app`, the account's Identifier and Reply URL as its only ones."""
    first = replace(idp.apps[0], logout_url=urls.slo_url)
    if align_app:
        first = replace(
            first,
            identifiers=(urls.entity_id,),
            reply_urls=(urls.acs_url,),
            default_reply_url=None,
        )
    idp = replace(idp, apps=(first, *idp.apps[1:]))
    sso_url = fake_idp_sso_url(base_url, idp)
    metadata_url = (
        f"{sso_url.removesuffix('/saml2')}/federationmetadata/2007-06/"
        f"federationmetadata.xml?appid={first.app_id}"
    )
    return point_profile(tenant, federation_metadata(idp, sso_url), metadata_url), idp


def assemble(
    tenant: Tenant,
    idp: IdpTenant | None,
    *,
    base_url: str,
    options: ServerOptions,
    wire_idp: bool,
    align_app: bool,
) -> Stack:
    """The stack for `tenant` and `idp` on a server at `base_url`, wired when `wire_idp`."""
    base_url = base_url.rstrip("/")
    urls = account_urls(tenant.account, base_url, local=options.local_urls)
    if wire_idp and idp is not None:
        idp_base = with_host(base_url, options.idp_hostname)
        tenant, idp = wire(tenant, idp, urls, idp_base, align_app=align_app)
    return Stack(tenant, idp, options, base_url, urls)


def build_stack(config: StackConfig, base_url: str) -> Stack:
    """The stack `config` describes, for a server at `base_url`."""
    return assemble(
        load_stack_tenant(config),
        load_stack_idp(config),
        base_url=base_url,
        options=config.options,
        wire_idp=config.wire_idp,
        align_app=config.align_app,
    )


def with_host(base_url: str, host: str | None) -> str:
    """`base_url` with its host name replaced by `host` (scheme and port kept)."""
    if not host:
        return base_url
    parts = urlsplit(base_url)
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{host}{port}", parts.path, "", "")).rstrip("/")


def fake_idp_sso_url(base_url: str, idp: IdpTenant) -> str:
    """The mounted fake IdP's Login URL (its /<tenant>/saml2) on a server at `base_url`."""
    return f"{base_url.rstrip('/')}{IDP_PREFIX}/{idp.tenant_id}/saml2"


def create_app(stack: Stack, *, clock: Clock | None = None) -> web.Application:
    """The simulator serving `stack`, the fake IdP mounted at /idp when it has one: the
    stack is where the two layers meet (the server does not import the IdP)."""
    app = create_sp_app(stack.tenant, options=stack.options, clock=clock, base_url=stack.base_url)
    if stack.idp is not None:
        state = app[SERVER]
        idp_app = create_idp_app(
            stack.idp,
            clock=state.clock,
            deliver=lambda url: deliver_locally(state, url),
            on_refusal=lambda refusal: list_refusal(state, refusal),
        )
        launch = f"{IDP_PREFIX}/{stack.idp.tenant_id}/myapps/{stack.idp.apps[0].app_id}"
        mount(app, idp_app, launch)
    return app


async def list_refusal(state: ServerState, refusal: Refusal) -> None:
    """The mounted IdP refused a sign-in: list it among the simulator's results."""
    refused = Captured(
        refusal.at,
        refusal.method,
        refusal.url,
        kept_headers(refusal.headers),
        None if refusal.body is None else kept_body(refusal.body.encode()),
        refusal.status,
        (("Content-Type", "text/html; charset=utf-8"),),
        refusal.page,
    )
    await state.record_refusal(
        refusal.at,
        refusal.code,
        refusal.message,
        refusal.initiated_by,
        refusal.user,
        refused,
        refusal.request_id,
    )


def reset_app(app: web.Application, stack: Stack) -> None:
    """Serve the stack's tenant and fake IdP from now on, with nothing remembered."""
    reset(app, stack.tenant)
    if stack.idp is not None and IDP_APP in app:
        app[IDP_APP][IDP_STATE].tenant = stack.idp
