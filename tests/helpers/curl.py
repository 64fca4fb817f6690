"""curl (a non-Python client) in a subprocess, for the JSON API tests: run without blocking
the event loop of the simulator the test serves."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

CURL = shutil.which("curl")


async def curl(*args: str) -> tuple[int, dict[str, Any]]:
    """`curl ARGS`: (HTTP status, JSON body)."""
    assert CURL is not None, "python3 dev.py test installs Debian's curl"
    process = await asyncio.create_subprocess_exec(
        CURL, "-sS", "-w", "\n%{http_code}", *args, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out
    body, _, status = out.decode().rpartition("\n")
    return int(status), json.loads(body)


async def curl_status(*args: str) -> int:
    """`curl ARGS`: only the HTTP status, the body discarded (it need not be JSON)."""
    assert CURL is not None, "python3 dev.py test installs Debian's curl"
    process = await asyncio.create_subprocess_exec(
        CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", *args, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    return int(out)
