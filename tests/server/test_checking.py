"""Checks in worker processes (`sp_sim.server.checking`): the pool judges exactly as the
thread does, a worker that dies costs its request a 503 and nothing else, and `--workers`
takes 0 to 64."""

from __future__ import annotations

import base64
import os
import pickle
import signal
import threading
import time
from dataclasses import replace
from urllib.parse import urlencode

import pytest

from sp_sim.cli.parser import build_parser
from sp_sim.idp.tokens import issue_response
from sp_sim.server import acs
from sp_sim.server.checking import COMPLETE_UP_TO, CheckPool, check_workers, pickle_tenant
from sp_sim.server.state import Attempt, ServerOptions, Via
from sp_sim.tenant import load_tenant
from tests.helpers import NOW
from tests.helpers.server import DEMO_TENANT, Running, Start

POOLED = ServerOptions(workers=2)
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
MANY = frozenset(f"_{n:032x}" for n in range(COMPLETE_UP_TO * 3))


async def signed_body(running: Running, **extra: str) -> bytes:
    form = await running.idp_form()
    return urlencode({**form.fields, **extra}).encode()


def pool_of(running: Running) -> CheckPool:
    pool = running.app[acs.CHECK_POOL]
    assert isinstance(pool, CheckPool)
    return pool


async def test_the_pool_judges_as_the_thread_does(sp_start: Start) -> None:
    running = await sp_start(options=POOLED)
    body = await signed_body(running, RelayState="relay-1")
    taken = acs.snapshot(running.state, "us")
    fresh = replace(taken, seen_assertion_ids=MANY)
    in_thread = acs.judge_message(body, fresh)
    assert in_thread.report.works
    assert in_thread.report.assertion_id is not None
    replayed = replace(fresh, seen_assertion_ids=MANY | {in_thread.report.assertion_id})
    unsolicited = replace(fresh, outstanding_requests=MANY)
    for snapshot in (taken, fresh, replayed, unsolicited):
        pooled = await pool_of(running).judge(body, snapshot)
        assert pooled == acs.judge_message(body, snapshot)
    assert "replay.replayed" in (await pool_of(running).judge(body, replayed)).report.codes()


async def test_the_json_rendered_in_a_worker_is_the_json_of_the_report(sp_start: Start) -> None:
    running = await sp_start(options=POOLED)
    pooled = await pool_of(running).judge(
        await signed_body(running), acs.snapshot(running.state, "us")
    )
    attempt = Attempt("0123456789ab", NOW, "us", Via.PREFIX, pooled.report, None)
    assert pooled.report_json is not None
    assert acs._attempt_json(attempt, pooled.report_json) == acs._attempt_json(attempt)


@pytest.mark.parametrize(
    "body",
    [b"", b"SAMLResponse=%%%", b"SAMLResponse=PG5vdC1zYW1sLz4=", b"RelayState=x"],
    ids=["empty", "not-base64", "not-saml", "no-response"],
)
async def test_the_pool_judges_hostile_bodies_as_the_thread_does(
    sp_start: Start, body: bytes
) -> None:
    running = await sp_start(options=POOLED)
    taken = acs.snapshot(running.state, "us")
    assert await pool_of(running).judge(body, taken) == acs.judge_message(body, taken)


async def test_over_loopback_a_pooled_server_accepts_once_and_refuses_the_replay(
    sp_start: Start,
) -> None:
    running = await sp_start(options=POOLED)
    body = await signed_body(running)
    verdicts, codes = [], []
    for _ in range(2):
        async with running.flows.session.post(
            f"{running.base}/us/login/saml", data=body, headers=FORM
        ) as response:
            assert response.status == 200
            verdicts.append(response.headers["X-Sp-Sim-Verdict"])
            document = await response.json()
            codes.append({f["code"] for f in document["report"]["findings"]})
    assert verdicts == ["works", "fails"]
    assert "replay.replayed" in codes[1]
    assert len(running.state.errors) == 0


@pytest.mark.parametrize("outstanding", [frozenset({"_sent"}), MANY, MANY | {"_sent"}])
async def test_the_pool_judges_an_answer_to_a_request_as_the_thread_does(
    sp_start: Start, outstanding: frozenset[str]
) -> None:
    running = await sp_start(options=POOLED)
    idp = running.idp
    xml = issue_response(idp, idp.apps[0], idp.users[0], NOW, in_response_to="_sent")
    body = urlencode({"SAMLResponse": base64.b64encode(xml)}).encode()
    taken = replace(acs.snapshot(running.state, "us"), outstanding_requests=outstanding)
    pooled = await pool_of(running).judge(body, taken)
    assert pooled == acs.judge_message(body, taken)
    assert ("subject.unknown-request" in pooled.report.codes()) is ("_sent" not in outstanding)


