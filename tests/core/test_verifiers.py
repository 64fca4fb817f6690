"""The two signature verifiers agree (issue #12): the restricted-shape fast path
(core/checks/enveloped.py) and python-xmlsec (`Verifier.XMLSEC`) give the same report on
every fault-matrix row, the genuine Entra captures (also with one byte changed), the
hostile-content shapes and a fuzz corpus of mutated signed responses; and the fast path
really is taken for the common shape (so this test compares two paths, not one)."""

from __future__ import annotations

import base64
import copy
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sp_sim.core import CheckSettings, Report, check_response
from sp_sim.core.checks import enveloped
from sp_sim.core.checks.dsig import SIGNATURE_TAG
from sp_sim.core.checks.signed_info import read_signed_info
from sp_sim.core.settings import Verifier
from sp_sim.core.xml import ASSERTION, parse_instant, qname
from sp_sim.idp.mint import Signing, mint_response_element
from tests.helpers import NOW, Judge, captures, fuzz, load_key
from tests.helpers import fault_matrix as matrix


def both(data: bytes, settings_: CheckSettings, now: Any = NOW) -> tuple[Report, Report]:
    fast = check_response(data, replace(settings_, verifier=Verifier.AUTO), now)
    reference = check_response(data, replace(settings_, verifier=Verifier.XMLSEC), now)
    return fast, reference


def verdict(report: Report) -> dict[str, Any]:
    """What the verifier decides: each finding's code, status and coverage, who signs in,
    what was signed (messages and fresh IDs aside)."""
    return {
        "works": report.works,
        "user": report.user,
        "signed": report.signed_elements,
        "in_response_to": report.in_response_to is not None,
        "findings": [(str(f.code), str(f.status), f.covered_by_signature) for f in report.findings],
    }


def assert_same(fast: Report, reference: Report) -> None:
    assert verdict(fast) == verdict(reference)


@pytest.mark.parametrize("row", matrix.ROWS, ids=[r.id for r in matrix.ROWS])
def test_every_fault_matrix_row_gets_one_verdict(sp_judge: Judge, row: Any) -> None:
    kwargs = dict(row.kwargs)
    settings_ = dict(kwargs.pop("settings", {}))
    fast = sp_judge(**kwargs, settings={**settings_, "verifier": Verifier.AUTO})
    reference = sp_judge(**kwargs, settings={**settings_, "verifier": Verifier.XMLSEC})
    assert_same(fast, reference)


@pytest.mark.parametrize("name", captures.CAPTURES)
@pytest.mark.parametrize("change", ["none", "signed-byte", "signature-value"])
def test_genuine_captures_get_one_verdict(name: str, change: str) -> None:
    data, settings_, at = captures.capture(name)
    if change == "signed-byte":
        data = data.replace(b"ondemand", b"ondemanD", 1).replace(b"pagero", b"pagerO", 1)
    elif change == "signature-value":
        start = data.index(b"<SignatureValue>") + len(b"<SignatureValue>")
        data = (
            data[:start] + (b"A" if data[start : start + 1] != b"A" else b"B") + data[start + 1 :]
        )
    fast, reference = both(data, settings_, parse_instant(at))
    assert_same(fast, reference)
    assert fast.works is (change == "none")


def test_the_fast_path_is_taken_for_entras_shape() -> None:
    response = mint_response_element(fuzz.token_for(Signing.BOTH), load_key("entra-active"))
    for element in (response, response.find(qname(ASSERTION, "Assertion"))):
        assert element is not None
        signature = element.find(SIGNATURE_TAG)
        assert signature is not None
        assert enveloped.in_shape(read_signed_info(signature), element)
        verdict = enveloped.verify(
            element, signature, read_signed_info(signature), fuzz.SETTINGS.certificates
        )
        assert verdict is not None
        assert verdict[0] is not None


def test_the_fast_path_leaves_the_tree_as_it_was() -> None:
    response = mint_response_element(fuzz.token_for(Signing.ASSERTION), load_key("entra-active"))
    etree.indent(response)
    before = etree.tostring(response)
    assertion = response.find(qname(ASSERTION, "Assertion"))
    assert assertion is not None
    assert enveloped.canonical_unsigned(assertion, ()) is not None
    assert etree.tostring(response) == before


FUZZ = settings(
    max_examples=fuzz.EXAMPLES // 3,
    deadline=None,
    derandomize=not fuzz.LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(data=st.data(), signing=st.sampled_from(list(fuzz.ORIGINALS)), as_bytes=st.booleans())
def test_mutated_responses_get_one_verdict(
    data: st.DataObject, signing: Signing, as_bytes: bool
) -> None:
    root = copy.deepcopy(fuzz.ORIGINALS[signing])
    if as_bytes:
        body = fuzz.mutate_bytes(data, base64.b64encode(etree.tostring(root)))
    else:
        fuzz.mutate_tree(data, root)
        body = etree.tostring(root)
    assert_same(*both(body, fuzz.SETTINGS))
