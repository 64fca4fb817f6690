"""Commands that judge messages offline: check, evidence, demo, codes."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from typing import Any

from sp_sim.cli import DEMO_INSTANT
from sp_sim.cli.common import (
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
from sp_sim.core.codes import Code
from sp_sim.core.engine import check_response
from sp_sim.errors import InputError
from sp_sim.render import report_json, report_text
from sp_sim.render.colour import colourise
from sp_sim.render.json import to_json
from sp_sim.render.verdict import Verdict
from sp_sim.support.evidence import EvidenceError, read_evidence
from sp_sim.support.timeline import judge_capture
from sp_sim.support.timeline_text import timelines_text


def command_check(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    report = check_response(read_input(args.response, "RESPONSE"), settings, now_or(args.at))
    if args.format == "json":
        print(report_json(report))
    else:
        print(report_text(report, colour=use_colour(sys.stdout, args.color)))
    return exit_status(Verdict.of_report(report))


def command_evidence(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    try:
        capture_format, steps = read_evidence(read_input(args.evidence, "EVIDENCE"))
    except EvidenceError as error:
        raise InputError(f"{args.evidence}: {error}") from None
    timelines = judge_capture(capture_format, steps, settings, args.at)
    if args.format == "json":
        print(to_json(timelines.to_dict()))
    else:
        text = timelines_text(timelines)
        print(colourise(text) if use_colour(sys.stdout, args.color) else text, end="")
    return exit_status(timelines.verdict)


def command_demo(args: argparse.Namespace) -> int:
    demo = resources.files("sp_sim") / "demo"
    with resources.as_file(demo) as folder:
        tenant, response = folder / "tenant.toml", folder / "response.xml"
        print(f"sp-sim check --tenant {tenant} --at {DEMO_INSTANT} {response}\n")
        check_args = argparse.Namespace(
            tenant=str(tenant),
            profile=None,
            entity_id=None,
            acs_url=None,
            idp_issuer=None,
            provider=None,
            idp_cert=[],
            idp_metadata=None,
            at=instant_arg(DEMO_INSTANT),
            request_id=[],
            clock_skew=None,
            response=str(response),
            format="text",
            color=args.color,
        )
        return command_check(check_args)


def command_codes(args: argparse.Namespace) -> int:
    for code in Code:
        print(f"{code.value:36} {code.description}")
    return EXIT_WORKS


def add_check_command(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="judge a SAML Response, check by check",
        description="Judge a SAML Response as the SP would. RESPONSE is a file or -, holding "
        "raw XML, its base64 (wrapped or not) or a form body SAMLResponse=...&RelayState=....",
    )
    check.add_argument("response", metavar="RESPONSE")
    add_settings_arguments(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    add_color_argument(check)
    check.set_defaults(run=command_check)


def add_evidence_command(commands: Any) -> None:
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
    add_color_argument(evidence)
    evidence.set_defaults(run=command_evidence)


def add_demo_command(commands: Any) -> None:
    demo = commands.add_parser("demo", help="check the bundled demo response")
    add_color_argument(demo)
    demo.set_defaults(run=command_demo)


def add_codes_command(commands: Any) -> None:
    codes = commands.add_parser("codes", help="list every finding code")
    codes.set_defaults(run=command_codes)
