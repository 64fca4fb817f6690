"""What a reverse proxy in front of the simulator says about the request, and whether to
believe it.

Only a peer inside one of `ServerOptions.trusted_proxies` (CIDRs; none by default) is
believed: its `Forwarded` (RFC 7239, the first element: the client-facing hop) or
`X-Forwarded-Proto` / `-Host` / `-Port` give the scheme, host and port the browser used,
so the URL this SP really serves is compared with Destination and Recipient. From anyone
else the headers are only a hint (`forwarded_headers`): a proxy that is not trusted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiohttp import web

from sp_sim.server.state import ServerState, server_state


@dataclass(frozen=True)
class Forwarded:
    """The client-facing scheme and host[:port] a proxy reported (either may be None)."""

    proto: str | None
    host: str | None


def trusted_networks(
    cidrs: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The CIDRs as networks; ValueError names one that is not a CIDR (for the CLI)."""
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted(request: web.Request, state: ServerState) -> bool:
    if not state.options.trusted_proxies or not request.remote:
        return False
    try:
        peer = ipaddress.ip_address(request.remote)
    except ValueError:
        return False
    return any(peer in net for net in trusted_networks(state.options.trusted_proxies))


def _unquote(value: str) -> str:
    value = value.strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def forwarded_headers(request: web.Request) -> Forwarded | None:
    """What the proxy headers say, trusted or not; None when there are none."""
    if "Forwarded" in request.headers:
        first = request.headers["Forwarded"].split(",")[0]
        parts = (p.partition("=") for p in first.split(";"))
        pairs = {k.strip().lower(): _unquote(v) for k, _, v in parts}
        return Forwarded(pairs.get("proto"), pairs.get("host"))
    proto = request.headers.get("X-Forwarded-Proto")
    host = request.headers.get("X-Forwarded-Host")
    port = request.headers.get("X-Forwarded-Port")
    if proto is None and host is None and port is None:
        return None
    proto = proto.split(",")[0].strip() if proto else None
    host = host.split(",")[0].strip() if host else None
    if port and port.strip().isdigit():
        base = host or request.host
        name = base.rsplit(":", 1)[0] if not base.endswith("]") else base
        default = {"https": "443", "http": "80"}.get(proto or request.scheme)
        host = name if port.strip() == default else f"{name}:{port.strip()}"
    return Forwarded(proto, host)


def _base(request: web.Request, said: Forwarded) -> str:
    proto = (said.proto or request.scheme).lower()
    return f"{proto}://{(said.host or request.host).lower()}"


def served_at(request: web.Request, state: ServerState) -> str | None:
    """The base URL (`https://sp.example.com`) a trusted proxy says the browser used; None
    when no trusted proxy said anything."""
    said = forwarded_headers(request) if _trusted(request, state) else None
    return None if said is None else _base(request, said)


def untrusted_acs(request: web.Request, state: ServerState) -> str | None:
    """The ACS URL that proxy headers from an untrusted peer name; None when none came
    (or the peer is trusted, and its word is used instead)."""
    said = forwarded_headers(request)
    if said is None or _trusted(request, state):
        return None
    return f"{_base(request, said)}{request.path}"


def is_secure(request: web.Request) -> bool:
    """Whether the browser reached us over https: directly, or by a trusted proxy's word."""
    if request.secure:
        return True
    state = server_state(request)
    said = forwarded_headers(request) if _trusted(request, state) else None
    return said is not None and (said.proto or "").lower() == "https"
