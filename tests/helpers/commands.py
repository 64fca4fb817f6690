"""Running the installed `sp-sim` script, as a user would, for the CLI-level tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SP_SIM = shutil.which("sp-sim", path=str(Path(sys.executable).parent))


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """`sp-sim ARGS` in a subprocess; no output of it may hold a traceback."""
    assert SP_SIM, "the sp-sim console script is installed with the package"
    result = subprocess.run(
        [SP_SIM, *args],
        input=stdin.decode("latin-1"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`sp-sim serve ARGS` with extra environment variables (for option errors: it exits)."""
    assert SP_SIM
    return subprocess.run(
        [SP_SIM, "serve", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=30,
        check=False,
    )


def wait_until_serving(base: str) -> None:
    """Wait (up to about 10 s) until the server at `base` answers."""
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/results", timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{base} never answered")
