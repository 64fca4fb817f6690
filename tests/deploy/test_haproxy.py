"""The compose topology without containers: a real redis-server, two real `sp-sim serve`
processes sharing it (one configured by flags, the other by SP_SIM_* variables) and a real
haproxy running deploy/haproxy.cfg in front, all on loopback. An AuthnRequest made at one
instance is answered at the other; a replay through the balancer is refused.

The fake IdP's account picker keeps its pending sign-in in the process that showed it, so
the flows name the user (`&user=`) and the IdP answers at once; a real Entra ID is not
behind the balancer."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from sp_sim.core.bindings import AutoPost, read_autopost
from sp_sim.flows import FlowDriver, browser_jar
from tests.helpers.redis import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
SP_SIM = str(Path(sys.executable).parent / "sp-sim")
SECRET = "one csrf secret for both instances"
USER = "b.simon@contoso.com"
TOKEN = re.compile(r'<input type=hidden name=csrf_token value="([^"]*)"')


@dataclass
class Topology:
    balancer: str
    a: str
    b: str


def _wait_healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become healthy at {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def topology(deploy_redis: RedisServer) -> Iterator[Topology]:
    haproxy = shutil.which("haproxy")
    assert haproxy, "haproxy is missing: python3 dev.py test installs it"
    lb_port, a_port, b_port = free_port(), free_port(), free_port()
    public = f"http://127.0.0.1:{lb_port}"
    common = ["--host", "127.0.0.1", "--workers", "0", "--trusted-proxy", "127.0.0.1"]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        a_flags = ["--port", str(a_port), "--store", deploy_redis.url, "--csrf-secret", SECRET]
        a = subprocess.Popen(
            [SP_SIM, "serve", *common, *a_flags, "--public-url", public],
            stdout=subprocess.DEVNULL,
        )
        processes.append(a)
        b_env = {
            **os.environ,
            "SP_SIM_PORT": str(b_port),
            "SP_SIM_STORE": deploy_redis.url,
            "SP_SIM_CSRF_SECRET": SECRET,
            "SP_SIM_PUBLIC_URL": public,
        }
        b = subprocess.Popen([SP_SIM, "serve", *common], env=b_env, stdout=subprocess.DEVNULL)
        processes.append(b)
        a_url, b_url = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
        _wait_healthy(a_url, a, "sp-sim A")
        _wait_healthy(b_url, b, "sp-sim B")
        lb_env = {
            **os.environ,
            "SP_SIM_LISTEN": f"127.0.0.1:{lb_port}",
            "SP_SIM_A": f"127.0.0.1:{a_port}",
            "SP_SIM_B": f"127.0.0.1:{b_port}",
        }
        lb = subprocess.Popen(
            [haproxy, "-db", "-f", str(HAPROXY_CFG)], env=lb_env, stdout=subprocess.DEVNULL
        )
        processes.append(lb)
        _wait_healthy(public, lb, "haproxy")
        yield Topology(public, a_url, b_url)
    finally:
        for process in reversed(processes):
            _stop(process)


def _served_by(response: aiohttp.ClientResponse) -> str:
    """The haproxy server name (a, b) that answered, or "" when not through the balancer."""
    return response.headers.get("X-Sp-Sim-Instance", "")


async def _idp_form(
    session: aiohttp.ClientSession, page_at: str, post_at: str, idp_at: str
) -> tuple[AutoPost, list[str]]:
    """Open the sign-in page at `page_at`, submit it at `post_at` (the AuthnRequest is made
    there), follow its redirect to the fake IdP at `idp_at`, naming the user so it answers at
    once: the IdP's auto-post form, and which instances answered through the balancer."""
    served: list[str] = []
    async with session.get(f"{page_at}/us/login") as page:
        served.append(_served_by(page))
        found = TOKEN.search(await page.text())
    assert found, "the sign-in page has no CSRF field"
    async with session.post(
        f"{post_at}/us/login",
        data={"email": USER, "csrf_token": html.unescape(found[1])},
        allow_redirects=False,
    ) as answer:
        served.append(_served_by(answer))
        assert answer.status == 302, await answer.text()
        location = URL(answer.headers["Location"], encoded=True)
    at = URL(idp_at).join(location.relative()).update_query(user=USER)
    async with session.get(at) as idp:
        served.append(_served_by(idp))
        text = await idp.text()
        form = read_autopost(text) if idp.status == 200 else None
    assert form is not None, text[-1500:]
    assert "SAMLResponse" in form.fields
    return form, served


async def _post_acs(url: str, fields: dict[str, str]) -> tuple[str, str, str]:
    """POST a response to the ACS at `url`: the instance, the verdict, the JSON text."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/us/login/saml", data=fields, headers={"Accept": "application/json"}
        ) as answer,
    ):
        assert answer.status == 200, await answer.text()
        return _served_by(answer), answer.headers["X-Sp-Sim-Verdict"], await answer.text()


async def test_a_request_made_at_a_is_answered_at_b(topology: Topology) -> None:
    # one browser: its cookies (the pre-login one too) go to A, B and the balancer alike
    jar = browser_jar(topology.a, topology.b, topology.balancer)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        # the page and the AuthnRequest at A; the fake IdP (the proxy's URL is in the
        # request's Destination) through the balancer; the response posted at B
        form, _ = await _idp_form(session, topology.a, topology.a, topology.balancer)
        driver = FlowDriver(topology.b, session=session)
        outcome = await driver.post_response(AutoPost(f"{topology.b}/us/login/saml", form.fields))
    assert outcome.works, outcome.codes()
    assert outcome.report is not None
    assert "subject.unknown-request" not in outcome.codes()
    # the same response again, now at A: a replay, refused
    _, verdict, text = await _post_acs(topology.a, form.fields)
    assert verdict == "fails"
    assert '"replay.replayed"' in text


async def test_a_sign_in_through_haproxy_and_its_replay(topology: Topology) -> None:
    async with FlowDriver(topology.balancer) as driver:
        lb = topology.balancer
        form, served = await _idp_form(driver.session, lb, lb, lb)
        assert set(served) == {"a", "b"}, served  # the form is loaded at one, posted at other
        assert form.action == f"{lb}/us/login/saml"
        made_at = served[1]
        # round robin: move on until the next request goes to the other instance
        for _ in range(4):
            async with driver.session.get(f"{lb}/healthz") as health:
                if _served_by(health) == made_at:
                    break
        outcome = await driver.post_response(form)
        headers = driver.recorder.exchanges[-1].response_headers
        answered_at = next(v for k, v in headers if k.lower() == "x-sp-sim-instance")
    assert outcome.works, outcome.codes()
    assert answered_at != made_at
    replays = [await _post_acs(lb, form.fields) for _ in range(2)]
    assert {instance for instance, _, _ in replays} == {"a", "b"}
    for _, verdict, text in replays:
        assert verdict == "fails"
        assert '"replay.replayed"' in text
