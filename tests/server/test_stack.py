"""One assembly for `sp-sim serve`, the harness and the tests (`sp_sim.stack`): the same
options give the same entity ID and ACS everywhere, the demo wiring is an explicit choice,
and the settings the ACS judges with are `Tenant.check_settings` built from the stack's URLs,
never patched afterwards."""

from __future__ import annotations

import socket
from dataclasses import replace
from urllib.parse import urlencode

import aiohttp
import pytest
from lxml import etree

from sp_sim.cli import build_parser
from sp_sim.cli.servers import serve_config
from sp_sim.core.mimecast import REGIONS
from sp_sim.core.xml import METADATA, qname
from sp_sim.errors import ConfigError
from sp_sim.harness import Harness, HarnessSettings
from sp_sim.idp.config import load_idp
from sp_sim.server import acs, urls
from sp_sim.server.state import ServerOptions, Via
from sp_sim.serving import listen, sp_sim_process
from sp_sim.stack import DEMO_TENANT, StackConfig, build_stack
from sp_sim.tenant import load_tenant
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
SP_METADATA = "/us/sso/CUSA1A1"


def _sp_metadata(base: str) -> tuple[str, str]:
    """The entity ID and ACS a running server's SP metadata names, read over HTTP."""
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as connection:
        connection.sendall(f"GET {SP_METADATA} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    root = etree.fromstring(answer.partition(b"\r\n\r\n")[2])
    acs_location = root.find(f".//{qname(METADATA, 'AssertionConsumerService')}")
    assert acs_location is not None
    return root.get("entityID", ""), acs_location.get("Location", "")


@pytest.mark.parametrize("local", [False, True])
def test_serve_and_the_harness_answer_to_the_same_urls(local: bool) -> None:
    flags = ["--local-urls"] if local else []
    with sp_sim_process("serve", "--port", "0", *flags) as served:
        from_serve = _sp_metadata(served)
    with Harness(HarnessSettings(local_urls=local)) as harness:
        from_harness = _sp_metadata(harness.base_url)
        stack_urls = harness.stack.urls
        app = harness.idp.apps[0]
        base = harness.base_url
    assert from_harness == (stack_urls.entity_id, stack_urls.acs_url)
    assert app.identifiers == (stack_urls.entity_id,)
    assert app.reply_urls == (stack_urls.acs_url,)
    # Only the port differs between two local servers; Mimecast's own URLs not even that.
    assert [u.replace(served, "<base>") for u in from_serve] == [
        u.replace(base, "<base>") for u in from_harness
    ]
    expected = "<base>/us/sso/CUSA1A1" if local else "https://us-api.mimecast.com/sso/CUSA1A1"
    assert from_serve[0].replace(served, "<base>") == expected


def test_serve_wires_a_tenant_and_keeps_it_as_written_with_external_idp() -> None:
    demo = serve_config(build_parser().parse_args(["serve"]))
    own = serve_config(
        build_parser().parse_args(["serve", "--config", str(DEMO_TENANT), "--external-idp"])
    )
    assert demo.wire_idp
    assert serve_config(build_parser().parse_args(["serve", "--config", "x.toml"])).wire_idp
    assert not own.wire_idp
    base = "http://127.0.0.1:1"
    wired = build_stack(demo, base)
    assert wired.idp is not None
    assert wired.tenant.profile().issuer_url == wired.idp.issuer
    assert wired.tenant.profile().login_url == f"{base}/idp/{wired.idp.tenant_id}/saml2"
    assert wired.idp.apps[0].logout_url == wired.urls.slo_url
    kept = build_stack(own, base)
    assert kept.tenant == load_tenant(DEMO_TENANT)
    assert kept.idp == load_idp()


def test_the_urls_come_from_one_function() -> None:
    tenant = load_tenant(DEMO_TENANT)
    local = build_stack(StackConfig(local_urls=True, region="eu", account="CUK1"), "http://h:1/")
    assert local.urls == urls.account_urls(local.tenant.account, "http://h:1", local=True)
    assert local.urls.entity_id == "http://h:1/eu/sso/CUK1"
    assert local.urls.slo_url == "http://h:1/eu/login/saml/logout"
    assert build_stack(StackConfig(), "http://h:1").urls == tenant.account.urls
    settings = tenant.check_settings(urls=local.urls)
    assert (settings.entity_id, settings.acs_url) == (local.urls.entity_id, local.urls.acs_url)
    assert tenant.check_settings().entity_id == "https://us-api.mimecast.com/sso/CUSA1A1"


def test_a_port_in_use_is_a_config_error() -> None:
    with listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match="cannot listen"):
            listen("127.0.0.1", port)


async def _post_json(running: Running, fields: dict[str, str]) -> dict[str, object]:
    async with running.flows.session.post(
        f"{running.base}/us/login/saml",
        data=urlencode(fields),
        headers={
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    ) as response:
        assert response.status == 200
        document: dict[str, object] = await response.json()
        return document


async def test_the_acs_judges_with_check_settings_from_the_stacks_urls(sp_start: Start) -> None:
    demo = load_tenant(DEMO_TENANT)
    second = replace(demo.profile(), name="Second")
    directory = replace(
        demo.directory,
        addresses=tuple(
            replace(a, profile="Second") if a.email == USER else a for a in demo.directory.addresses
        ),
    )
    tenant = replace(demo, profiles=(demo.profile(), second), directory=directory)
    running = await sp_start(tenant=tenant, options=ServerOptions(local_urls=True))
    form = await running.idp_form()
    body = urlencode({**form.fields, "RelayState": "relay-1"}).encode()
    before = acs.snapshot(running.state, "us")
    judged = await acs.judge(running.state, "us", body)
    assert judged.settings == running.stack.tenant.check_settings(
        "Second",  # B.Simon's profile, found by the NameID of the one decoding
        urls=running.stack.urls,
        outstanding_requests=before.outstanding_requests,
        seen_assertion_ids=before.seen_assertion_ids,
        received_at=REGIONS["us"].acs_url,
    )
    assert judged.relay_state == "relay-1"
    assert judged.report.works
    assert judged.settings.entity_id == f"{running.base}/us/sso/CUSA1A1"


async def test_over_http_the_findings_expect_the_stacks_urls(sp_start: Start) -> None:
    running = await sp_start(options=ServerOptions(local_urls=True))
    form = await running.idp_form()
    document = await _post_json(running, {**form.fields, "RelayState": "r"})
    report = document["report"]
    assert isinstance(report, dict)
    expected = {f["code"]: f["expected"] for f in report["findings"]}
    assert expected["audience.match"] == running.stack.urls.entity_id
    assert running.stack.urls.acs_url in expected["recipient.match"]
    (attempt,) = running.state.attempts.values()
    assert attempt.relay_state == "r"
    assert attempt.via is Via.PREFIX


async def test_a_message_by_host_header_is_recorded_as_via_host(sp_start: Start) -> None:
    running = await sp_start()
    form = await running.idp_form()
    async with (
        aiohttp.ClientSession() as browser,
        browser.post(
            f"{running.base}/login/saml", data=form.fields, headers={"Host": "us-api.mimecast.com"}
        ) as response,
    ):
        assert response.headers["X-Sp-Sim-Verdict"] == "works"
    (attempt,) = running.state.attempts.values()
    assert attempt.via is Via.HOST
