"""Loading the commands with every Ctrl-C noticed, even one a library swallows.

Building the parser imports every command and the libraries under them (lxml, xmlsec,
pydantic, aiohttp and its Cython speed-ups), half a second of start-up. A Ctrl-C that lands
while a Cython extension initialises comes out of its import as an `ImportError` ("cannot
initialise module strings"), which libraries catch to fall back to pure Python: the
interrupt is lost and the server starts anyway. One that lands in a callback the import
system runs (a weakref's) is printed by Python as "Exception ignored in …" with a
traceback, and lost too. While loading, SIGINT therefore goes to a handler that records it
before raising KeyboardInterrupt as Python's own does, and an unraisable KeyboardInterrupt
is kept quiet; a recorded Ctrl-C is an interruption, whatever became of its exception.
Python's handler is back before the command runs (asyncio installs its own graceful one
only over Python's).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see sp_sim.cli)
if TYPE_CHECKING:
    import argparse
    from types import FrameType


def load_parser() -> argparse.ArgumentParser:
    """Every command's parser. Raises KeyboardInterrupt when a Ctrl-C came while loading,
    also when a library turned it into an exception or swallowed it."""
    import signal  # noqa: PLC0415 (imported inside the error boundary, as the commands)

    seen: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    python_hook = sys.unraisablehook

    def quiet(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            python_hook(unraisable)

    previous = None
    try:
        sys.unraisablehook = quiet
        try:
            previous = signal.signal(signal.SIGINT, record)
        except ValueError:  # not the main thread: Python's own handler stays
            previous = None
        from sp_sim.cli.parser import build_parser  # noqa: PLC0415

        parser = build_parser()
    except Exception:
        if seen:
            raise KeyboardInterrupt from None
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = python_hook
    if seen:
        raise KeyboardInterrupt
    return parser


def ignore_late_interrupts() -> None:
    """The command has finished: a Ctrl-C from now on would only kill the interpreter while
    it exits (Python restores the default SIGINT action then), turning a finished
    command's status into a death by signal. Ignore it (main thread only)."""
    import contextlib  # noqa: PLC0415 (loaded by now, as every library)
    import signal  # noqa: PLC0415

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
