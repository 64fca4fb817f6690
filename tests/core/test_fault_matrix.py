"""The fault matrix: each misconfiguration of the reference's §3 that shows in a response,
and each known attack, is one row. Responses are minted and signed for real with the keys
in idp_fixtures/; each row asserts the codes and statuses the engine must report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sp_sim.core import Report
from sp_sim.idp import faults
from sp_sim.idp.mint import Signing
from tests.helpers import NOW, Judge
from tests.helpers.fault_matrix import FAIL, PASS, ROWS, Row


def assert_row(report: Report, row: Row) -> None:
    statuses = {str(f.code): f.status for f in report.findings}
    for code, status in row.expect.items():
        assert statuses.get(code) == status, (code, statuses)
    assert report.works is row.works, [str(f.code) for f in report.failures]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_fault_matrix(sp_judge: Judge, row: Row) -> None:
    assert_row(sp_judge(**row.kwargs), row)


@pytest.mark.parametrize("variant", faults.WRAPPING_VARIANTS)
def test_wrapping_never_signs_in_the_evil_subject(sp_judge: Judge, variant: str) -> None:
    signing = Signing.RESPONSE if variant in ("xsw1", "xsw2") else Signing.ASSERTION
    report = sp_judge(token={"signing": signing}, fault=faults.wrap(variant, "ceo@contoso.com"))
    assert not report.works
    assert report.to_dict()["user"] is None


def test_every_finding_is_judged_and_failures_come_first(sp_judge: Judge) -> None:
    report = sp_judge(
        token={"audience": "https://eu-api.mimecast.com/sso/CUSA1A1"}, now=NOW + timedelta(hours=2)
    )
    ordered = report.ordered()
    assert [f.status for f in ordered[:3]] == [FAIL, FAIL, FAIL]
    # every check still ran: the later ones are reported, not silent
    assert {"nameid.mapped", "authn.statement", "signature.valid"} <= report.codes(PASS)


def test_findings_name_the_side_to_change(sp_judge: Judge) -> None:
    report = sp_judge(token={"audience": "https://us-api.mimecast.com/sso/cusa1a1"})
    (finding,) = [f for f in report.failures if f.check == "audience"]
    assert finding.hint is not None
    assert finding.hint.side.name == "ENTRA_APP"
    assert "CUSA1A1" in finding.hint.text


def test_unverified_content_is_marked(sp_judge: Judge) -> None:
    report = sp_judge(key="attacker")
    audience = next(f for f in report.findings if f.check == "audience")
    assert audience.covered_by_signature is False
    assert report.signed_elements == ()
