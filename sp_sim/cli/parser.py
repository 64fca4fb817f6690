"""The `sp-sim` argument parser: every command, each with `--debug` and `--color`."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from sp_sim.cli.common import ArgumentParser, add_color_argument
from sp_sim.cli.offline import (
    add_check_command,
    add_codes_command,
    add_demo_command,
    add_evidence_command,
)
from sp_sim.cli.servers import add_idp_command, add_serve_command
from sp_sim.cli.support import add_case_command, add_doctor_command

__all__ = ["build_parser", "parsers"]


def build_parser() -> argparse.ArgumentParser:
    """Every command's parser; each takes `--debug`."""
    parser = ArgumentParser(
        prog="sp-sim",
        description="A SAML service-provider simulator that stands in for Mimecast.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (
        add_check_command,
        add_evidence_command,
        add_doctor_command,
        add_case_command,
        add_demo_command,
        add_serve_command,
        add_idp_command,
        add_codes_command,
    ):
        add(commands)
    for sub in list(parsers(parser))[1:]:
        _add_common_options(sub)
    return parser


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    """`--debug` on every parser; `--color` on every command that lacks it (it changes
    nothing where there is nothing to colour, but every command takes it)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # so that `sp-sim --debug check …` is kept
        help="show the traceback of a failure",
    )
    options = {o for action in parser._actions for o in action.option_strings}
    is_command = not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
    if is_command and "--color" not in options:
        add_color_argument(parser)


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """`parser` and every sub-command's parser below it, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases once
                yield from parsers(sub)