async def test_a_new_tenant_reaches_the_workers(sp_start: Start) -> None:
    running = await sp_start(options=POOLED)
    body = await signed_body(running)
    taken = acs.snapshot(running.state, "us")
    await pool_of(running).judge(body, taken)
    moved = replace(taken.tenant, clock_skew=taken.tenant.clock_skew * 2)
    other = replace(taken, tenant=moved)
    assert await pool_of(running).judge(body, other) == acs.judge_message(body, other)


def _wait_gone(pid: int) -> None:
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)  # waiting for the kill to land, not timing the code
    raise AssertionError(f"worker {pid} still runs")


async def test_a_killed_worker_costs_its_request_a_503_and_the_pool_is_rebuilt(
    sp_start: Start,
) -> None:
    running = await sp_start(options=ServerOptions(workers=1))
    url = f"{running.base}/us/login/saml"
    async with running.flows.session.post(url, data=await signed_body(running)) as first:
        assert first.headers["X-Sp-Sim-Verdict"] == "works"
    (worker,) = pool_of(running).pids
    os.kill(worker, signal.SIGKILL)
    _wait_gone(worker)
    body = await signed_body(running)
    async with running.flows.session.post(url, data=body) as lost:
        assert lost.status == 503
        assert "Checking stopped" in await lost.text()
        assert "X-Sp-Sim-Verdict" not in lost.headers
    async with running.flows.session.post(url, data=body) as again:
        assert again.status == 200
        assert again.headers["X-Sp-Sim-Verdict"] == "works"  # nothing was recorded
    assert pool_of(running).pids != [worker]
    assert len(running.state.errors) == 0


async def test_the_pool_stops_with_the_app(sp_start: Start) -> None:
    running = await sp_start(options=POOLED)
    await pool_of(running).judge(b"", acs.snapshot(running.state, "us"))
    assert pool_of(running).pids
    await running.app.cleanup()  # what the runner's cleanup does
    assert pool_of(running).pids == []


def test_the_tenant_pickles_without_what_this_process_cached() -> None:
    tenant = load_tenant(DEMO_TENANT)
    for certificate in tenant.profile().certificates:
        assert certificate.subject  # parses it: a cached x509 object, which cannot pickle
    with pytest.raises(TypeError):
        pickle.dumps(tenant)
    loaded = pickle.loads(pickle_tenant(tenant))
    assert loaded == tenant
    assert [c.subject for c in loaded.profile().certificates] == [
        c.subject for c in tenant.profile().certificates
    ]


@pytest.mark.parametrize("value", ["-1", "65", "two", ""])
def test_workers_outside_0_to_64_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--workers", value])
    assert exited.value.code == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.parametrize("value", [0, 1, 64])
def test_workers_from_0_to_64_are_taken(value: int) -> None:
    assert build_parser().parse_args(["serve", "--workers", str(value)]).workers == value
    assert check_workers(value) == value


def test_serve_checks_in_a_thread_unless_asked_for_workers() -> None:
    # measured slower than the thread on a busy 2-core machine (README, Benchmarks): opt-in
    assert build_parser().parse_args(["serve"]).workers == 0
    assert build_parser().parse_args(["serve", "--workers", "2"]).workers == 2


async def test_a_usual_message_is_checked_on_the_loop_a_large_one_in_a_thread(
    sp_start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to `acs.INLINE_UP_TO` bytes on the event loop (a thread only added GIL hand-offs);
    above it in a worker thread, so one large message does not hold the loop. Both judged
    alike, and each accepted once."""
    running = await sp_start()
    on_loop: list[bool] = []
    judge_message = acs.judge_message

    def noting_the_thread(body: bytes, taken: acs.Snapshot) -> acs.Judged:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return judge_message(body, taken)

    monkeypatch.setattr(acs, "judge_message", noting_the_thread)
    usual = await signed_body(running)
    large = await signed_body(running, padding="x" * acs.INLINE_UP_TO)
    assert len(usual) <= acs.INLINE_UP_TO < len(large)
    for body in (usual, large):
        async with running.flows.session.post(
            f"{running.base}/us/login/saml", data=body, headers=FORM
        ) as response:
            assert response.headers["X-Sp-Sim-Verdict"] == "works", await response.text()
    assert on_loop == [True, False]
