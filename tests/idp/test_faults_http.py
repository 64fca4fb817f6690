"""Every fault, injected per request over HTTP, per app from its settings, and for the whole
server, is caught by the check meant for it."""

from __future__ import annotations

from typing import Any

import pytest

from sp_sim.core import CheckSettings, Status, check_response
from sp_sim.idp.faults import FAULTS, LOGOUT_FAULTS, WRAPPING_VARIANTS, FaultSet
from sp_sim.idp.model import IdpTenant
from sp_sim.idp.tokens import issue_response
from tests.helpers import NOW
from tests.idp.flows import judge, sp_initiated

FAIL, WARN, PASS = Status.FAIL, Status.WARN, Status.PASS

EXPECTED: dict[str, dict[str, Status]] = {
    "clock-offset=3600": {"time.not-yet-valid": FAIL},
    "clock-offset=-7200": {"time.expired": FAIL},
    "expired": {"time.expired": FAIL, "time.confirmation-expired": FAIL},
    "not-yet-valid": {"time.not-yet-valid": FAIL},
    "wrong-audience": {"audience.mismatch": FAIL},
    "wrong-audience=https://us-api.mimecast.com/sso/cusa1a1": {"audience.account-code-case": FAIL},
    "wrong-issuer": {"issuer.other-tenant": FAIL},
    "wrong-destination": {"destination.mismatch": FAIL},
    "wrong-recipient=https://eu-api.mimecast.com/login/saml": {"recipient.wrong-region": FAIL},
    "wrong-in-response-to": {"subject.unknown-request": FAIL},
    "unsigned": {"signature.missing": FAIL},
    "other-key": {"signature.key-mismatch": FAIL},
    "sha1": {"signature.sha1": WARN},
    "tampered": {"signature.digest-mismatch": FAIL},
    "duplicate-assertion": {"xml.multiple-assertions": FAIL},
    "encrypted-assertion": {"xml.encrypted-assertion": FAIL},
    "comment-in-nameid": {"signature.valid": PASS, "nameid.mapped": PASS},
    "replay": {"replay.fresh": PASS},
    **{v: {"xml.multiple-responses": FAIL} for v in ("xsw1", "xsw2")},
    **{
        v: {"xml.multiple-assertions": FAIL}
        for v in WRAPPING_VARIANTS
        if v not in ("xsw1", "xsw2", "moved-signature")
    },
    "moved-signature": {"signature.bad-reference": FAIL},
}


def test_every_fault_has_an_expectation() -> None:
    # The logout faults change no response; tests/server/test_slo.py expects each of them.
    assert {spec.split("=")[0] for spec in EXPECTED} == set(FAULTS) - set(LOGOUT_FAULTS)


@pytest.mark.parametrize("fault", EXPECTED)
async def test_fault_per_request(
    fault: str, idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, faults=(fault,))
    report = judge(
        answer,
        idp_sp_settings,
        outstanding_requests=frozenset({"_req-1"}),
        seen_assertion_ids=set(),
    )
    statuses = {str(f.code): f.status for f in report.findings}
    for code, status in EXPECTED[fault].items():
        assert statuses.get(code) == status, (code, sorted(report.codes(FAIL)))
    assert report.works is (fault in ("sha1", "comment-in-nameid", "replay"))


async def test_replay_is_caught_on_the_second_use(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    seen: set[str] = set()
    first = judge(
        await sp_initiated(client, idp_tenant, faults=("replay",)),
        idp_sp_settings,
        seen_assertion_ids=seen,
    )
    assert first.works
    seen.add(f"_replayed-{idp_tenant.apps[0].app_id}")
    second = judge(
        await sp_initiated(client, idp_tenant, faults=("replay",)),
        idp_sp_settings,
        seen_assertion_ids=seen,
    )
    assert "replay.replayed" in second.codes(FAIL)


async def test_fault_for_the_whole_server(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client(faults=("wrong-audience",))
    report = judge(await sp_initiated(client, idp_tenant), idp_sp_settings)
    assert "audience.mismatch" in report.codes(FAIL)


async def test_fault_from_the_app_settings(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(
        client, idp_tenant, issuer="https://us-api.mimecast.com/sso/SHA1APP"
    )
    report = judge(answer, idp_sp_settings, entity_id="https://us-api.mimecast.com/sso/SHA1APP")
    assert "signature.sha1" in report.codes(WARN)


async def test_token_encryption_setting(
    idp_client: Any, idp_tenant: IdpTenant, idp_sp_settings: CheckSettings
) -> None:
    client = await idp_client()
    answer = await sp_initiated(
        client, idp_tenant, issuer="https://us-api.mimecast.com/sso/ENCRYPTING"
    )
    assert "xml.encrypted-assertion" in judge(answer, idp_sp_settings).codes(FAIL)


async def test_unknown_fault_is_a_400(idp_client: Any, idp_tenant: IdpTenant) -> None:
    client = await idp_client()
    answer = await sp_initiated(client, idp_tenant, faults=("gremlins",))
    assert answer.status == 400
    assert "unknown fault" in answer.text


def test_faults_from_python(idp_tenant: IdpTenant, idp_sp_settings: CheckSettings) -> None:
    app, user = idp_tenant.apps[0], idp_tenant.users[0]
    plain = issue_response(idp_tenant, app, user, NOW)
    assert check_response(plain, idp_sp_settings, NOW).works
    faulty = issue_response(idp_tenant, app, user, NOW, faults=FaultSet.parse(["xsw3"]))
    assert "xml.multiple-assertions" in check_response(faulty, idp_sp_settings, NOW).codes(FAIL)
    with pytest.raises(ValueError, match="unknown fault"):
        FaultSet.parse(["nope"])
    with pytest.raises(ValueError, match="SECONDS"):
        FaultSet.parse(["clock-offset=soon"])
