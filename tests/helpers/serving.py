"""`sp-sim serve` as a user runs it: the installed script in a subprocess on a free port,
its start-up banner read, stopped with Ctrl-C (SIGINT) when the test is done."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.helpers.commands import SP_SIM

LAST_BANNER_LINE = "Ctrl-C stops it."


@dataclass(frozen=True)
class Served:
    """A running `sp-sim serve`: where it listens and what its banner said."""

    base: str
    banner: str

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=10) as answer:
            return str(answer.read().decode())

    def post_json(self, path: str, document: object) -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


@contextmanager
def served(*args: str, **env: str) -> Iterator[Served]:
    """`sp-sim serve --port 0 ARGS` with extra environment variables, once its banner is out
    (the banner is printed after the socket is bound, so the server answers by then)."""
    assert SP_SIM, "the sp-sim console script is installed with the package"
    with subprocess.Popen(
        [SP_SIM, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            lines = []
            while (line := process.stdout.readline()) and line.strip() != LAST_BANNER_LINE:
                lines.append(line)
            assert line, f"sp-sim serve exited: {process.stderr.read()}"
            base = lines[0].strip().rsplit(" at ", 1)[1].rstrip("/")
            yield Served(base, "".join(lines))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        assert "Traceback" not in process.stderr.read()
