"""`sp-sim`: the command line. Commands only; the work is in core, tenant, idp, server
and support.

Exit status: 0 the configuration would work, 1 it would not, 2 the command line or
the settings are unusable (or sp-sim failed: one line, `--debug` for the traceback), 3
unknown, 130 interrupted (Ctrl-C), 141 the reader of the output went away (`| head`).
Whatever the message holds is judged (exit 1), never 2.

One error boundary, `main`, serves every command: no traceback reaches the user unless
`--debug` asks for it. The commands are imported inside it, so a Ctrl-C while they load
is an interruption like any other. This module and `sp_sim/__init__.py` import nothing
but what Python has loaded at start-up (os, sys), so the boundary is up a millisecond
after the interpreter is.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing before the boundary
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 2, 130, 141

__all__ = ["DEMO_INSTANT", "build_parser", "main"]

DEMO_INSTANT = "2026-11-22T10:00:30Z"


def build_parser() -> argparse.ArgumentParser:
    """Every command's parser (`sp_sim.cli.parser`)."""
    from sp_sim.cli.parser import build_parser  # noqa: PLC0415 (see the module docstring)

    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure becomes one line on stderr and an exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        status = _run(arguments)
        if argv is None:  # sp-sim itself, not a caller in Python: nothing is left to stop
            from sp_sim.cli.loading import ignore_late_interrupts  # noqa: PLC0415

            ignore_late_interrupts()
        return status
    except KeyboardInterrupt:
        print("sp-sim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # what the Python docs advise: no more writes to the closed pipe, not even at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if "--debug" in arguments:
            _print_traceback()
        first = str(error).splitlines()[0] if str(error) else ""
        print(
            f"sp-sim: internal error: {type(error).__name__}"
            f"{': ' + first if first else ''} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _run(arguments: list[str]) -> int:
    from sp_sim.cli.loading import load_parser  # noqa: PLC0415 (see the module docstring)

    args = load_parser().parse_args(arguments)  # a Ctrl-C while loading: interrupted
    from sp_sim.errors import SpSimError  # noqa: PLC0415 (loaded by now: sp_sim.core)

    try:
        result: int = args.run(args)
    except SpSimError as error:
        if args.debug:
            _print_traceback()
        print(f"sp-sim: {error}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.flush()  # a closed pipe shows here, inside the boundary
    return result


def _print_traceback() -> None:
    import traceback  # noqa: PLC0415 (see the module docstring)

    traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
