"""The check page judging a pasted response against settings typed in the form (as
`sp-sim check` takes them as flags) instead of the running tenant, which stays unchanged;
bad settings are the form again, as posted, with the flag's message."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from sp_sim.core.codes import Code
from tests.helpers.server import Running, Start

USER = "B.Simon@contoso.com"
KEYS = Path(__file__).parents[2] / "idp_fixtures" / "keys"
_ROW = re.compile(r"<tr\b[^>]*>")


def failing_codes(page: str) -> set[str]:
    """The codes of the result page's failing finding rows."""
    codes = set()
    for row in _ROW.findall(page):
        code = re.search(r'data-code="([^"]+)"', row)
        if code and re.search(r'class="[^"]*\bfail\b', row):
            codes.add(code.group(1))
    return codes


async def post_check(running: Running, **fields: str) -> tuple[int, str, str]:
    token = await running.csrf_token("/check")
    form = aiohttp.FormData({"csrf_token": token, **fields})
    async with running.flows.session.post(f"{running.base}/check", data=form) as response:
        return response.status, response.headers.get("X-Sp-Sim-Verdict", ""), await response.text()


async def tenant_settings(running: Running) -> dict[str, str]:
    """The typed settings the page fills in: the running tenant's."""
    async with running.flows.session.get(f"{running.base}/check") as response:
        page = await response.text()
    fields = {}
    for key in ("entity_id", "acs_url", "idp_issuer", "clock_skew"):
        found = re.search(rf'id=typed-{key} name={key} value="([^"]*)"', page)
        assert found, key
        fields[key] = found.group(1)
    pem = re.search(r"name=certificates [^>]*>([^<]*)</textarea>", page)
    assert pem
    fields["certificates"] = pem.group(1)
    return fields


async def test_the_form_starts_from_the_tenant_and_those_settings_work(
    sp_start: Start,
) -> None:
    running = await sp_start()
    typed = await tenant_settings(running)
    assert typed["entity_id"] == running.stack.urls.entity_id
    assert "BEGIN CERTIFICATE" in typed["certificates"]
    message = (await running.idp_form(USER)).fields["SAMLResponse"]
    status, verdict, page = await post_check(running, message=message, against="typed", **typed)
    assert (status, verdict) == (200, "works"), failing_codes(page)
    assert "id=typed-note" in page
    assert list(running.state.attempts) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("entity_id", "https://sp.example.com/saml", Code.AUDIENCE_MISMATCH),
        ("idp_issuer", "https://sts.windows.net/another/", Code.ISSUER_MISMATCH),
        ("certificates", (KEYS / "attacker.pem").read_text(), Code.SIGNATURE_KEY_MISMATCH),
    ],
)
async def test_a_typed_setting_that_differs_fails_and_the_tenant_is_kept(
    sp_start: Start, field: str, value: str, code: Code
) -> None:
    running = await sp_start()
    before = running.state.tenant
    typed = await tenant_settings(running) | {field: value}
    message = (await running.idp_form(USER)).fields["SAMLResponse"]
    status, verdict, page = await post_check(running, message=message, against="typed", **typed)
    assert (status, verdict) == (200, "fails")
    assert str(code) in failing_codes(page), failing_codes(page)
    assert running.state.tenant is before
    # The same message against the tenant still works: nothing was used up or changed.
    _, verdict, _ = await post_check(running, message=message, against="tenant", **typed)
    assert verdict == "works"


async def test_no_certificate_typed_is_not_a_pass(sp_start: Start) -> None:
    running = await sp_start()
    typed = await tenant_settings(running) | {"certificates": ""}
    message = (await running.idp_form(USER)).fields["SAMLResponse"]
    _, verdict, page = await post_check(running, message=message, against="typed", **typed)
    assert verdict == "fails"
    assert str(Code.SIGNATURE_NO_CERTIFICATE) in failing_codes(page)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("clock_skew", "99999", "--clock-skew: 99999 is out of range: 0 to 86400 seconds"),
        ("clock_skew", "-1", "--clock-skew: -1 is out of range"),
        ("clock_skew", "five", "--clock-skew: not a whole number"),
        ("certificates", "not a certificate", "--idp-cert"),
        ("certificates", "-----BEGIN CERTIFICATE-----\nAAAA", "--idp-cert: a PEM header"),
        ("entity_id", "x" * 3000, "--entity-id: longer than"),
    ],
)
async def test_a_bad_typed_setting_is_the_form_again_saying_which(
    sp_start: Start, field: str, value: str, message: str
) -> None:
    running = await sp_start()
    typed = await tenant_settings(running) | {field: value}
    saml = (await running.idp_form(USER)).fields["SAMLResponse"]
    status, verdict, page = await post_check(running, message=saml, against="typed", **typed)
    assert (status, verdict) == (400, "")
    problem = re.search(r"<p id=problem[^>]*>([^<]*)</p>", page)
    assert problem, page
    assert problem.group(1).startswith(f"settings: {message}"), problem.group(1)
    assert "id=against-typed checked" in page  # the form comes back as posted
    assert saml in page


async def test_typed_settings_are_ignored_when_judging_against_the_tenant(
    sp_start: Start,
) -> None:
    running = await sp_start()
    message = (await running.idp_form(USER)).fields["SAMLResponse"]
    status, verdict, page = await post_check(
        running, message=message, against="tenant", clock_skew="five", entity_id="x"
    )
    assert (status, verdict) == (200, "works")
    assert "id=typed-note" not in page
