"""The support commands' command lines: `--intent` keeps its strings, each exit status is
the verdict's, and an unreadable capture or az JSON is an input error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sp_sim.cli.common import EXIT_FAILS, EXIT_UNKNOWN, EXIT_WORKS, exit_status
from sp_sim.errors import InputError
from sp_sim.render.verdict import Verdict
from sp_sim.support.doctor import Intent
from sp_sim.support.evidence import CaptureFormat, EvidenceError, read_evidence
from sp_sim.support.graph import GraphError, read_graph
from tests.helpers.commands import run

DEMO_TENANT = Path(__file__).resolve().parents[2] / "sp_sim" / "demo" / "tenant.toml"


def test_exit_status_is_the_verdicts() -> None:
    assert [exit_status(v) for v in Verdict] == [EXIT_WORKS, EXIT_FAILS, EXIT_UNKNOWN]


def test_intent_keeps_the_strings_the_command_line_takes() -> None:
    assert [str(i) for i in Intent] == ["sp", "idp", "both"]
    for intent in Intent:
        # the demo tenant alone leaves checks unknown: nothing fails, nothing proven (exit 3)
        assert run("doctor", "--tenant", str(DEMO_TENANT), "--intent", intent).returncode == 3
    refused = run("doctor", "--tenant", str(DEMO_TENANT), "--intent", "tile")
    assert refused.returncode == 2
    assert "invalid choice: 'tile'" in refused.stderr


def test_capture_formats_keep_their_names() -> None:
    assert [str(f) for f in CaptureFormat] == ["HAR", "SAML-tracer", "raw message"]
    assert read_evidence(b'{"log": {"entries": []}}')[0] is CaptureFormat.HAR
    assert read_evidence(b'{"requests": []}')[0] is CaptureFormat.SAML_TRACER
    assert read_evidence(b"PHNhbWxwOlJlc3BvbnNlLz4=")[0] is CaptureFormat.RAW


@pytest.mark.parametrize(
    ("read", "error"),
    [(lambda: read_evidence(b"{not json"), EvidenceError), (lambda: read_graph(b"[]"), GraphError)],
    ids=["evidence", "graph"],
)
def test_unreadable_inputs_are_input_errors(read, error) -> None:
    with pytest.raises(error) as raised:
        read()
    assert isinstance(raised.value, InputError)
    assert isinstance(raised.value, ValueError)  # what callers caught before


def test_an_unreadable_capture_is_exit_2(tmp_path: Path) -> None:
    capture = tmp_path / "capture.har"
    capture.write_text('{"neither": "HAR nor SAML-tracer"}')
    result = run("evidence", str(capture), "--tenant", str(DEMO_TENANT))
    assert result.returncode == 2
    assert result.stderr.startswith(f"sp-sim: {capture}: JSON that is neither")
