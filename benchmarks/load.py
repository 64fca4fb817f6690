"""Load on the simulator: concurrent IdP-initiated POSTs to /us/login/saml of `sp-sim serve`
(a separate process on 127.0.0.1), each a distinct signed response. Prints throughput and
latency percentiles. Bounded: it sends --requests POSTs and stops.

    python3 dev.py bench load [--requests 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp

from sp_sim.idp.config import load_idp
from sp_sim.idp.tokens import issue_response
from sp_sim.serving import sp_sim_process


async def fire(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    works = 0
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal works
            while not queue.empty():
                body = queue.get_nowait()
                start = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    works += response.headers.get("X-Sp-Sim-Verdict") == "works"
                latencies.append(time.perf_counter() - start)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, works


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    idp = load_idp()
    now = datetime.now(UTC)
    print(f"minting {args.requests} signed responses…", flush=True)
    bodies = [
        urlencode(
            {"SAMLResponse": base64.b64encode(issue_response(idp, idp.apps[0], idp.users[0], now))}
        ).encode()
        for _ in range(args.requests)
    ]
    with sp_sim_process("serve", "--port", "0") as base:
        start = time.perf_counter()
        latencies, works = asyncio.run(fire(f"{base}/us/login/saml", bodies, args.concurrency))
        elapsed = time.perf_counter() - start
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"{len(latencies)} POSTs, concurrency {args.concurrency}, {elapsed:.2f} s")
    print(f"throughput {len(latencies) / elapsed:8.1f} responses/s")
    print(f"latency    p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   max {latencies[-1] * 1000:7.2f} ms")
    print(f"verdicts   {works} works, {len(latencies) - works} fails")


if __name__ == "__main__":
    main()
