"""Ctrl-C while `sp-sim` starts, through the installed console script: wherever the
interrupt lands — while Python loads sp-sim and its libraries (lxml, xmlsec, pydantic,
aiohttp), while a server builds its stack, once it serves — the output holds no traceback
and the status is the documented one (130 and `sp-sim: interrupted`; a server once serving
stops quietly, 0). dev.py, the README's way in, passes the command's status on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import sp_sim
from tests.helpers.commands import SP_SIM

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


def _interrupted_after(command: list[str], delay: float) -> tuple[int, str, str]:
    """Start `sp-sim COMMAND`, send SIGINT `delay` seconds later; (status, stdout, stderr)."""
    assert SP_SIM
    with subprocess.Popen(
        [SP_SIM, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def _finished_first(command: list[str], code: int, out: str, err: str) -> bool:
    """The command was done (check: judged) or serving (serve) before the signal came."""
    if command[0] == "check":
        return code == 0 and out.startswith("WOULD WORK") and err == ""
    return code == 0 and "Ctrl-C stops it." in out and err == ""


@pytest.mark.parametrize("delay", [0.08, 0.15, 0.3, 0.5])
@pytest.mark.parametrize("command", [SERVE, CHECK], ids=["serve", "check"])
def test_ctrl_c_while_sp_sim_loads_is_one_line_and_130(command: list[str], delay: float) -> None:
    code, out, err = _interrupted_after(command, delay)
    assert "Traceback" not in out + err, err
    assert (code, err) == (130, INTERRUPTED) or _finished_first(command, code, out, err), (
        code,
        out,
        err,
    )


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.02, 0.03, 0.05])
def test_ctrl_c_in_pythons_own_start_never_shows_sp_sims_code(delay: float) -> None:
    """The first few milliseconds are the interpreter's own start-up (its streams, site,
    the launcher script finding the package): an interrupt there is Python's to report and
    sp-sim cannot catch it. From the first line of sp-sim's code on, it is ours: no frame
    of the package may ever show in a traceback (before the lazy `sp_sim/__init__.py`,
    an interrupt 30 ms in showed sp_sim/__init__.py loading the core)."""
    code, out, err = _interrupted_after(SERVE, delay)
    assert OUR_FRAME not in err, err
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
            _wait_until_serving(base)
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


def _wait_until_serving(base: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/results", timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{base} never answered")
