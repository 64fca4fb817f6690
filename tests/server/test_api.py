"""The JSON API under /api/, driven by curl (a non-Python client) in a subprocess against a
real simulator on loopback; the OpenAPI document validated with openapi-spec-validator."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from openapi_spec_validator import validate

from sp_sim.core.xml import format_instant
from tests.helpers import NOW
from tests.helpers.curl import curl, curl_status
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"


async def _form_body(running: Running) -> str:
    form = await running.idp_form(USER)
    return urlencode(form.fields)


async def test_check_a_form_body_with_curl_works_and_consumes_nothing(sp_start: Start) -> None:
    running = await sp_start()
    body = await _form_body(running)
    status, report = await curl("--data-binary", body, f"{running.base}/api/check")
    assert status == 200
    assert report["verdict"] == "works", report
    again = await curl("--data-binary", body, f"{running.base}/api/check")
    assert again[1]["verdict"] == "works"  # no replay cache consumed
    assert list(running.state.attempts) == []  # nothing recorded


async def test_check_json_at_another_instant_fails_on_time(sp_start: Start) -> None:
    running = await sp_start()
    form = await running.idp_form(USER)
    later = format_instant(NOW.replace(year=NOW.year + 1))
    document = json.dumps({"message": form.fields["SAMLResponse"], "at": later})
    status, report = await curl(
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        document,
        f"{running.base}/api/check",
    )
    assert status == 200
    assert report["verdict"] == "fails"
    assert any(f["status"] == "fail" for f in report["findings"])


async def test_check_an_unknown_request_id_fails(sp_start: Start) -> None:
    running = await sp_start()
    outcome = await running.flows.sp_initiated(USER)
    assert outcome.works
    # The captured exchange holds the SAMLResponse; judged against another request ID it fails.
    sent = next(e for e in running.flows.recorder.exchanges if e.url.endswith("/login/saml"))
    assert sent.post_text is not None
    url = f"{running.base}/api/check?request_id=_other&at={format_instant(NOW)}"
    status, report = await curl("--data-binary", sent.post_text, url)
    assert status == 200
    assert report["verdict"] == "fails"


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("-H", "Content-Type: application/json", "--data-binary", "{not json"), "/api/check"),
        (("-H", "Content-Type: application/json", "--data-binary", "[1]"), "/api/check"),
        (("-H", "Content-Type: application/json", "--data-binary", '{"message": 3}'), "/api/check"),
        (("--data-binary", "x"), "/api/check?at=yesterday"),
        (("-X", "POST"), "/api/check"),
        (("-H", "Content-Type: application/json", "--data-binary", "{"), "/api/sign-ins"),
        (
            ("-H", "Content-Type: application/json", "--data-binary", '{"initiator": "x"}'),
            "/api/sign-ins",
        ),
        (
            ("-H", "Content-Type: application/json", "--data-binary", '{"faults": "x"}'),
            "/api/sign-ins",
        ),
        (
            ("-H", "Content-Type: application/json", "--data-binary", '{"region": "mars"}'),
            "/api/sign-ins",
        ),
    ],
)
async def test_bad_input_is_a_json_400(sp_start: Start, args: tuple[str, ...], path: str) -> None:
    running = await sp_start()
    status, document = await curl(*args, f"{running.base}{path}")
    assert status == 400, document
    assert document["error"] == "bad-input"


async def test_a_sign_in_that_is_not_json_is_refused(sp_start: Start) -> None:
    running = await sp_start()
    status, _ = await curl(
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        "{}",
        f"{running.base}/api/sign-ins",
    )
    assert status == 200
    status = await curl_status("--data", "user=x", f"{running.base}/api/sign-ins")
    assert status == 403  # a form POST falls to the CSRF guard


@pytest.mark.parametrize("initiator", ["sp", "idp"])
async def test_sign_in_then_results(sp_start: Start, initiator: str) -> None:
    running = await sp_start()
    document = json.dumps({"user": USER, "initiator": initiator})
    status, outcome = await curl(
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        document,
        f"{running.base}/api/sign-ins",
    )
    assert status == 200, outcome
    assert outcome["stage"] == "sp-acs"
    assert outcome["report"]["verdict"] == "works"
    status, listed = await curl(f"{running.base}/api/results")
    assert status == 200
    assert [r["attempt"] for r in listed["results"]] == [outcome["attempt"]]
    status, one = await curl(f"{running.base}/api/results/{outcome['attempt']}")
    assert status == 200
    assert one["verdict"] == outcome["report"]["verdict"]
    assert one["report"]["initiated_by"] == initiator


async def test_sign_in_with_a_fault_fails(sp_start: Start) -> None:
    running = await sp_start()
    document = json.dumps({"user": USER, "faults": ["unsigned"]})
    status, outcome = await curl(
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        document,
        f"{running.base}/api/sign-ins",
    )
    assert status == 200
    assert outcome["report"]["verdict"] == "fails"


async def test_unknown_result_is_a_json_404(sp_start: Start) -> None:
    running = await sp_start()
    status, document = await curl(f"{running.base}/api/results/nope")
    assert status == 404
    assert document["error"] == "not-found"


async def test_tenant_is_the_toml_as_json(sp_start: Start) -> None:
    running = await sp_start()
    status, tenant = await curl(f"{running.base}/api/tenant")
    assert status == 200
    assert tenant["account"]["code"] == running.state.tenant.account.code
    assert tenant["profiles"][0]["name"] == running.state.tenant.profiles[0].name


async def test_openapi_document_is_valid_and_lists_every_route(sp_start: Start) -> None:
    running = await sp_start()
    status, document = await curl(f"{running.base}/api/openapi.json")
    assert status == 200
    validate(document)
    routes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {
        (route.method, route.resource.canonical)
        for route in running.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method != "HEAD"
    }
    assert routes == served
