"""The machine-readable report: {verdict, user, findings: [{code, status, expected, ...}]},
and the one JSON layout every command prints."""

from __future__ import annotations

import json
from typing import Any

from sp_sim.core.model import Report


def to_json(document: dict[str, Any]) -> str:
    """A result's `to_dict()` as sp-sim prints and stores it: indented, UTF-8 as is."""
    return json.dumps(document, indent=2, ensure_ascii=False)


def report_json(report: Report) -> str:
    return to_json(report.to_dict())
