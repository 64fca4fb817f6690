"""Ctrl-C while `sp-sim` starts, through the installed console script: wherever the
interrupt lands — while Python loads sp-sim and its libraries (lxml, xmlsec, pydantic,
aiohttp), while a server builds its stack, once it serves — the output holds no traceback
and the status is the documented one (130 and `sp-sim: interrupted`; a server once serving
stops quietly, 0). dev.py, the README's way in, passes the command's status on."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import pytest

import sp_sim
import sp_sim.cli.parser
from sp_sim.cli.loading import ignore_late_interrupts, load_parser
from tests.helpers.commands import SP_SIM, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "sp_sim" / "demo"
CHECK = [
    "check",
    str(DEMO / "response.xml"),
    "--tenant",
    str(DEMO / "tenant.toml"),
    "--at",
    "2026-11-22T10:00:30Z",
]
SERVE = ["serve", "--port", "0"]
INTERRUPTED = "sp-sim: interrupted\n"
# a frame of sp-sim's own code in a traceback names a file in the package
OUR_FRAME = f'File "{Path(sp_sim.__file__).parent}{os.sep}'


PYTHON_LOST_IT = "Failed checking if argv[0] is an import path entry"
"""What Python prints when a Ctrl-C lands while it checks whether the script is a zip
file, before running it: it prints the interrupt's traceback and goes on, so the Ctrl-C is
gone before any line of sp-sim runs."""


def _interrupted_after(
    command: list[str], delay: float, *, python_may_lose_it: bool = False
) -> tuple[int, str, str]:
    """Start `sp-sim COMMAND`, send SIGINT `delay` seconds later; (status, stdout, stderr).
    A Ctrl-C that was lost (the command went on) fails the test, unless
    `python_may_lose_it` and Python itself says it swallowed it (`PYTHON_LOST_IT`): then
    the command is stopped and its status is -1."""
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # the Ctrl-C was lost: it went on (to serve)
            process.kill()
            out, err = process.communicate()
            if python_may_lose_it and PYTHON_LOST_IT in err and OUR_FRAME not in err:
                return -1, out, err
            raise AssertionError(f"Ctrl-C {delay} s in was lost: {out}{err}") from None
    return process.returncode, out, err


def _finished_first(command: list[str], code: int, out: str, err: str) -> bool:
    """The command was done (check: judged) or serving (serve) before the signal came."""
    if command[0] == "check":
        return code == 0 and out.startswith("WOULD WORK") and err == ""
    return code == 0 and "Ctrl-C stops it." in out and err == ""


def _pythons_own(code: int, out: str, err: str) -> bool:
    """The interrupt landed in the interpreter's own start-up, before sp-sim's first line
    (on a busy machine 80 ms can still be there): Python's to report, and no frame of
    sp-sim's code in it (see test_ctrl_c_in_pythons_own_start_never_shows_sp_sims_code)."""
    return code in (-signal.SIGINT, 1) and out == "" and OUR_FRAME not in err


@pytest.mark.parametrize("delay", [0.08, 0.15, 0.3, 0.5])
@pytest.mark.parametrize("command", [SERVE, CHECK], ids=["serve", "check"])
def test_ctrl_c_while_sp_sim_loads_is_one_line_and_130(command: list[str], delay: float) -> None:
    code, out, err = _interrupted_after(command, delay, python_may_lose_it=True)
    if code == -1 or _pythons_own(code, out, err):
        return
    assert "Traceback" not in out + err, err
    assert (code, err) == (130, INTERRUPTED) or _finished_first(command, code, out, err), (
        code,
        out,
        err,
    )


def test_no_ctrl_c_is_lost_while_a_server_loads() -> None:
    """A sweep over the half-second of loading: each Ctrl-C stops it (see the test of a
    library swallowing one below: how one got lost, and the server went on to serve)."""
    for step in range(16):
        delay = 0.05 + step * 0.04
        code, out, err = _interrupted_after(SERVE, delay, python_may_lose_it=True)
        if code == -1 or _pythons_own(code, out, err):
            continue
        assert "Traceback" not in out + err, (delay, err)
        assert (code, err) == (130, INTERRUPTED) or _finished_first(SERVE, code, out, err), (
            delay,
            code,
            err,
        )


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.02, 0.03, 0.05])
def test_ctrl_c_in_pythons_own_start_never_shows_sp_sims_code(delay: float) -> None:
    """The first few milliseconds are the interpreter's own start-up (its streams, site,
    the launcher script finding the package): an interrupt there is Python's to report and
    sp-sim cannot catch it. From the first line of sp-sim's code on, it is ours: no frame
    of the package may ever show in a traceback (before the lazy `sp_sim/__init__.py`,
    an interrupt 30 ms in showed sp_sim/__init__.py loading the core)."""
    code, out, err = _interrupted_after(SERVE, delay, python_may_lose_it=True)
    assert OUR_FRAME not in err, err
    if code == -1:  # Python swallowed it while checking the script, and sp-sim ran on
        return
    if code == 130:
        assert err == INTERRUPTED
    else:  # Python's: ended by the signal itself, or its start-up reported the interrupt
        assert code in (-signal.SIGINT, 1), (code, err)
        assert out == ""


