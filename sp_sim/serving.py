"""Run an aiohttp application on a host and port (0: any free port) until interrupted.

The socket is bound first (`listen`), so the base URL is known before the app is built and
nothing has to be told where it listens afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from aiohttp import web

from sp_sim.errors import ConfigError


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port` (0: a free port). Raises ConfigError when
    the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None
    sock.setblocking(False)
    return sock


def base_url_of(sock: socket.socket, *, tls: bool = False) -> str:
    """The URL a browser reaches the listening `sock` at: `http://127.0.0.1:8080`."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


@contextlib.asynccontextmanager
async def running(
    app: web.Application, sock: socket.socket, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[web.AppRunner]:
    """Serve `app` on `sock` (which it closes) while the block runs."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, ssl_context=ssl_context).start()
        yield runner
    finally:
        await runner.cleanup()
        sock.close()


async def serve(
    app: web.Application, sock: socket.socket, ssl_context: ssl.SSLContext | None = None
) -> None:
    """Serve `app` on `sock` until cancelled, or until SIGTERM or Ctrl-C: either way the app
    is cleaned up (its check workers stopped).

    Ctrl-C is taken by the loop itself, not by asyncio.run's task cancellation, so one that
    lands while the app starts up is not lost in a start-up step: it only sets `stop`, and
    the server stops as soon as it is up. A second Ctrl-C is Python's KeyboardInterrupt."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def interrupted() -> None:
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)  # the next Ctrl-C: KeyboardInterrupt

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, interrupted)
    _deliver_sigint()  # one held back by run_until_interrupted arrives now, at the loop
    async with running(app, sock, ssl_context):
        await stop.wait()


def _hold_sigint(hold: bool) -> None:
    """Hold Ctrl-C back (the kernel keeps it pending) or let it through, where POSIX can."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK, {signal.SIGINT})


def _deliver_sigint() -> None:
    if threading.current_thread() is threading.main_thread():
        _hold_sigint(False)


def run_until_interrupted(
    app: web.Application, sock: socket.socket, ssl_context: ssl.SSLContext | None = None
) -> None:
    """Serve `app` on the listening `sock` until Ctrl-C or SIGTERM.

    Ctrl-C is held back while asyncio builds its loop and until `serve` has given it to
    the loop: one landing in between would otherwise interrupt asyncio's own set-up (a
    coroutine never awaited, a loop never closed, warnings on stderr)."""
    _hold_sigint(True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(app, sock, ssl_context))
    finally:
        _hold_sigint(False)


@contextlib.contextmanager
def sp_sim_process(*args: str) -> Iterator[str]:
    """Run `sp-sim <args>` (serve or idp, with --port 0) in a child process; yield the base
    URL it announces; stop it on exit."""
    with sp_sim_child(*args) as (base, _):
        yield base


@contextlib.contextmanager
def sp_sim_child(*args: str) -> Iterator[tuple[str, int]]:
    """`sp_sim_process`, yielding the base URL and the child's process ID. On exit the child
    gets SIGTERM (it stops its check workers) and is waited for."""
    command = shutil.which("sp-sim", path=str(Path(sys.executable).parent)) or "sp-sim"
    with subprocess.Popen([command, *args], stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            found = re.search(r" at (https?://\S+?)/?$", first.strip())
            if found is None:
                raise RuntimeError(f"sp-sim {' '.join(args)} did not start: {first!r}")
            yield found.group(1), process.pid
        finally:
            process.terminate()
