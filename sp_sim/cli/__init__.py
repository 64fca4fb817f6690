"""`sp-sim`: the command line. Commands only; the work is in core, tenant, idp, server
and support.

Exit status: 0 the configuration would work, 1 it would not, 2 the command line or
the settings are unusable. Whatever the message holds is judged (exit 1), never 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sp_sim.cli.common import EXIT_USAGE
from sp_sim.cli.offline import (
    DEMO_INSTANT,
    add_check_command,
    add_codes_command,
    add_demo_command,
    add_evidence_command,
)
from sp_sim.cli.servers import add_idp_command, add_serve_command
from sp_sim.cli.support import add_case_command, add_doctor_command
from sp_sim.errors import SpSimError

__all__ = ["DEMO_INSTANT", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sp-sim",
        description="A SAML service-provider simulator that stands in for Mimecast.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_check_command(commands)
    add_evidence_command(commands)
    add_doctor_command(commands)
    add_case_command(commands)
    add_demo_command(commands)
    add_serve_command(commands)
    add_idp_command(commands)
    add_codes_command(commands)
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
