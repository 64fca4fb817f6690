"""Which URLs the simulated account answers to: Mimecast's real ones (the default, for a
hosts file or proxy) or this server's local ones (`local_urls`, for a real Entra test app
whose Reply URL is localhost)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sp_sim.core.mimecast import REGIONS, region_for_host
from sp_sim.server.state import ServerState


def local_base(state: ServerState, region: str) -> str:
    return f"{state.base_url}/{region}"


def entity_id(state: ServerState) -> str:
    account = state.tenant.account
    if state.options.local_urls:
        return f"{local_base(state, account.region.key)}/sso/{account.code}"
    return account.entity_id


def acs_url(state: ServerState, region: str | None = None) -> str:
    """The ACS of a region (the account's by default)."""
    key = region or state.tenant.account.region.key
    if state.options.local_urls:
        return f"{local_base(state, key)}/login/saml"
    return REGIONS[key].acs_url


def slo_url(state: ServerState) -> str:
    return acs_url(state) + "/logout"


def deliver_locally(state: ServerState, url: str) -> str:
    """Where a browser should POST a message addressed to `url`: a real Mimecast host is
    sent to this server's region prefix, as a hosts file would; anything else unchanged."""
    parts = urlsplit(url)
    region = region_for_host(parts.hostname or "")
    if region is None or not state.base_url:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{local_base(state, region.key)}{parts.path}{query}"