def test_ctrl_c_right_after_the_server_announces_itself() -> None:
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, *SERVE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        lines: list[str] = []
        while not lines or lines[-1] not in ("Ctrl-C stops it.\n", ""):
            lines.append(process.stdout.readline())
        assert lines[-1] == "Ctrl-C stops it.\n", lines
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        err = process.stderr.read()
    # the event loop may not be up yet (130, one line) or already serving (0, quiet)
    assert (code, err) in ((130, INTERRUPTED), (0, "")), (code, err)


def _dev_run(*command: str) -> subprocess.Popen[str]:
    """dev.py's `run` (what `python3 dev.py serve` / `dev.py sp-sim …` call once the
    environment is ready), in a session of its own: a terminal's Ctrl-C reaches the whole
    foreground process group, dev.py and the command alike."""
    program = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import dev; "
        f"sys.exit(dev.run({list(command)!r}))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", program],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.parametrize("when", ["starting", "serving"])
def test_ctrl_c_on_dev_py_serve_is_the_commands_own_status(when: str) -> None:
    assert SP_SIM
    with _dev_run(SP_SIM, *SERVE) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()  # the command has started: dev.py is waiting
        assert first.startswith("sp-sim: Mimecast account"), first
        if when == "serving":
            base = first.strip().rsplit(" at ", 1)[1].rstrip("/")
            wait_until_serving(base)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        out, err = process.communicate(timeout=60)
    assert "Traceback" not in out + err, err
    if when == "serving":
        assert (process.returncode, err) == (0, "")
    else:
        assert (process.returncode, err) in ((130, INTERRUPTED), (0, "")), err


def test_ctrl_c_on_dev_py_sp_sim_check_is_130_in_one_line() -> None:
    assert SP_SIM
    with _dev_run(SP_SIM, *CHECK) as process:
        time.sleep(0.3)  # dev.py is waiting; sp-sim is loading
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert "Traceback" not in out + err, err
    assert (process.returncode, err) == (130, INTERRUPTED) or (
        process.returncode == 0 and out.startswith("WOULD WORK")
    ), (process.returncode, out, err)


def _ctrl_c_now() -> None:
    """SIGINT to this very process, handled at once (the sleep is cut short by it)."""
    assert threading.current_thread() is threading.main_thread()  # else pytest would get it
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)


class _Module:
    """Stands for a module whose import finishes with a callback (importlib's module locks
    are weakrefs with one)."""


@pytest.mark.parametrize("library", ["catches-it", "turns-it-into-import-error", "in-a-callback"])
def test_a_ctrl_c_a_library_swallows_while_loading_still_interrupts(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], library: str
) -> None:
    """What a sweep of start-up instants found: a Ctrl-C landing in a Cython extension's
    module init came out as an ImportError ("cannot initialise module strings") that
    aiohttp's optional speed-ups catch, so `sp-sim serve` went on to serve; one landing in an
    import-lock callback was printed by Python as "Exception ignored in …" with a traceback.
    Here a library does each of those to the Ctrl-C while the commands load."""

    def build_parser() -> argparse.ArgumentParser:
        if library == "in-a-callback":
            module = _Module()
            watch = weakref.ref(module, lambda _: _ctrl_c_now())
            del module  # the callback runs, the interrupt is raised in it: unraisable
            assert watch() is None
        else:
            try:
                _ctrl_c_now()
            except KeyboardInterrupt:
                if library == "turns-it-into-import-error":
                    raise ImportError("cannot initialise module strings") from None
        return argparse.ArgumentParser()

    monkeypatch.setattr(sp_sim.cli.parser, "build_parser", build_parser)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        load_parser()
    assert signal.getsignal(signal.SIGINT) is before  # Python's handler is back
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_finished_command_is_not_killed_by_a_late_ctrl_c() -> None:
    before = signal.getsignal(signal.SIGINT)
    try:
        ignore_late_interrupts()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
