"""Commands that run servers: serve (the main job) and idp."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import ssl
from pathlib import Path
from typing import Any

from sp_sim.cli.common import EXIT_WORKS, port_arg
from sp_sim.core.bindings import Binding
from sp_sim.errors import ConfigError
from sp_sim.idp.app import create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import FAULTS, FaultSet
from sp_sim.server.checking import check_workers
from sp_sim.server.csrf import MIN_SECRET
from sp_sim.server.external import external_logins
from sp_sim.server.state import PreloginCookie
from sp_sim.server.store import store_url
from sp_sim.server.tls import context_from_files, self_signed_context
from sp_sim.serving import base_url_of, listen, run_until_interrupted
from sp_sim.stack import Stack, StackConfig, build_stack, create_app


def serve_config(args: argparse.Namespace) -> StackConfig:
    """What `serve` runs. The tenant (the demo's or `--config`'s) is wired to the fake IdP,
    unless `--external-idp` keeps its profile as written (its Login URL, often Entra's)."""
    return StackConfig(
        tenant_file=Path(args.config) if args.config else None,
        idp_file=Path(args.idp_config) if args.idp_config else None,
        mount_idp=not args.no_idp,
        wire_idp=not args.external_idp,
        local_urls=args.local_urls,
        binding=Binding(args.binding),
        workers=args.workers,
        store=args.store,
        trusted_proxies=tuple(c for group in args.trusted_proxy for c in group),
        csrf_secret=args.csrf_secret,
        prelogin_cookie=PreloginCookie(args.prelogin_cookie),
        idp_hostname=args.idp_hostname,
    )


ENV_PREFIX = "SP_SIM_"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def store_arg(text: str) -> str:
    """--store: memory, or redis://host:port/db."""
    try:
        return store_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def csrf_secret_arg(text: str) -> str:
    """--csrf-secret: the same text on every instance, long enough not to be guessed."""
    if len(text) < MIN_SECRET:
        raise argparse.ArgumentTypeError(f"give at least {MIN_SECRET} characters")
    return text


def public_url_arg(text: str) -> str:
    """--public-url: http(s)://host[:port], the origin browsers reach the instances at."""
    url = text.strip().rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme not in {"http", "https"} or not rest or "/" in rest:
        raise argparse.ArgumentTypeError(f"{text!r}: give an origin such as http://lb:8080")
    return url


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")


def host_arg(text: str) -> str:
    """--idp-hostname: a DNS name or an IPv4 address (no scheme, no port)."""
    host = text.strip().lower()
    if not _HOST_NAME.fullmatch(host):
        raise argparse.ArgumentTypeError(f"{text!r}: give a host name such as localhost")
    return host


def cidr_arg(text: str) -> tuple[str, ...]:
    """--trusted-proxy: one or more CIDRs (or addresses), comma-separated too."""
    try:
        nets = [ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give CIDRs such as 10.0.0.0/8") from None
    return tuple(str(n) for n in nets)


def environment_defaults(parser: argparse.ArgumentParser, prefix: str) -> None:
    """Every option's default from `<prefix><OPTION>` when set (`--tls-cert` from
    SP_SIM_TLS_CERT): typed options are converted and checked by argparse like a typed
    value, so a bad one is the usual one-line usage error; flags take 1/0, true/false."""
    for action in parser._actions:
        long = next((o for o in action.option_strings if o.startswith("--")), None)
        if long is None or action.dest in {"help", "list_faults"}:
            continue
        name = prefix + long[2:].upper().replace("-", "_")
        value = os.environ.get(name)
        if value is None:
            continue
        if isinstance(action, argparse._StoreTrueAction):
            if value.strip().lower() not in _TRUE | _FALSE:
                parser.error(f"{name}={value!r}: give 1 or 0 (true or false)")
            action.default = value.strip().lower() in _TRUE
        elif isinstance(action, argparse._AppendAction):
            action.default = [v for v in value.split(",") if v.strip()]
        else:
            action.default = value  # a string default goes through `type` at parse time


def workers_arg(text: str) -> int:
    """--workers: 0 (check in a thread) to 64 processes."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"a number of processes, not {text!r}")
    try:
        return check_workers(int(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def command_serve(args: argparse.Namespace) -> int:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together: give both")
    context: ssl.SSLContext | None
    if args.tls_cert is not None:
        context = context_from_files(Path(args.tls_cert), Path(args.tls_key))
    else:
        also = (args.idp_hostname,) if args.idp_hostname else ()
        context = self_signed_context(args.host, *also) if args.tls else None
    sock = listen(args.host, args.port)
    try:
        base_url = args.public_url or base_url_of(sock, tls=context is not None)
        stack = build_stack(serve_config(args), base_url)
        app = create_app(stack)  # before the banner, so "Ctrl-C stops it." is nearly exact
    except BaseException:
        sock.close()
        raise
    announce(stack)
    run_until_interrupted(app, sock, context)
    return EXIT_WORKS


def announce(stack: Stack) -> None:
    base, account, idp = stack.base_url, stack.tenant.account, stack.idp
    home = account.region.key
    print(f"sp-sim: Mimecast account {account.code} ({home}) at {base}/")
    print(f"  sign in (SP-initiated)   {base}/{home}/login")
    if idp is not None:
        my_apps = f"{stack.idp_base_url}/idp/{idp.tenant_id}/myapps/{idp.apps[0].app_id}"
        print(f"  IdP-initiated (My Apps)  {my_apps}")
    print(f"  results                  {base}/results")
    print(f"  Entra Identifier         {stack.urls.entity_id}")
    print(f"  Entra Reply URL          {stack.urls.acs_url}")
    for login in external_logins(stack.tenant, base, stack.options.idp_hostname):
        print(f"  note: {login.sentence}")
    print("Ctrl-C stops it.", flush=True)


def command_idp(args: argparse.Namespace) -> int:
    if args.list_faults:
        for name, description in FAULTS.items():
            print(f"{name:24} {description}")
        return EXIT_WORKS
    tenant = load_idp(Path(args.config) if args.config else None)
    try:
        faults = FaultSet.parse(args.fault)
    except ValueError as error:
        raise ConfigError(f"--fault: {error}") from None
    sock = listen(args.host, args.port)
    base, t = base_url_of(sock), tenant.tenant_id
    print(f"sp-sim fake Entra ID for tenant {t}, at {base}/")
    print(f"  Login URL / Logout URL  {base}/{t}/saml2")
    print(f"  Issuer (Entra ID)      {tenant.issuer}")
    for app in tenant.apps:
        print(
            f"  {app.name}: metadata {base}/{t}/federationmetadata/2007-06/"
            f"federationmetadata.xml?appid={app.app_id}"
        )
        print(f"  {app.name}: IdP-initiated {base}/{t}/myapps/{app.app_id}")
    print("Ctrl-C stops it.", flush=True)
    run_until_interrupted(create_idp_app(tenant, faults=faults), sock)
    return EXIT_WORKS


def add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="the simulator and the fake Entra ID on one port (the main job)",
        description="Run the Mimecast SP simulator with the fake Entra ID at /idp, on the "
        "embedded demo tenant unless --config names one.",
    )
    serve.add_argument("--config", metavar="FILE", help="a tenant TOML file")
    serve.add_argument("--idp-config", metavar="FILE", help="a fake IdP tenant TOML file")
    serve.add_argument("--no-idp", action="store_true", help="do not mount the fake IdP")
    serve.add_argument(
        "--external-idp",
        action="store_true",
        help="keep the tenant's profile as written (its own IdP, e.g. Entra) instead of "
        "pointing it at the fake IdP",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port_arg, default=8080, help="0 picks a free port")
    serve.add_argument(
        "--local-urls",
        action="store_true",
        help="answer to this server's URLs instead of Mimecast's",
    )
    serve.add_argument(
        "--binding",
        choices=[str(b) for b in Binding],
        default=str(Binding.REDIRECT),
        help="how AuthnRequests are sent",
    )
    serve.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate")
    serve.add_argument(
        "--workers",
        type=workers_arg,
        default=0,
        metavar="N",
        help="processes that check responses (0, the default: a worker thread)",
    )
    serve.add_argument(
        "--store",
        type=store_arg,
        default="memory",
        metavar="URL",
        help="where state is kept: memory (default), or redis://host:port/db to share it",
    )
    serve.add_argument(
        "--trusted-proxy",
        type=cidr_arg,
        nargs="+",
        default=[],
        metavar="CIDR",
        help="believe Forwarded / X-Forwarded-* headers from these proxies (default: none)",
    )
    serve.add_argument(
        "--csrf-secret",
        type=csrf_secret_arg,
        default=None,
        metavar="TEXT",
        help="the CSRF key's seed, the same on every instance (default: random per process)",
    )
    serve.add_argument(
        "--public-url",
        type=public_url_arg,
        default=None,
        metavar="URL",
        help="where browsers reach this instance, e.g. its load balancer (default: where it "
        "listens)",
    )
    serve.add_argument(
        "--prelogin-cookie",
        choices=[str(c) for c in PreloginCookie],
        default=str(PreloginCookie.NONE),
        help="SameSite of the cookie binding an AuthnRequest to its browser: none "
        "(SameSite=None; Secure, the default), lax, or off (no cookie, no check)",
    )
    serve.add_argument(
        "--idp-hostname",
        type=host_arg,
        default=None,
        metavar="HOST",
        help="serve the fake IdP's URLs under this host name, another site than the "
        "simulator's (e.g. localhost when browsing 127.0.0.1); it must reach this server",
    )
    serve.add_argument("--tls-cert", metavar="PEM", help="HTTPS with this certificate (chain)")
    serve.add_argument("--tls-key", metavar="PEM", help="the key of --tls-cert")
    environment_defaults(serve, ENV_PREFIX)
    serve.set_defaults(run=command_serve)


def add_idp_command(commands: Any) -> None:
    idp = commands.add_parser(
        "idp",
        help="run the fake Entra ID alone",
        description="Run the fake Entra ID IdP (the demo tenant unless --config names one).",
    )
    idp.add_argument("--config", metavar="FILE", help="an IdP tenant TOML file")
    idp.add_argument("--host", default="127.0.0.1")
    idp.add_argument("--port", type=port_arg, default=8443, help="0 picks a free port")
    idp.add_argument(
        "--fault",
        metavar="NAME[=VALUE]",
        action="append",
        default=[],
        help="inject a fault into every sign-in (repeatable)",
    )
    idp.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    environment_defaults(idp, ENV_PREFIX + "IDP_")
    idp.set_defaults(run=command_idp)
