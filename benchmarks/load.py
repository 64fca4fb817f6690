"""Load on the simulator: concurrent IdP-initiated POSTs to /us/login/saml of `sp-sim serve`
(a separate process on 127.0.0.1, started once per --workers value), each a distinct signed
response, with a share of hostile posts (malformed, tampered, replayed) when --hostile says.
Prints throughput, latency percentiles, and where the CPU went: the server's event loop, its
check workers, this client, and each core of the machine. Bounded: --requests POSTs per
server, after a warm-up of --warmup.

    python3 dev.py bench load [--requests 5000] [--concurrency 64] [--hostile 0.3]
                              [--workers 0,2] [--repeat 1] [--instances 2]

With --instances N (N > 1) a real redis-server is started on a free loopback port and N
`sp-sim serve --store redis://…` processes share it; the client spreads its posts over
them round robin (what a balancer without stickiness does, without a balancer's own cost),
so a replay posted at one instance of a response accepted at another must be refused.

The client runs on the same cores as the server; its CPU is printed beside the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from sp_sim.idp.config import load_idp
from sp_sim.idp.tokens import issue_response
from sp_sim.serving import sp_sim_child

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' redis-server
from tests.helpers.redis import RedisServer, free_port

TICKS = os.sysconf("SC_CLK_TCK")
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


@dataclass(frozen=True)
class Post:
    body: bytes
    kind: str
    """good, malformed, tampered or replayed"""


def mint(count: int, hostile: float, concurrency: int, seed: int = 12) -> list[Post]:
    """`count` posts: distinct signed responses, `hostile` of them replaced by a malformed
    form, a tampered response (the user changed after signing) or a replay of a response
    posted well before (so that it was accepted first)."""
    idp = load_idp()
    app, user, now = idp.apps[0], idp.users[0], datetime.now(UTC)
    chooser = random.Random(seed)
    posts: list[Post] = []
    for index in range(count):
        xml = issue_response(idp, app, user, now)
        kind = "good"
        if chooser.random() < hostile:
            kind = chooser.choice(["malformed", "tampered", "replayed"])
        if kind == "replayed" and index < 4 * concurrency:
            kind = "tampered"  # nothing old enough to replay yet
        if kind == "malformed":
            posts.append(Post(chooser.choice(MALFORMED), kind))
            continue
        if kind == "replayed":
            earlier = [p for p in posts[: index - 2 * concurrency] if p.kind == "good"]
            posts.append(Post(chooser.choice(earlier).body, kind))
            continue
        if kind == "tampered":
            xml = xml.replace(b"B.Simon@", b"X.Simon@", 1)
        posts.append(Post(urlencode({"SAMLResponse": base64.b64encode(xml)}).encode(), kind))
    return posts


MALFORMED = [
    b"SAMLResponse=%%%not-base64%%%",
    b"SAMLResponse=" + base64.b64encode(b"<not-saml/>"),
    b"SAMLResponse=" + base64.b64encode(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>"),
    b"RelayState=only",
    b"SAMLResponse=" + base64.b64encode(b"\x00\xff" * 300),
]


ACCEPTED_TWICE = "one assertion accepted twice (must be 0)"


async def fire(
    urls: list[str], posts: list[Post], concurrency: int
) -> tuple[list[float], Counter[str]]:
    """POST every body with `concurrency` connections, the n-th to `urls[n % len(urls)]`;
    the latencies and (kind, verdict)."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter({ACCEPTED_TWICE: 0})
    accepted: set[bytes] = set()
    queue: asyncio.Queue[tuple[str, Post]] = asyncio.Queue()
    for index, post in enumerate(posts):
        queue.put_nowait((urls[index % len(urls)], post))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                url, post = queue.get_nowait()
                start = time.perf_counter()
                async with session.post(url, data=post.body, headers=HEADERS) as response:
                    await response.read()
                    verdict = response.headers.get("X-Sp-Sim-Verdict", str(response.status))
                latencies.append(time.perf_counter() - start)
                outcomes[f"{post.kind} {verdict}"] += 1
                if verdict == "works":
                    outcomes[ACCEPTED_TWICE] += post.body in accepted
                    accepted.add(post.body)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, outcomes


def process_tree(root: int) -> dict[int, tuple[str, float]]:
    """`root` and its descendants: pid → (name, CPU seconds so far)."""
    parents: dict[int, int] = {}
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        fields = rest.split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        found[pid] = (name, (int(fields[11]) + int(fields[12])) / TICKS)
    tree = {root}
    for _ in range(4):  # server → forkserver → workers
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    return {pid: found[pid] for pid in tree if pid in found}


def cores() -> list[tuple[float, float]]:
    """Per core: (busy, total) jiffies from /proc/stat."""
    rows: list[tuple[float, float]] = []
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3].isdigit():
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]
            rows.append((sum(values) - idle, sum(values)))
    return rows


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Run:
    workers: int
    instances: int
    elapsed: float
    latencies: list[float]
    outcomes: Counter[str]
    server: float
    loop: float
    client: float
    core_busy: list[float]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


