"""Reports for people (text) and machines (JSON)."""

from sp_sim.render.json import report_json
from sp_sim.render.text import report_text

__all__ = ["report_json", "report_text"]
