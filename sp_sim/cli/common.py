"""What every command shares: exit codes, reading inputs, the settings flags."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from sp_sim.core.certs import Certificate, CertificateError, load_certificates, unique
from sp_sim.core.metadata import MetadataError, parse_idp_metadata
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.errors import ConfigError, InputError
from sp_sim.render.verdict import Verdict
from sp_sim.tenant import load_tenant

EXIT_WORKS, EXIT_FAILS, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3
_EXIT = {Verdict.WORKS: EXIT_WORKS, Verdict.FAILS: EXIT_FAILS, Verdict.UNKNOWN: EXIT_UNKNOWN}


def exit_status(verdict: Verdict) -> int:
    """0 works, 1 fails, 3 unknown (nothing fails, but not proven to work)."""
    return _EXIT[verdict]


def read_input(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{what} {path}: cannot read ({error.strerror})") from None


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error, `sp-sim check: argument --port: …`, and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


MAX_PORT = 65535
MAX_CLOCK_SKEW = 86400
"""The most clock skew a check allows: a day. More makes any response's times pass."""
EARLIEST, LATEST = datetime(2, 1, 1, tzinfo=UTC), datetime(9998, 12, 31, tzinfo=UTC)
"""The instants `--at` takes: datetime's range less a year each side, so that adding a
skew or a lifetime to them cannot overflow."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def bounded_int(low: int, high: int | None, unit: str = "") -> Callable[[str], int]:
    """An argparse `type=`: a whole number from `low` to `high` (None: no upper bound)."""

    def parse(text: str) -> int:
        value = _integer(text)
        if value < low or (high is not None and value > high):
            most = "" if high is None else f" to {high}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: {low}{most}{unit}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse


port_arg = bounded_int(0, MAX_PORT)
"""A TCP port, 0 (a free one) to 65535."""
clock_skew_arg = bounded_int(0, MAX_CLOCK_SKEW, " seconds (a day)")
"""Clock skew in seconds, 0 to a day."""
count_arg = bounded_int(0, None)
"""A count: 0 or more."""


def instant_arg(text: str) -> datetime:
    """An argparse `type=`: an ISO-8601 instant (no zone: UTC) within EARLIEST..LATEST."""
    try:
        instant = parse_instant(text)
    except ValueError as error:
        if "range" not in str(error):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an ISO-8601 instant (e.g. 2026-06-01T12:00:00Z)"
            ) from None
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range: {EARLIEST.year:04}-01-01 to {LATEST.date()}"
        )
    return instant


def now_or(at: datetime | None) -> datetime:
    """`--at`, or now."""
    return datetime.now(UTC) if at is None else at


def settings_from_args(args: argparse.Namespace) -> CheckSettings:
    """The tenant file's settings, overridden by flags."""
    settings = CheckSettings()
    if args.tenant:
        tenant = load_tenant(Path(args.tenant))
        try:
            settings = tenant.check_settings(args.profile)
        except KeyError:
            raise ConfigError(
                f"--profile {args.profile!r}: the tenant has no such profile "
                f"({', '.join(p.name for p in tenant.profiles)})"
            ) from None
    elif args.profile:
        raise ConfigError("--profile needs --tenant")
    certificates: list[Certificate] = []
    for path in args.idp_cert:
        try:
            certificates += load_certificates(read_input(path, "--idp-cert"), path)
        except CertificateError as error:
            raise ConfigError(f"--idp-cert {error}") from None
    issuer = args.idp_issuer
    if args.idp_metadata:
        data = read_input(args.idp_metadata, "--idp-metadata")
        try:
            metadata = parse_idp_metadata(data)
            certificates += load_certificates(data, args.idp_metadata)
        except (MetadataError, CertificateError) as error:
            raise ConfigError(f"--idp-metadata {args.idp_metadata}: {error}") from None
        issuer = issuer or metadata.entity_id
    return replace(
        settings,
        entity_id=args.entity_id or settings.entity_id,
        acs_url=args.acs_url or settings.acs_url,
        idp_issuer=issuer or settings.idp_issuer,
        certificates=unique(tuple(certificates)) if certificates else settings.certificates,
        outstanding_requests=frozenset(args.request_id) if args.request_id else None,
        provider=args.provider or settings.provider,
        clock_skew=settings.clock_skew
        if args.clock_skew is None
        else timedelta(seconds=args.clock_skew),
    )


def use_colour(stream: object, choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that make CheckSettings (see settings_from_args)."""
    parser.add_argument("--tenant", metavar="FILE", help="a tenant TOML file")
    parser.add_argument("--profile", metavar="NAME", help="the tenant's profile to use")
    parser.add_argument("--entity-id", metavar="URL", help="the SP entity ID (Audience)")
    parser.add_argument("--acs-url", metavar="URL", help="the ACS URL (Destination, Recipient)")
    parser.add_argument("--idp-issuer", metavar="URL", help="the IdP's Issuer")
    parser.add_argument(
        "--provider",
        metavar="NAME",
        help="the IdP product, as a profile's Provider names it: Entra ID ('Azure Active "
        "Directory', the default of a tenant profile) gets Entra's portal words in the "
        "fixes; any other name, or none without --tenant, gets neutral words (the IdP)",
    )
    parser.add_argument(
        "--idp-cert",
        metavar="FILE",
        action="append",
        default=[],
        help="IdP certificate: PEM, base64, DER or metadata (repeatable)",
    )
    parser.add_argument(
        "--idp-metadata", metavar="FILE", help="IdP federation metadata: certificates and Issuer"
    )
    parser.add_argument(
        "--at", metavar="ISO-8601", type=instant_arg, help="the instant to judge at (default now)"
    )
    parser.add_argument(
        "--request-id",
        metavar="ID",
        action="append",
        default=[],
        help="an outstanding AuthnRequest ID (repeatable)",
    )
    parser.add_argument(
        "--clock-skew",
        metavar="SECONDS",
        type=clock_skew_arg,
        help="clock skew allowed, 0 to 86400 (default 300)",
    )


def add_color_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
