"""Reports for people (text) and machines (JSON): one finding printer
(`sp_sim.render.findings`), one verdict wording (`sp_sim.render.verdict`). Render imports
only the core."""

from sp_sim.render.findings import explain, finding_lines, findings_lines
from sp_sim.render.json import report_json, to_json
from sp_sim.render.text import report_text
from sp_sim.render.verdict import Verdict

__all__ = [
    "Verdict",
    "explain",
    "finding_lines",
    "findings_lines",
    "report_json",
    "report_text",
    "to_json",
]