def trees(pids: list[int]) -> dict[int, tuple[str, float]]:
    """`process_tree` of every pid, merged."""
    return {p: v for pid in pids for p, v in process_tree(pid).items()}


def measure(
    workers: int,
    posts: list[Post],
    warmup: list[Post],
    concurrency: int,
    instances: int,
) -> Run:
    """One run at `--workers workers`: one instance with its memory store, or (2 or more
    `instances`) that many sharing a redis-server started for this run alone, so that no
    run sees the assertions an earlier one used (the posts are the same in every run)."""
    with contextlib.ExitStack() as stack:
        extra: list[str] = []
        if instances > 1:
            extra = ["--store", stack.enter_context(redis_server())]
        started = [
            stack.enter_context(
                sp_sim_child("serve", "--port", "0", "--workers", str(workers), *extra)
            )
            for _ in range(instances)
        ]
        urls = [f"{base}/us/login/saml" for base, _ in started]
        pids = [pid for _, pid in started]
        asyncio.run(fire(urls, warmup, concurrency))
        before, cores_before, client_before = trees(pids), cores(), client_cpu()
        start = time.perf_counter()
        latencies, outcomes = asyncio.run(fire(urls, posts, concurrency))
        elapsed = time.perf_counter() - start
        after, cores_after, client_after = trees(pids), cores(), client_cpu()
    spent = {p: cpu - before.get(p, ("", 0.0))[1] for p, (_, cpu) in after.items()}
    busy = [
        (b1 - b0) / max(1, t1 - t0)
        for (b0, t0), (b1, t1) in zip(cores_before, cores_after, strict=True)
    ]
    return Run(
        workers,
        instances,
        elapsed,
        latencies,
        outcomes,
        sum(spent.values()),
        sum(spent.get(pid, 0.0) for pid in pids),
        client_after - client_before,
        busy,
    )


def show(run: Run) -> None:
    per = len(run.latencies)
    print(
        f"{_label(run.workers, run.instances)}: {per} POSTs in {run.elapsed:.2f} s = "
        f"{run.rps:7.1f}/s   "
        f"p50 {run.percentile(0.5):6.1f} ms  p99 {run.percentile(0.99):6.1f} ms  "
        f"max {max(run.latencies) * 1000:6.1f} ms"
    )
    print(
        f"    CPU (in cores): server {run.server / run.elapsed:.2f} (event loops "
        f"{run.loop / run.elapsed:.2f}, workers {(run.server - run.loop) / run.elapsed:.2f}), "
        f"client {run.client / run.elapsed:.2f}; per request: server "
        f"{run.server / per * 1e6:.0f} µs, client {run.client / per * 1e6:.0f} µs"
    )
    print(f"    machine cores busy: {', '.join(f'{b:.0%}' for b in run.core_busy)}")
    print(f"    outcomes: {dict(sorted(run.outcomes.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--hostile", type=float, default=0.0, help="share of hostile posts")
    parser.add_argument("--workers", default=f"0,{os.cpu_count() or 1}", help="e.g. 0,2")
    parser.add_argument("--warmup", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=1, help="runs per --workers value")
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="with 2 or more, that many instances on one real redis-server (started here)",
    )
    args = parser.parse_args()
    instances = max(1, args.instances)
    settings = [int(w) for w in args.workers.split(",")]
    print(f"minting {args.requests + args.warmup} signed responses…", flush=True)
    posts = mint(args.requests, args.hostile, args.concurrency)
    warmup = mint(args.warmup, 0.0, args.concurrency, seed=7)
    runs: dict[int, list[Run]] = {w: [] for w in settings}
    for _ in range(args.repeat):
        for workers in settings:  # interleaved, so a busy spell hits every setting
            run = measure(workers, posts, warmup, args.concurrency, instances)
            runs[workers].append(run)
            show(run)
    summarise(runs, instances)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A real redis-server on a free loopback port (the tests' one), empty: its URL."""
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder), free_port())
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


def _label(workers: int, instances: int) -> str:
    where = f" × {instances} instances on Redis" if instances > 1 else ""
    return f"--workers {workers}{where}"


def summarise(runs: dict[int, list[Run]], instances: int) -> None:
    print("\nmedian (min–max) of the runs:")
    medians = {}
    for workers, done in runs.items():
        rates = [r.rps for r in done]
        p99s = [r.percentile(0.99) for r in done]
        medians[workers] = statistics.median(rates)
        print(
            f"  {_label(workers, instances)}: {medians[workers]:7.1f}/s "
            f"({min(rates):.0f}–{max(rates):.0f})"
            f"   p99 {statistics.median(p99s):6.1f} ms ({min(p99s):.0f}–{max(p99s):.0f})"
        )
    first = next(iter(medians))
    for workers, rate in medians.items():
        if workers != first:
            print(f"  ratio --workers {workers} / --workers {first}: {rate / medians[first]:.2f}×")


if __name__ == "__main__":
    main()
