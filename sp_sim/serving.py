"""Run an aiohttp application on a host and port (0: any free port) until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from aiohttp import web

from sp_sim.errors import ConfigError


async def serve(
    app: web.Application,
    host: str,
    port: int,
    announce: Callable[[str], None],
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Start `app`, call `announce` with its base URL, and run until cancelled."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        scheme = "https" if ssl_context else "http"
        announce(f"{scheme}://{shown}:{bound_port}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def run_until_interrupted(
    app: web.Application,
    host: str,
    port: int,
    announce: Callable[[str], None],
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Serve until Ctrl-C. Raises ConfigError when the address cannot be listened on."""
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(app, host, port, announce, ssl_context))
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None


@contextlib.contextmanager
def sp_sim_process(*args: str) -> Iterator[str]:
    """Run `sp-sim <args>` (serve or idp, with --port 0) in a child process; yield the base
    URL it announces; stop it on exit."""
    command = shutil.which("sp-sim", path=str(Path(sys.executable).parent)) or "sp-sim"
    with subprocess.Popen([command, *args], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            found = re.search(r" at (https?://\S+?)/?$", first.strip())
            if found is None:
                raise RuntimeError(f"sp-sim {' '.join(args)} did not start: {first!r}")
            yield found.group(1)
        finally:
            process.terminate()
