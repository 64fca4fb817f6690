"""Problems an adversarial review of the server and fake-IdP layers found, each shown on a
real simulator on loopback (or, for the store's live view, on the store itself)."""

from __future__ import annotations

import base64
import gc
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sp_sim.server.store.memory import ExpiringStore
from tests.helpers import NOW
from tests.helpers.server import Running, Start

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
QUICK = 4.0
"""Seconds an answer may take here; the quadratic drawings took ten to forty."""


def _response(children: bytes) -> bytes:
    return (
        (
            f'<samlp:Response xmlns:samlp="{PROTOCOL}" xmlns="{ASSERTION}" ID="r" Version="2.0">'
        ).encode()
        + children
        + b"</samlp:Response>"
    )


async def _post_acs(running: Running, xml: bytes) -> tuple[int, str, float]:
    region = running.state.tenant.account.region.key
    started = time.perf_counter()
    async with running.flows.session.post(
        f"{running.base}/{region}/login/saml",
        data={"SAMLResponse": base64.b64encode(xml).decode()},
    ) as answer:
        text = await answer.text()
        return answer.status, text, time.perf_counter() - started


@pytest.mark.parametrize(
    "children",
    [
        pytest.param(b"<a/>" * 42_000, id="many-siblings"),
        pytest.param(b'<Assertion ID="a"/>' * 10_000, id="many-assertions"),
    ],
)
async def test_a_wide_message_is_answered_without_stalling_the_server(
    sp_start: Start, children: bytes
) -> None:
    """The result page is drawn on the event loop: drawing a message of many siblings (or
    many unsigned assertions) must not cost a scan of the siblings per element."""
    running = await sp_start()
    status, page, took = await _post_acs(running, _response(children))
    assert status == 200
    assert 'data-verdict="fails"' in page
    assert "transport.too-large" not in page  # the message was decoded, and drawn
    assert took < QUICK, f"the ACS took {took:.1f}s to answer"
    assert running.state.errors == []


async def test_many_unsigned_assertions_are_counted_not_each_described(
    sp_start: Start,
) -> None:
    running = await sp_start()
    _, page, _ = await _post_acs(running, _response(b'<Assertion ID="a"/>' * 100))
    assert page.count("<li>Assertion ") == 20
    assert "80 more assertions are not covered by any verified signature" in page


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/tenant"), ("POST", "/api/sign-ins"), ("POST", "/api/check")],
)
async def test_deeply_nested_json_is_bad_input_not_a_crash(
    sp_start: Start, method: str, path: str
) -> None:
    running = await sp_start()
    async with running.flows.session.request(
        method,
        f"{running.base}{path}",
        data="[" * 200_000,
        headers={"Content-Type": "application/json"},
    ) as answer:
        document = await answer.json()
        assert (answer.status, document["error"]) == (400, "bad-input"), document
    assert running.state.errors == []


async def test_an_idp_refusal_of_a_body_that_is_not_utf8_is_listed_not_a_crash(
    sp_start: Start,
) -> None:
    running = await sp_start()
    status, page = await _post_bytes(running, f"/idp/{running.idp.tenant_id}/saml2")
    assert status == 400, page
    assert "AADSTS75005" in page
    assert running.state.errors == []
    assert [r.code for r in running.state.refusals.values()] == ["AADSTS75005"]


@pytest.mark.parametrize("charset", ["", "; charset=no-such-charset"])
@pytest.mark.parametrize(
    "path", ["/idp/{tenant}/saml2/signin", "/{region}/login/saml/logout", "/{region}/login"]
)
async def test_a_post_that_is_not_utf8_is_a_bad_request_page(
    sp_start: Start, path: str, charset: str
) -> None:
    """A protocol endpoint says the form cannot be read; a CSRF-guarded form refuses it."""
    running = await sp_start()
    region = running.state.tenant.account.region.key
    status, page = await _post_bytes(
        running, path.format(tenant=running.idp.tenant_id, region=region), charset
    )
    if path == "/{region}/login":  # the CSRF guard's refusal, before the form is used
        assert status == 403, page
        assert "Refused: not sent from this server" in page
    else:
        assert status == 400, page
        assert "id=todo" in page
    assert running.state.errors == []


async def _post_bytes(running: Running, path: str, charset: str = "") -> tuple[int, str]:
    """A form POST whose bytes are not UTF-8 (a browser never sends one; a script can)."""
    async with running.flows.session.post(
        f"{running.base}{path}",
        data=b"SAMLRequest=%%%&x=\xff\xfe",
        headers={"Content-Type": f"application/x-www-form-urlencoded{charset}"},
    ) as answer:
        return answer.status, await answer.text()


@pytest.fixture
def sp_mutating_gc() -> Iterator[list[ExpiringStore[int]]]:
    """While set, every garbage collection adds an entry to the stores listed: how the event
    loop's thread can change a store while a check thread copies it (a collection can run
    finalizers, which let the interpreter switch threads)."""
    stores: list[ExpiringStore[int]] = []
    added = iter(range(10**9))

    def mutate(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            for store in stores:
                store._entries[f"late-{next(added)}"] = (NOW + timedelta(hours=1), 0, 0)

    threshold = gc.get_threshold()
    gc.callbacks.append(mutate)
    gc.set_threshold(1)
    try:
        yield stores
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(mutate)


def test_the_live_view_survives_the_store_changing_while_it_is_read(
    sp_mutating_gc: list[ExpiringStore[int]],
) -> None:
    store: ExpiringStore[int] = ExpiringStore(lambda: NOW, timedelta(minutes=10), 10_000)
    for n in range(2_000):
        store.put(f"id-{n}", n)
    live = store.live()
    sp_mutating_gc.append(store)
    keys = set(live)
    assert {f"id-{n}" for n in range(2_000)} <= keys
    assert len(live) >= 2_000
