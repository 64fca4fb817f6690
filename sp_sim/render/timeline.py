"""Sign-in timelines for a person at a terminal, and as JSON."""

from __future__ import annotations

import json

from sp_sim.core.model import Status
from sp_sim.support.evidence import Step
from sp_sim.support.timeline import SignIn


def _step(label: str, step: Step) -> str:
    when = step.at.isoformat(timespec="seconds") if step.at else "time unknown"
    reply = f"  [{step.reply}]" if step.reply else ""
    url, _, query = (step.url or "(pasted message)").partition("?")
    shown = f"{url}?{query.split('=', 1)[0]}=…" if query else url
    return f"  {label:13} {step.method} {shown}  {when}{reply}"


def timelines_text(capture_format: str, sign_ins: list[SignIn]) -> str:
    lines = [f"{capture_format}: {len(sign_ins)} sign-in(s)", ""]
    for sign_in in sign_ins:
        verdict = "WORKS" if sign_in.works else "FAILS"
        if sign_in.unknowns:
            verdict += f" ({len(sign_in.unknowns)} unknown, below)"
        lines.append(f"Sign-in {sign_in.number} · {sign_in.initiated_by}-initiated · {verdict}")
        if sign_in.request:
            request = sign_in.request
            lines.append(_step("AuthnRequest", request))
            lines.append(f"                ID {request.attribute('ID')}")
        if sign_in.error:
            lines.append(_step("Entra error", sign_in.error))
        if sign_in.response:
            lines.append(_step("SAMLResponse", sign_in.response))
        if sign_in.report is not None:
            lines.append(f"  verdict       {sign_in.report.summary()}")
            for finding in sign_in.report.ordered():
                if finding.status in (Status.FAIL, Status.WARN):
                    lines.append(
                        f"    {finding.status.upper():4} {finding.code}: {finding.message}"
                    )
                    if finding.hint:
                        lines.append(f"         fix: {finding.hint}")
        for note in sign_in.notes + [n for s in (sign_in.response,) if s for n in s.notes]:
            lines.append(f"  note          {note}")
        for unknown in sign_in.unknowns:
            lines.append(f"  unknown       {unknown}")
        if sign_in.failed_step:
            lines.append(f"  → failed step: {sign_in.failed_step}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def timelines_json(capture_format: str, sign_ins: list[SignIn]) -> str:
    document = {
        "format": capture_format,
        "verdict": "works" if sign_ins and all(s.works for s in sign_ins) else "fails",
        "sign_ins": [s.to_dict() for s in sign_ins],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
