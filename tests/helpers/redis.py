"""A real redis-server on a free loopback port, for the scale-out tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sp_sim.serving import base_url_of, listen, running
from sp_sim.stack import StackConfig, build_stack, create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server process that a test may stop and start again on the same port."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = shutil.which("redis-server")
        assert command, "redis-server is missing: python3 dev.py test installs it"
        self.process = subprocess.Popen(
            [
                command,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@asynccontextmanager
async def two_instances(store_url: str) -> AsyncIterator[tuple[str, str]]:
    """Two simulators in this process on the Redis at `store_url`, each on its own free
    loopback port: their base URLs."""
    config = StackConfig(store=store_url)
    socks = [listen("127.0.0.1", 0), listen("127.0.0.1", 0)]
    apps = [create_app(build_stack(config, base_url_of(s))) for s in socks]
    async with running(apps[0], socks[0]), running(apps[1], socks[1]):
        yield base_url_of(socks[0]), base_url_of(socks[1])
