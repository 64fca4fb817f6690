"""Support commands: doctor and case bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sp_sim.cli.common import (
    EXIT_FAILS,
    EXIT_WORKS,
    add_color_argument,
    add_settings_arguments,
    exit_status,
    instant_arg,
    now_or,
    read_input,
    settings_from_args,
    use_colour,
)
from sp_sim.errors import ConfigError
from sp_sim.render.colour import colourise
from sp_sim.render.json import to_json
from sp_sim.render.verdict import Verdict
from sp_sim.support.batch import ERROR, run_batch, summary_table
from sp_sim.support.case import create_case, export_case, run_case
from sp_sim.support.doctor import Intent, diagnose
from sp_sim.support.inputs import gather_evidence
from sp_sim.support.regression import compare, same_line, stored_report
from sp_sim.tenant import load_tenant


def command_doctor(args: argparse.Namespace) -> int:
    tenant = load_tenant(Path(args.tenant))
    try:
        profile = tenant.profile(args.profile)
    except KeyError:
        raise ConfigError(f"--profile {args.profile!r}: the tenant has no such profile") from None

    def named(path: str | None, flag: str) -> tuple[str, bytes] | None:
        return None if path is None else (path, read_input(path, flag))

    evidence = gather_evidence(
        tenant,
        profile,
        entra_apps=[(p, read_input(p, "--entra-app")) for p in args.entra_app],
        claims_policy=named(args.claims_policy, "--claims-policy"),
        idp_metadata=named(args.idp_metadata, "--idp-metadata"),
        intent=Intent(args.intent),
    )
    sources = [
        f"Mimecast tenant {args.tenant}",
        *(evidence.entra.sources if evidence.entra else ()),
    ]
    if args.idp_metadata:
        sources.append(f"federation metadata {args.idp_metadata}")
    diagnosis = diagnose(evidence, now_or(args.at), sources)
    if args.format == "json":
        print(to_json(diagnosis.to_dict()))
    else:
        _print(diagnosis.text(), args)
    return exit_status(diagnosis.verdict)


def command_case(args: argparse.Namespace) -> int:
    if args.case_command == "create":
        result = create_case(
            Path(args.folder),
            Path(args.tenant),
            evidence=Path(args.evidence) if args.evidence else None,
            entra_apps=tuple(Path(p) for p in args.entra_app),
            claims_policy=Path(args.claims_policy) if args.claims_policy else None,
            idp_metadata=Path(args.idp_metadata) if args.idp_metadata else None,
            at=args.at,
            intent=Intent(args.intent),
        )
        _print(result.text(), args)
        print(f"case written to {args.folder}")
        return exit_status(result.verdict)
    if args.case_command == "run":
        return _case_run(Path(args.folder), args)
    if args.case_command == "export":
        export_case(Path(args.folder), Path(args.out), correlation_ids=args.redact_correlation_ids)
        print(f"redacted case written to {args.out}")
        return EXIT_WORKS
    return _case_batch(args)


def _print(text: str, args: argparse.Namespace) -> None:
    """Text as written, or painted (`--color`)."""
    print(colourise(text) if use_colour(sys.stdout, args.color) else text, end="")


def _case_batch(args: argparse.Namespace) -> int:
    """Exit 2 for a path that is not there; Ctrl-C prints the rows so far, then stops."""
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such case folder or capture file")
    batch = run_batch(paths, settings_from_args(args))
    colour = use_colour(sys.stdout, args.color)
    _print(summary_table(batch, colour=colour) + "\n", args)
    if batch.interrupted:
        raise KeyboardInterrupt
    rows = batch.rows
    if args.check:
        return EXIT_FAILS if any(r.regressed or r.verdict == ERROR for r in rows) else EXIT_WORKS
    return EXIT_WORKS if rows and all(r.verdict == Verdict.WORKS for r in rows) else EXIT_FAILS


def _case_run(folder: Path, args: argparse.Namespace) -> int:
    """Re-run a case and compare every sign-in with the stored report: exit 1 on any
    REGRESSION (listed first, then the case); with `check`, 0 when all is the same as
    stored, else the verdict's status."""
    check = args.check
    result = run_case(folder)
    stored = stored_report(folder)
    if stored is None:
        if check:
            raise ConfigError(f"{folder}: no readable report.json to compare with")
        _print(result.text() + "no stored report.json to compare with\n", args)
        return exit_status(result.verdict)
    rerun = result.to_dict()
    changes = compare(stored, rerun, result.sign_ins)
    if changes:
        lines = [f"{len(changes)} REGRESSION(s) from the stored report:"]
        lines += [change.line() for change in changes]
        _print("\n".join(lines) + "\n\n" + result.text(), args)
        return EXIT_FAILS
    _print(result.text() + same_line(rerun) + "\n", args)
    if check:
        return EXIT_WORKS
    return exit_status(result.verdict)


def add_doctor_command(commands: Any) -> None:
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
        choices=[str(i) for i in Intent],
        default=str(Intent.BOTH),
        help="which sign-in the customer intends (default both)",
    )
    doctor.add_argument(
        "--at", metavar="ISO-8601", type=instant_arg, help="the instant (default now)"
    )
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    add_color_argument(doctor)
    doctor.set_defaults(run=command_doctor)


def add_case_command(commands: Any) -> None:
    case = commands.add_parser("case", help="case bundles: create, run, export, batch")
    case_commands = case.add_subparsers(dest="case_command", required=True)
    create = case_commands.add_parser("create", help="a case folder from a customer's files")
    create.add_argument("folder", metavar="FOLDER")
    create.add_argument("--tenant", metavar="FILE", required=True)
    create.add_argument("--evidence", metavar="FILE", help="HAR, SAML-tracer export or message")
    create.add_argument("--entra-app", metavar="FILE", action="append", default=[])
    create.add_argument("--claims-policy", metavar="FILE")
    create.add_argument("--idp-metadata", metavar="FILE")
    create.add_argument("--intent", choices=[str(i) for i in Intent], default=str(Intent.BOTH))
    create.add_argument(
        "--at",
        metavar="ISO-8601",
        type=instant_arg,
        help="pin this instant (default: the capture's first time, else now)",
    )
    add_color_argument(create)
    run_parser = case_commands.add_parser("run", help="re-run a case at its pinned instant")
    run_parser.add_argument("folder", metavar="FOLDER")
    run_parser.add_argument(
        "--check",
        action="store_true",
        help="exit 0 when every sign-in's verdict and failing codes, the doctor's predictions "
        "and the case verdict equal the stored ones; a REGRESSION line for each difference",
    )
    add_color_argument(run_parser)
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
    add_color_argument(batch)
    case.set_defaults(run=command_case)
