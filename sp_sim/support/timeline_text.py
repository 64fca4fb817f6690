"""Sign-in timelines for a person at a terminal: each step of each sign-in, its verdict,
the failing and warning findings (printed by `sp_sim.render.findings`, as `check` prints
them), notes, unknowns and the step that failed. JSON is `Timelines.to_dict()`."""

from __future__ import annotations

from sp_sim.core.xml import format_instant
from sp_sim.render.findings import findings_lines
from sp_sim.support.evidence import Step
from sp_sim.support.timeline import SignIn, Timelines


def _step(label: str, step: Step) -> str:
    when = format_instant(step.at) if step.at else "time unknown"
    reply = f"  [{step.reply}]" if step.reply else ""
    url, _, query = (step.url or "(pasted message)").partition("?")
    shown = f"{url}?{query.split('=', 1)[0]}=…" if query else url
    return f"  {label:13} {step.method} {shown}  {when}{reply}"


def _steps(sign_in: SignIn) -> list[str]:
    lines = []
    if sign_in.request:
        lines.append(_step("AuthnRequest", sign_in.request))
        lines.append(f"                ID {sign_in.request.attribute('ID')}")
    if sign_in.error:
        lines.append(_step("Entra error", sign_in.error))
    if sign_in.response:
        lines.append(_step("SAMLResponse", sign_in.response))
    return lines


def sign_in_text(sign_in: SignIn) -> list[str]:
    """One sign-in's lines: its head, its steps, the verdict and what it rests on."""
    verdict = sign_in.verdict.heading
    if sign_in.unknowns:
        verdict += f" ({len(sign_in.unknowns)} unknown, below)"
    lines = [f"Sign-in {sign_in.number} · {sign_in.initiated_by}-initiated · {verdict}"]
    lines += _steps(sign_in)
    if sign_in.report is not None:
        lines.append(f"  verdict       {sign_in.report.summary()}")
        lines += findings_lines(sign_in.report, problems_only=True, indent="    ")
    response_notes = sign_in.response.notes if sign_in.response else ()
    lines += [f"  note          {note}" for note in (*sign_in.notes, *response_notes)]
    lines += [f"  unknown       {unknown}" for unknown in sign_in.unknowns]
    if sign_in.failed_step:
        lines.append(f"  → failed step: {sign_in.failed_step}")
    return lines


def timelines_text(timelines: Timelines) -> str:
    """Every sign-in of a capture, in capture order."""
    lines = [f"{timelines.capture_format}: {len(timelines.sign_ins)} sign-in(s)", ""]
    for sign_in in timelines.sign_ins:
        lines += [*sign_in_text(sign_in), ""]
    return "\n".join(lines).rstrip() + "\n"
