"""Commands that run servers: serve (the main job) and idp."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sp_sim.cli.common import EXIT_WORKS
from sp_sim.core.bindings import Binding
from sp_sim.errors import ConfigError
from sp_sim.idp.app import create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import FAULTS, FaultSet
from sp_sim.server.tls import self_signed_context
from sp_sim.serving import base_url_of, listen, run_until_interrupted
from sp_sim.stack import Stack, StackConfig, build_stack, create_app


def serve_config(args: argparse.Namespace) -> StackConfig:
    """What `serve` runs. The demo is wired to the fake IdP; a tenant file of your own keeps
    its profile as written (point it at the fake IdP with the admin page's Import)."""
    return StackConfig(
        tenant_file=Path(args.config) if args.config else None,
        idp_file=Path(args.idp_config) if args.idp_config else None,
        mount_idp=not args.no_idp,
        wire_idp=args.config is None,
        local_urls=args.local_urls,
        binding=Binding(args.binding),
    )


def command_serve(args: argparse.Namespace) -> int:
    context = self_signed_context(args.host) if args.tls else None
    sock = listen(args.host, args.port)
    try:
        stack = build_stack(serve_config(args), base_url_of(sock, tls=context is not None))
    except BaseException:
        sock.close()
        raise
    announce(stack)
    run_until_interrupted(create_app(stack), sock, context)
    return EXIT_WORKS


def announce(stack: Stack) -> None:
    base, account, idp = stack.base_url, stack.tenant.account, stack.idp
    home = account.region.key
    print(f"sp-sim: Mimecast account {account.code} ({home}) at {base}/")
    print(f"  sign in (SP-initiated)   {base}/{home}/login")
    if idp is not None:
        print(f"  IdP-initiated (My Apps)  {base}/idp/{idp.tenant_id}/myapps/{idp.apps[0].app_id}")
    print(f"  results                  {base}/results")
    print(f"  Entra Identifier         {stack.urls.entity_id}")
    print(f"  Entra Reply URL          {stack.urls.acs_url}")
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
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
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
    serve.set_defaults(run=command_serve)


def add_idp_command(commands: Any) -> None:
    idp = commands.add_parser(
        "idp",
        help="run the fake Entra ID alone",
        description="Run the fake Entra ID IdP (the demo tenant unless --config names one).",
    )
    idp.add_argument("--config", metavar="FILE", help="an IdP tenant TOML file")
    idp.add_argument("--host", default="127.0.0.1")
    idp.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    idp.add_argument(
        "--fault",
        metavar="NAME[=VALUE]",
        action="append",
        default=[],
        help="inject a fault into every sign-in (repeatable)",
    )
    idp.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    idp.set_defaults(run=command_idp)
