"""Which URLs the simulated account answers to: Mimecast's real ones (the default, for a
hosts file or proxy) or this server's local ones (`local_urls`, for a real Entra test app
whose Reply URL is localhost).

`account_urls` is the one function that knows them; the settings the engine checks
against (`Tenant.check_settings(urls=...)`), the SP metadata, the AuthnRequest, the
fake IdP's app and the pages all take its answer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sp_sim.core.mimecast import region_for_host
from sp_sim.server.state import ServerState
from sp_sim.tenant.model import Account, Urls


def account_urls(account: Account, base_url: str = "", *, local: bool = False) -> Urls:
    """Mimecast's URLs for `account`, or with `local` the ones under `base_url` (where this
    server listens): `<base>/<region>/sso/<code>`, `<base>/<region>/login/saml`."""
    if not local:
        return account.urls
    region = f"{base_url.rstrip('/')}/{account.region.key}"
    acs = f"{region}/login/saml"
    return Urls(f"{region}/sso/{account.code}", acs, f"{acs}/logout")


def of(state: ServerState, served_at: str | None = None) -> Urls:
    """The URLs the state's account answers to now; with local URLs, under `served_at`
    (the base URL a trusted proxy reported) when given, else where this server listens."""
    base = served_at or state.base_url
    return account_urls(state.tenant.account, base, local=state.options.local_urls)


def entity_id(state: ServerState) -> str:
    return of(state).entity_id


def acs_url(state: ServerState) -> str:
    return of(state).acs_url


def slo_url(state: ServerState) -> str:
    return of(state).slo_url


def deliver_locally(state: ServerState, url: str) -> str:
    """Where a browser should POST a message addressed to `url`: a real Mimecast host is
    sent to this server's region prefix, as a hosts file would; anything else unchanged."""
    parts = urlsplit(url)
    region = region_for_host(parts.hostname or "")
    if region is None or not state.base_url:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{state.base_url}/{region.key}{parts.path}{query}"
