"""PUT /api/tenant, driven by curl in a subprocess against a real simulator on loopback:
the tenant as JSON in, validated as the TOML file is, the next sign-in using it; refused
from another origin and when not JSON (the API's CSRF guard)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.curl import curl, curl_status
from tests.helpers.server import Running, Start
from tests.server.test_api import USER

JSON = ("-H", "Content-Type: application/json")


async def put(running: Running, document: object, *headers: str) -> tuple[int, dict[str, Any]]:
    body = document if isinstance(document, str) else json.dumps(document)
    return await curl(
        "-X", "PUT", *JSON, *headers, "--data-binary", body, f"{running.base}/api/tenant"
    )


async def get_tenant(running: Running) -> dict[str, Any]:
    status, document = await curl(f"{running.base}/api/tenant")
    assert status == 200
    return document


async def test_a_ticked_context_box_makes_the_next_sign_in_fail_at_entra(
    sp_start: Start,
) -> None:
    running = await sp_start()
    document = await get_tenant(running)
    document["profiles"][0]["use_integrated_authentication_context"] = True
    status, answered = await put(running, document)
    assert status == 200, answered
    assert answered["profiles"][0]["use_integrated_authentication_context"] is True
    assert running.state.tenant.profile().use_integrated_authentication_context
    status, outcome = await curl(
        *JSON, "--data-binary", json.dumps({"user": USER}), f"{running.base}/api/sign-ins"
    )
    assert status == 200
    assert (outcome["stage"], outcome["aadsts"]) == ("idp", "AADSTS75011"), outcome


async def test_the_tenant_read_is_taken_back_unchanged(sp_start: Start) -> None:
    running = await sp_start()
    before = running.state.tenant
    status, answered = await put(running, await get_tenant(running))
    assert status == 200
    assert answered == await get_tenant(running)
    assert running.state.tenant == before


def _without_account(document: dict[str, Any]) -> None:
    del document["account"]


def _unknown_key(document: dict[str, Any]) -> None:
    document["profiles"][0]["login_ur"] = "https://x"


def _unknown_region(document: dict[str, Any]) -> None:
    document["account"]["region"] = "mars"


def _certificate_file(document: dict[str, Any]) -> None:
    document["profiles"][0]["idp_certificate_files"] = ["/etc/ssl/certs/ca-certificates.crt"]


def _metadata_file(document: dict[str, Any]) -> None:
    document["profiles"][0]["idp_metadata_file"] = "/etc/passwd"


def _bad_certificate(document: dict[str, Any]) -> None:
    document["profiles"][0]["idp_certificates"] = ["not a certificate"]


def _unknown_profile(document: dict[str, Any]) -> None:
    document["directory"]["addresses"][0]["profile"] = "nope"


def _no_profiles(document: dict[str, Any]) -> None:
    document["profiles"] = []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (_without_account, "account"),
        (_unknown_key, "profiles[0].login_ur"),
        (_unknown_region, "account.region"),
        (_certificate_file, "profiles[0].idp_certificate_files"),
        (_metadata_file, "profiles[0].idp_metadata_file"),
        (_bad_certificate, "profiles[0].idp_certificates[0]"),
        (_unknown_profile, "directory.addresses[0].profile"),
        (_no_profiles, "profiles"),
    ],
)
async def test_an_invalid_tenant_is_a_400_naming_the_key(
    sp_start: Start, change: Any, key: str
) -> None:
    running = await sp_start()
    before = running.state.tenant
    document = await get_tenant(running)
    change(document)
    status, answered = await put(running, document)
    assert status == 400, answered
    assert answered["error"] == "bad-input"
    assert answered["message"].startswith(f"tenant: {key}"), answered["message"]
    assert running.state.tenant is before
    if change in (_certificate_file, _metadata_file):  # refused unread, not failed reading
        assert "not read through the API" in answered["message"]


@pytest.mark.parametrize("body", ["{not json", "[1]", '"x"'])
async def test_a_body_that_is_no_json_object_is_a_400(sp_start: Start, body: str) -> None:
    running = await sp_start()
    status, answered = await put(running, body)
    assert (status, answered["error"]) == (400, "bad-input")


async def test_a_foreign_origin_is_refused_and_the_own_one_taken(sp_start: Start) -> None:
    running = await sp_start()
    before = running.state.tenant
    document = await get_tenant(running)
    document["profiles"][0]["allow_single_sign_on"] = False
    status, answered = await put(running, document, "-H", "Origin: https://evil.example")
    assert (status, answered["error"]) == (403, "foreign-origin")
    assert running.state.tenant is before
    status, _ = await put(running, document, "-H", f"Origin: {running.base}")
    assert status == 200
    assert not running.state.tenant.profile().allow_single_sign_on


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_a_cross_site_form_could_send_is_refused(
    sp_start: Start, content_type: str
) -> None:
    running = await sp_start()
    before = running.state.tenant
    body = json.dumps(await get_tenant(running))
    status = await curl_status(
        "-X",
        "PUT",
        "-H",
        f"Content-Type: {content_type}",
        "--data-binary",
        body,
        f"{running.base}/api/tenant",
    )
    assert status == 403  # the CSRF guard: no form token
    assert running.state.tenant is before
