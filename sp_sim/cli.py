"""`sp-sim`: the command line. Commands only; the work is in core, tenant and render.

Exit status: 0 the configuration would work, 1 it would not, 2 the command line or
the settings are unusable. Whatever the message holds is judged (exit 1), never 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sp_sim.core.certs import Certificate, CertificateError, load_certificates, unique
from sp_sim.core.codes import Code
from sp_sim.core.engine import check_response
from sp_sim.core.metadata import MetadataError, parse_idp_metadata
from sp_sim.core.model import Status
from sp_sim.core.settings import CheckSettings
from sp_sim.core.xml import parse_instant
from sp_sim.errors import ConfigError, InputError, SpSimError
from sp_sim.idp.app import create_idp_app
from sp_sim.idp.config import load_idp
from sp_sim.idp.faults import FAULTS, FaultSet
from sp_sim.render import report_json, report_text
from sp_sim.render.doctor import doctor_json, doctor_text
from sp_sim.render.timeline import timelines_json, timelines_text
from sp_sim.server import urls
from sp_sim.server.app import bind, create_sp_app
from sp_sim.server.state import SERVER, ServerOptions
from sp_sim.server.tls import self_signed_context
from sp_sim.serving import run_until_interrupted
from sp_sim.support.batch import run_batch, summary_table
from sp_sim.support.case import create_case, export_case, run_case, stored_verdict
from sp_sim.support.doctor import Evidence, diagnose
from sp_sim.support.evidence import EvidenceError, read_evidence
from sp_sim.support.graph import EntraApp, GraphError, merge, read_claims_policy, read_graph
from sp_sim.support.timeline import build_timelines, judge
from sp_sim.tenant import load_tenant

EXIT_WORKS, EXIT_FAILS, EXIT_USAGE = 0, 1, 2
DEMO_INSTANT = "2026-11-22T10:00:30Z"


def _read(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{what} {path}: cannot read ({error.strerror})") from None


def _instant(text: str | None) -> datetime:
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
            certificates += load_certificates(_read(path, "--idp-cert"), path)
        except CertificateError as error:
            raise ConfigError(f"--idp-cert {error}") from None
    issuer = args.idp_issuer
    if args.idp_metadata:
        try:
            metadata = parse_idp_metadata(_read(args.idp_metadata, "--idp-metadata"))
            certificates += load_certificates(
                _read(args.idp_metadata, "--idp-metadata"), args.idp_metadata
            )
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


def _colour(stream: object, choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def command_check(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    now = _instant(args.at)
    report = check_response(_read(args.response, "RESPONSE"), settings, now)
    if args.format == "json":
        print(report_json(report))
    else:
        print(report_text(report, colour=_colour(sys.stdout, args.color)))
    return EXIT_WORKS if report.works else EXIT_FAILS


def command_evidence(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    at = None if args.at is None else _instant(args.at)
    try:
        capture_format, steps = read_evidence(_read(args.evidence, "EVIDENCE"))
    except EvidenceError as error:
        raise InputError(f"{args.evidence}: {error}") from None
    sign_ins = judge(build_timelines(steps), settings, at)
    if args.format == "json":
        print(timelines_json(capture_format, sign_ins))
    else:
        print(timelines_text(capture_format, sign_ins), end="")
    return EXIT_WORKS if sign_ins and all(s.works for s in sign_ins) else EXIT_FAILS


def command_doctor(args: argparse.Namespace) -> int:
    tenant = load_tenant(Path(args.tenant))
    try:
        profile = tenant.profile(args.profile)
    except KeyError:
        raise ConfigError(f"--profile {args.profile!r}: the tenant has no such profile") from None
    sources = [f"Mimecast tenant {args.tenant}"]
    entra = None
    try:
        for path in args.entra_app:
            read = read_graph(_read(path, "--entra-app"), path)
            entra = read if entra is None else merge(entra, read)
        if args.claims_policy:
            source = read_claims_policy(_read(args.claims_policy, "--claims-policy"))
            entra = replace(entra or EntraApp(), name_id_source=source)
    except GraphError as error:
        raise ConfigError(str(error)) from None
    if entra is not None:
        sources += list(entra.sources) + ([args.claims_policy] if args.claims_policy else [])
    metadata = None
    metadata_certificates: tuple[Certificate, ...] = ()
    if args.idp_metadata:
        data = _read(args.idp_metadata, "--idp-metadata")
        try:
            metadata = parse_idp_metadata(data)
            metadata_certificates = load_certificates(data, args.idp_metadata)
        except (MetadataError, CertificateError) as error:
            raise ConfigError(f"--idp-metadata {args.idp_metadata}: {error}") from None
        sources.append(f"federation metadata {args.idp_metadata}")
    findings = diagnose(
        Evidence(tenant, profile, entra, metadata, metadata_certificates, args.intent),
        _instant(args.at),
    )
    print(
        doctor_json(findings, sources) if args.format == "json" else doctor_text(findings, sources),
        end="\n" if args.format == "json" else "",
    )
    return EXIT_FAILS if any(f.status is Status.FAIL for f in findings) else EXIT_WORKS


def command_case(args: argparse.Namespace) -> int:
    if args.case_command == "create":
        result = create_case(
            Path(args.folder),
            Path(args.tenant),
            evidence=Path(args.evidence) if args.evidence else None,
            entra_apps=tuple(Path(p) for p in args.entra_app),
            claims_policy=Path(args.claims_policy) if args.claims_policy else None,
            idp_metadata=Path(args.idp_metadata) if args.idp_metadata else None,
            at=None if args.at is None else _instant(args.at),
            intent=args.intent,
        )
        print(result.text(), end="")
        print(f"case written to {args.folder}")
        return EXIT_WORKS if result.works else EXIT_FAILS
    if args.case_command == "run":
        folder = Path(args.folder)
        result = run_case(folder)
        print(result.text(), end="")
        stored = stored_verdict(folder)
        verdict = "works" if result.works else "fails"
        if stored is not None and stored != verdict:
            print(f"REGRESSION: the stored verdict was {stored}, now {verdict}")
            return EXIT_FAILS
        if args.check:
            return EXIT_WORKS
        return EXIT_WORKS if result.works else EXIT_FAILS
    if args.case_command == "export":
        export_case(Path(args.folder), Path(args.out), correlation_ids=args.redact_correlation_ids)
        print(f"redacted case written to {args.out}")
        return EXIT_WORKS
    settings = settings_from_args(args)
    rows = run_batch([Path(p) for p in args.paths], settings)
    print(summary_table(rows))
    if args.check:
        return EXIT_FAILS if any(r.regressed or r.verdict == "error" for r in rows) else EXIT_WORKS
    return EXIT_WORKS if rows and all(r.verdict == "works" for r in rows) else EXIT_FAILS


def command_demo(args: argparse.Namespace) -> int:
    demo = resources.files("sp_sim") / "demo"
    with resources.as_file(demo) as folder:
        tenant, response = folder / "tenant.toml", folder / "response.xml"
        print(f"sp-sim check --tenant {tenant} --at {DEMO_INSTANT} {response}\n")
        return main(
            [
                "check",
                "--tenant",
                str(tenant),
                "--at",
                DEMO_INSTANT,
                str(response),
                "--color",
                args.color,
            ]
        )


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

    def announce(base: str) -> None:
        t = tenant.tenant_id
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

    run_until_interrupted(create_idp_app(tenant, faults=faults), args.host, args.port, announce)
    return EXIT_WORKS


def command_serve(args: argparse.Namespace) -> int:
    demo = resources.files("sp_sim") / "demo"
    tenant = load_tenant(Path(args.config) if args.config else Path(str(demo / "tenant.toml")))
    idp = None if args.no_idp else load_idp(Path(args.idp_config) if args.idp_config else None)
    options = ServerOptions(local_urls=args.local_urls, binding=args.binding)
    app = create_sp_app(tenant, options=options, idp=idp)
    context = self_signed_context(args.host) if args.tls else None

    def announce(base: str) -> None:
        bind(app, base, wire_demo=idp is not None and not args.config)
        state = app[SERVER]
        account = state.tenant.account
        home = account.region.key
        print(f"sp-sim: Mimecast account {account.code} ({home}) at {base}/")
        print(f"  sign in (SP-initiated)   {base}/{home}/login")
        if idp is not None:
            print(
                f"  IdP-initiated (My Apps)  {base}/idp/{idp.tenant_id}/myapps/{idp.apps[0].app_id}"
            )
        print(f"  results                  {base}/results")
        print(f"  Entra Identifier         {urls.entity_id(state)}")
        print(f"  Entra Reply URL          {urls.acs_url(state)}")
        print("Ctrl-C stops it.", flush=True)

    run_until_interrupted(app, args.host, args.port, announce, context)
    return EXIT_WORKS


def command_codes(args: argparse.Namespace) -> int:
    for code in Code:
        print(f"{code.value:36} {code.description}")
    return EXIT_WORKS


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


def _add_check_command(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="judge a SAML Response, check by check",
        description="Judge a SAML Response as the SP would. RESPONSE is a file or -, holding "
        "raw XML, its base64 (wrapped or not) or a form body SAMLResponse=...&RelayState=....",
    )
    check.add_argument("response", metavar="RESPONSE")
    add_settings_arguments(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.set_defaults(run=command_check)


def _add_evidence_command(commands: Any) -> None:
    evidence = commands.add_parser(
        "evidence",
        help="rebuild and judge the sign-ins in a HAR or SAML-tracer capture",
        description="Read a HAR (1.2) file, a SAML-tracer export or a raw message; rebuild "
        "each sign-in (AuthnRequest, Entra's answer, the POST to Mimecast), judge every "
        "response at the instant it was captured (--at overrides), and say which step failed.",
    )
    evidence.add_argument("evidence", metavar="EVIDENCE")
    add_settings_arguments(evidence)
    evidence.add_argument("--format", choices=("text", "json"), default="text")
    evidence.set_defaults(run=command_evidence)


def _add_doctor_command(commands: Any) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="cross-check both sides' settings, predicting failures",
        description="Cross-check the Mimecast tenant with the Entra app (az ad sp show / az ad "
        "app show JSON, a claims-mapping policy) and the federation metadata, with no sign-in: "
        "each failure predicted, with the AADSTS code or check it leads to. Missing pieces are "
        "reported as unknown.",
    )
    doctor.add_argument("--tenant", metavar="FILE", required=True, help="the Mimecast tenant TOML")
    doctor.add_argument("--profile", metavar="NAME", help="the tenant's profile (default: first)")
    doctor.add_argument(
        "--entra-app",
        metavar="FILE",
        action="append",
        default=[],
        help="JSON of az ad sp show and/or az ad app show (repeatable)",
    )
    doctor.add_argument("--claims-policy", metavar="FILE", help="a claims-mapping policy JSON")
    doctor.add_argument("--idp-metadata", metavar="FILE", help="Entra federation metadata")
    doctor.add_argument(
        "--intent",
        choices=("sp", "idp", "both"),
        default="both",
        help="which sign-in the customer intends (default both)",
    )
    doctor.add_argument("--at", metavar="ISO-8601", help="the instant (default now)")
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    doctor.set_defaults(run=command_doctor)


def _add_case_command(commands: Any) -> None:
    case = commands.add_parser("case", help="case bundles: create, run, export, batch")
    case_commands = case.add_subparsers(dest="case_command", required=True)
    create = case_commands.add_parser("create", help="a case folder from a customer's files")
    create.add_argument("folder", metavar="FOLDER")
    create.add_argument("--tenant", metavar="FILE", required=True)
    create.add_argument("--evidence", metavar="FILE", help="HAR, SAML-tracer export or message")
    create.add_argument("--entra-app", metavar="FILE", action="append", default=[])
    create.add_argument("--claims-policy", metavar="FILE")
    create.add_argument("--idp-metadata", metavar="FILE")
    create.add_argument("--intent", choices=("sp", "idp", "both"), default="both")
    create.add_argument(
        "--at",
        metavar="ISO-8601",
        help="pin this instant (default: the capture's first time, else now)",
    )
    run_parser = case_commands.add_parser("run", help="re-run a case at its pinned instant")
    run_parser.add_argument("folder", metavar="FOLDER")
    run_parser.add_argument(
        "--check", action="store_true", help="exit 0 when the verdict equals the stored one"
    )
    export = case_commands.add_parser("export", help="a redacted copy to attach to a ticket")
    export.add_argument("folder", metavar="FOLDER")
    export.add_argument("out", metavar="OUT")
    export.add_argument("--redact-correlation-ids", action="store_true")
    batch = case_commands.add_parser("batch", help="many cases or captures, with a summary")
    batch.add_argument(
        "paths",
        metavar="PATH",
        nargs="+",
        help="case folders (searched recursively) or capture files",
    )
    add_settings_arguments(batch)
    batch.add_argument(
        "--check",
        action="store_true",
        help="fail only on regressions (verdicts differing from stored ones)",
    )
    case.set_defaults(run=command_case)


def _add_demo_command(commands: Any) -> None:
    demo = commands.add_parser("demo", help="check the bundled demo response")
    demo.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    demo.set_defaults(run=command_demo)


def _add_serve_command(commands: Any) -> None:
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
        choices=("redirect", "post"),
        default="redirect",
        help="how AuthnRequests are sent",
    )
    serve.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate")
    serve.set_defaults(run=command_serve)


def _add_idp_command(commands: Any) -> None:
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


def _add_codes_command(commands: Any) -> None:
    codes = commands.add_parser("codes", help="list every finding code")
    codes.set_defaults(run=command_codes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sp-sim",
        description="A SAML service-provider simulator that stands in for Mimecast.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_check_command(commands)
    _add_evidence_command(commands)
    _add_doctor_command(commands)
    _add_case_command(commands)
    _add_demo_command(commands)
    _add_serve_command(commands)
    _add_idp_command(commands)
    _add_codes_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except SpSimError as error:
        print(f"sp-sim: {error}", file=sys.stderr)
        return EXIT_USAGE
    return result


if __name__ == "__main__":
    sys.exit(main())
