"""The machine-readable report: {verdict, user, findings: [{code, status, expected, ...}]}."""

from __future__ import annotations

import json

from sp_sim.core.model import Report


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
