"""Checks in worker processes, so that a server uses every core (`--workers N`).

`judge_message` is pure, so it runs as well in another process as in a thread; the GIL
then no longer serialises the checks. What crosses the process boundary is kept small:

- the tenant is pickled once (per tenant: an Import or a reset makes a new one) and sent to
  each worker once, when the pool starts or the first time a worker meets a newer one;
- per call, the body, the URLs, the region, the instant, and the snapshot's request and
  assertion IDs as a `Probe`: only the IDs the check asked about in an earlier round (none
  at first) and the store's size. The worker returns which IDs the check asked about; when
  the snapshot would have answered one differently, the check runs again with those
  answers. A replayed assertion therefore costs two rounds, a fresh one one round, and the
  result is exactly `judge_message(body, snapshot)` (the equality is tested);
- back come the report (and its JSON, rendered there), the name of the profile judged with
  (the settings are rebuilt from it on the loop: they hold parsed keys that do not pickle)
  and the RelayState.

The replay and request decision stays on the event loop, after the check, as before. A
worker that dies (killed, out of memory) fails the requests it was serving with HTTP 503,
and the pool is rebuilt for the next one. `workers=0` keeps checking in a thread.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import pickle
import select
import threading
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from aiohttp import web

from sp_sim.core.model import Report
from sp_sim.server import pages
from sp_sim.server.acs import (
    CHECK_POOL,
    Judged,
    Snapshot,
    judge_message,
    nested_report_json,
    settings_with,
)
from sp_sim.tenant import Tenant

MAX_WORKERS = 64
COMPLETE_UP_TO = 16
"""A snapshot set this small is sent whole: cheaper than a second round."""
MAX_ROUNDS = 4


def check_workers(workers: int) -> int:
    """`workers` when it is a pool size sp-sim accepts (0: check in a thread); else ValueError."""
    if not 0 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be 0 (check in a thread) to {MAX_WORKERS}, not {workers}")
    return workers


class Probe:
    """A snapshot set as a worker sees it: `members` are the IDs known to be in it (all of
    them when `complete`), `size` its length. Every membership test and iteration is noted,
    so that the loop can tell whether the answers the check got were the snapshot's."""

    def __init__(self, members: frozenset[str], size: int, complete: bool) -> None:
        self.members, self.size, self.complete = members, size, complete
        self.asked: set[str] = set()
        self.iterated = False

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return key in self.members

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[str]:
        self.iterated = True
        return iter(self.members)


def probe(taken: Collection[str], asked: frozenset[str], complete: bool) -> Probe:
    """The snapshot set `taken` as a Probe: whole when asked or small, else only `asked`."""
    if complete or len(taken) <= COMPLETE_UP_TO:
        return Probe(frozenset(taken), len(taken), True)
    return Probe(frozenset(k for k in asked if k in taken), len(taken), False)


def answered_as(found: Probe, taken: Collection[str], asked: frozenset[str]) -> bool:
    """Whether the snapshot `taken` answers what the check asked as `found` did."""
    if found.iterated and not found.complete:
        return False
    return all((key in taken) == (key in found.members) for key in asked)


_SENT_APART = frozenset({"tenant", "outstanding_requests", "seen_assertion_ids"})


@dataclass(frozen=True)
class Call:
    """One check, as sent to a worker: the snapshot's small fields in `rest`."""

    body: bytes
    tenant_key: int
    rest: dict[str, Any]
    outstanding: Probe
    seen: Probe
    tenant: bytes | None = None
    """The pickled tenant, when the worker may not have it yet."""

    @classmethod
    def of(cls, body: bytes, key: int, taken: Snapshot, outstanding: Probe, seen: Probe) -> Call:
        rest = {f.name: getattr(taken, f.name) for f in fields(taken) if f.name not in _SENT_APART}
        return cls(body, key, rest, outstanding, seen)


@dataclass(frozen=True)
class Checked:
    """A worker's answer: the report, the profile judged with, and what the check asked."""

    report: Report
    report_json: str
    profile: str | None
    relay_state: str | None
    asked_outstanding: frozenset[str]
    iterated_outstanding: bool
    asked_seen: frozenset[str]


_worker_tenant: tuple[int, Tenant] | None = None


def _start_worker(server: int, key: int, tenant: bytes) -> None:
    """A worker's start: the tenant, and a watch on the server process."""
    threading.Thread(target=_exit_with, args=(server,), daemon=True).start()
    _use_tenant(key, tenant)


def _use_tenant(key: int, tenant: bytes) -> None:
    global _worker_tenant  # noqa: PLW0603 (one per worker process, set by the pool)
    _worker_tenant = (key, pickle.loads(tenant))


def _exit_with(server: int) -> None:
    """End this worker when the server process ends, however it ends: the pool's queues
    do not tell a worker (each holds both ends), so a killed server would leave it behind."""
    try:
        select.select([os.pidfd_open(server)], [], [])  # Linux: readable once it ends
    except (AttributeError, OSError):  # elsewhere (or already gone): ask once a second
        while _alive(server):
            time.sleep(1)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check(call: Call) -> Checked | None:
    """Run in a worker: the check, or None when the worker lacks the call's tenant."""
    if call.tenant is not None:
        _use_tenant(call.tenant_key, call.tenant)
    if _worker_tenant is None or _worker_tenant[0] != call.tenant_key:
        return None
    taken = Snapshot(
        tenant=_worker_tenant[1],
        outstanding_requests=call.outstanding,
        seen_assertion_ids=call.seen,
        **call.rest,
    )
    judged = judge_message(call.body, taken)
    profile = judged.settings.profile
    return Checked(
        judged.report,
        nested_report_json(judged.report),
        profile.name if profile is not None else None,
        judged.relay_state,
        frozenset(call.outstanding.asked),
        call.outstanding.iterated,
        frozenset(call.seen.asked),
    )


