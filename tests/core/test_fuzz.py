"""Property-based fuzzing of the engine (issue #9): genuinely signed responses, mutated
structurally (elements deleted, copied, moved, renamed into look-alike namespaces,
attributes and text set to hostile values, comments and foreign elements inserted) and
byte-wise (bytes flipped, inserted, cut, in the XML and in its base64), must never make
`check_response` raise, and must never be judged `works` unless what the verified
signature covers is exactly what was signed.

CI runs a bounded, derandomised number of examples. The longer run is
`python3 dev.py fuzz [EXAMPLES]` (random seeds, statistics printed).
"""

from __future__ import annotations

import base64
import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from sp_sim.core import check_response
from sp_sim.idp.mint import Signing
from tests.helpers import NOW
from tests.helpers.fuzz import (
    FUZZ,
    ORIGINALS,
    SETTINGS,
    assert_truthful,
    mutate_bytes,
    mutate_tree,
)


@FUZZ
@given(data=st.data(), signing=st.sampled_from(list(ORIGINALS)), rounds=st.integers(1, 3))
def test_structural_mutations_never_raise_or_lie(
    data: st.DataObject, signing: Signing, rounds: int
) -> None:
    root = copy.deepcopy(ORIGINALS[signing])
    for _ in range(rounds):
        mutate_tree(data, root)
    report = check_response(etree.tostring(root), SETTINGS, NOW)
    assert_truthful(report, signing)


@FUZZ
@given(data=st.data(), signing=st.sampled_from(list(ORIGINALS)), as_base64=st.booleans())
def test_byte_mutations_never_raise_or_lie(
    data: st.DataObject, signing: Signing, as_base64: bool
) -> None:
    raw = etree.tostring(ORIGINALS[signing])
    body = base64.b64encode(raw) if as_base64 else raw
    for _ in range(data.draw(st.integers(1, 4))):
        body = mutate_bytes(data, body)
    report = check_response(body, SETTINGS, NOW)
    assert_truthful(report, signing)


@pytest.mark.parametrize("signing", list(ORIGINALS))
def test_the_unmutated_originals_work(signing: Signing) -> None:
    report = check_response(etree.tostring(ORIGINALS[signing]), SETTINGS, NOW)
    assert report.works, [str(f.code) for f in report.failures]
    assert_truthful(report, signing)
