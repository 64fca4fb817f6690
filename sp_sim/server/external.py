"""Where SP-initiated sign-ins go when a profile's Login URL is not this machine's: the
notice the start-up banner, the home page and the sign-in page show, so that nobody takes
a real IdP (login.microsoftonline.com) for sp-sim's fake one.

A Login URL is local when its host is a loopback name or address, or a host this server
answers to (its base URL's, or the fake IdP's `--idp-hostname`). Everything else is off this
machine: a sign-in sent there leaves sp-sim and needs a person (or a real IdP) to answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from sp_sim.server.state import ServerState
from sp_sim.tenant import Tenant

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class ExternalLogin:
    """A profile whose Login URL is off this machine."""

    profile: str
    login_url: str

    @property
    def sentence(self) -> str:
        return (
            f"SP-initiated sign-ins (profile {self.profile!r}) go to {self.login_url} — a real "
            "IdP, off this machine, not sp-sim's fake one."
        )


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_local_host(host: str, own_hosts: Sequence[str] = ()) -> bool:
    """A loopback name or address, or one of the hosts this server answers to."""
    host = host.lower().strip("[]")
    if host in _LOOPBACK_NAMES or host.endswith(".localhost") or host in own_hosts:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def external_logins(
    tenant: Tenant, base_url: str, idp_hostname: str | None = None
) -> tuple[ExternalLogin, ...]:
    """The tenant's profiles whose Login URL is set and not on this machine (a server at
    `base_url`, its fake IdP under `idp_hostname` when given)."""
    own = tuple(h for h in (_host(base_url), (idp_hostname or "").lower()) if h)
    return tuple(
        ExternalLogin(p.name, p.login_url)
        for p in tenant.profiles
        if p.login_url and not is_local_host(_host(p.login_url), own)
    )


def logins_of(state: ServerState) -> tuple[ExternalLogin, ...]:
    """`external_logins` of the running tenant, on the server `state` describes."""
    return external_logins(state.tenant, state.base_url, state.options.idp_hostname)


def notice_html(logins: Sequence[ExternalLogin]) -> str:
    """The pages' notice (empty when every Login URL is local)."""
    if not logins:
        return ""
    items = "".join(f"<p>{escape(login.sentence)}</p>" for login in logins)
    return (
        '<div class="card notice" id=external-idp role=note>'
        f"<h2>Sign-ins leave this machine</h2>{items}<p>To use sp-sim's fake IdP instead, "
        "start <code>sp-sim serve</code> without <code>--external-idp</code> and "
        "<code>--no-idp</code>, or Import the fake IdP's metadata on the "
        '<a href="/admin">profiles page</a>.</p></div>'
    )