def _rebuild(cls: type[Any], state: dict[str, Any]) -> Any:
    made = object.__new__(cls)
    made.__dict__.update(state)
    return made


class _TenantPickler(pickle.Pickler):
    """Pickles dataclasses by their fields alone: a `cached_property` (a parsed
    certificate, a key, an index) stays behind and is rebuilt in the worker when needed."""

    def reducer_override(self, obj: Any) -> Any:
        if is_dataclass(obj) and not isinstance(obj, type) and hasattr(obj, "__dict__"):
            extra = obj.__dict__.keys() - {f.name for f in fields(obj)}
            if extra:
                state = {f.name: getattr(obj, f.name) for f in fields(obj)}
                return _rebuild, (type(obj), state)
        return NotImplemented


def pickle_tenant(tenant: Tenant) -> bytes:
    """The tenant as bytes a worker can load, without the caches built in this process."""
    buffer = io.BytesIO()
    _TenantPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(tenant)
    return buffer.getvalue()


def worker_lost() -> web.HTTPServiceUnavailable:
    """HTTP 503 for a request whose check died with its worker process."""
    text = (
        "sp-sim could not check this response: the worker process checking it stopped "
        "(killed, or out of memory). Nothing was accepted or recorded; the workers have been "
        "restarted, so posting it again can work."
    )
    return web.HTTPServiceUnavailable(
        text=pages.message_page("Checking stopped", text),
        content_type="text/html",
        headers={"Retry-After": "1"},
    )


@dataclass
class CheckPool:
    """Worker processes that run `judge_message`; started and stopped with the app."""

    workers: int
    _executor: ProcessPoolExecutor | None = field(default=None, init=False)
    _tenant: Tenant | None = field(default=None, init=False)
    _tenant_key: int = field(default=0, init=False)
    _tenant_bytes: bytes = field(default=b"", init=False)

    def start(self, tenant: Tenant) -> None:
        self._use(tenant)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(), self._tenant_key, self._tenant_bytes),
        )

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def pids(self) -> list[int]:
        """The worker processes' IDs (for the load benchmark and tests)."""
        executor = self._executor
        return list(executor._processes) if executor is not None else []  # no public view

    def _use(self, tenant: Tenant) -> None:
        if tenant is not self._tenant:
            self._tenant, self._tenant_key = tenant, self._tenant_key + 1
            self._tenant_bytes = pickle_tenant(tenant)

    async def judge(self, body: bytes, taken: Snapshot) -> Judged:
        """`judge_message(body, taken)`, in a worker process. Raises HTTP 503 when the
        worker dies."""
        self._use(taken.tenant)
        # Fixed for the rounds below, which compare the worker's answers with it: the
        # memory store's live views are copied here (a thread reads them as they are).
        taken = replace(
            taken,
            outstanding_requests=frozenset(taken.outstanding_requests),
            seen_assertion_ids=frozenset(taken.seen_assertion_ids),
        )
        asked_out: frozenset[str] = frozenset()
        asked_seen: frozenset[str] = frozenset()
        for round_ in range(MAX_ROUNDS):
            last = round_ == MAX_ROUNDS - 1
            outstanding = probe(taken.outstanding_requests, asked_out, last)
            seen = probe(taken.seen_assertion_ids, asked_seen, last)
            call = Call.of(body, self._tenant_key, taken, outstanding, seen)
            checked = await self._run(call)
            outstanding.iterated = checked.iterated_outstanding
            if answered_as(outstanding, taken.outstanding_requests, checked.asked_outstanding) and (
                answered_as(seen, taken.seen_assertion_ids, checked.asked_seen)
            ):
                return self._judged(checked, taken)
            asked_out |= checked.asked_outstanding
            asked_seen |= checked.asked_seen
        raise AssertionError("a check with the whole snapshot answers as the snapshot")

    async def _run(self, call: Call) -> Checked:
        checked = await self._submit(call)
        if checked is None:  # this worker has not met the tenant yet
            sent = replace(call, tenant=self._tenant_bytes)
            checked = await self._submit(sent)
        assert checked is not None, "a worker given the tenant uses it"
        return checked

    async def _submit(self, call: Call) -> Checked | None:
        executor = self._executor
        if executor is None:
            raise RuntimeError("the check pool is not running")
        try:
            return await asyncio.wrap_future(executor.submit(_check, call))
        except BrokenProcessPool:
            if self._executor is executor:  # the first to notice restarts the workers
                executor.shutdown(wait=False, cancel_futures=True)
                assert self._tenant is not None
                self.start(self._tenant)
            raise worker_lost() from None

    def _judged(self, checked: Checked, taken: Snapshot) -> Judged:
        settings = settings_with(taken, checked.profile)
        return Judged(checked.report, settings, checked.relay_state, checked.report_json)


def install(app: web.Application, workers: int, tenant: Callable[[], Tenant]) -> None:
    """Check in `workers` processes (0: in a thread) while `app` runs; `tenant` gives the
    tenant the workers start with."""
    if workers == 0:
        return
    pool = CheckPool(check_workers(workers))
    app[CHECK_POOL] = pool

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        pool.start(tenant())
        try:
            yield
        finally:
            pool.stop()

    app.cleanup_ctx.append(lifecycle)
