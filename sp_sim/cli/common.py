"""What every command shares: exit codes, reading inputs, the settings flags."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def instant_arg(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        return parse_instant(text)
    except ValueError:
        raise ConfigError(
            f"--at {text!r}: not an ISO-8601 instant (e.g. 2026-06-01T12:00:00Z)"
        ) from None


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
    if args.clock_skew is not None and args.clock_skew < 0:
        raise ConfigError("--clock-skew must not be negative")
    return replace(
        settings,
        entity_id=args.entity_id or settings.entity_id,
        acs_url=args.acs_url or settings.acs_url,
        idp_issuer=issuer or settings.idp_issuer,
        certificates=unique(tuple(certificates)) if certificates else settings.certificates,
        outstanding_requests=frozenset(args.request_id) if args.request_id else None,
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
        "--idp-cert",
        metavar="FILE",
        action="append",
        default=[],
        help="IdP certificate: PEM, base64, DER or metadata (repeatable)",
    )
    parser.add_argument(
        "--idp-metadata", metavar="FILE", help="IdP federation metadata: certificates and Issuer"
    )
    parser.add_argument("--at", metavar="ISO-8601", help="the instant to judge at (default now)")
    parser.add_argument(
        "--request-id",
        metavar="ID",
        action="append",
        default=[],
        help="an outstanding AuthnRequest ID (repeatable)",
    )
    parser.add_argument(
        "--clock-skew", metavar="SECONDS", type=int, help="clock skew allowed (default 300)"
    )
