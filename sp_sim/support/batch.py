"""Batch: many cases, or every sign-in of a large capture, with a progress display and a
summary table. With `check`, a case whose sign-ins (verdicts and failing codes), doctor
predictions or verdict differ from its stored report is a regression — so a folder of
cases runs as a regression suite in CI."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sp_sim.core.settings import CheckSettings
from sp_sim.errors import SpSimError
from sp_sim.render.verdict import Verdict
from sp_sim.support.case import MANIFEST, load_manifest, run_case
from sp_sim.support.evidence import EvidenceError, read_evidence
from sp_sim.support.regression import compare, stored_report
from sp_sim.support.timeline import judge_capture

ERROR = "error"
"""A row's verdict when its case or capture could not be run."""


@dataclass(frozen=True)
class Row:
    name: str
    verdict: str
    """works, fails (a `Verdict`), or `ERROR`; a redacted case's stored verdict."""
    stored: str | None
    detail: str
    changes: tuple[str, ...] = ()
    """One REGRESSION line per difference from the stored report."""

    @property
    def regressed(self) -> bool:
        return bool(self.changes) or (self.stored is not None and self.stored != self.verdict)


def _case_row(folder: Path) -> Row:
    document = stored_report(folder)
    stored = None if document is None else str(document["verdict"])
    try:
        if load_manifest(folder).redacted:
            return Row(folder.name, stored or "?", stored, "redacted: stored verdict")
        result = run_case(folder)
    except SpSimError as error:
        return Row(folder.name, ERROR, stored, str(error))
    failed = next((s.failed_step for s in result.sign_ins if s.failed_step), None)
    doctor = [str(f.code) for f in result.diagnosis.failures]
    detail = failed or (f"doctor: {', '.join(doctor)}" if doctor else "")
    changes = (
        ()
        if document is None
        else tuple(c.line() for c in compare(document, result.to_dict(), result.sign_ins))
    )
    return Row(folder.name, str(result.verdict), stored, detail, changes)


def _capture_rows(path: Path, settings: CheckSettings) -> list[Row]:
    try:
        capture_format, steps = read_evidence(path.read_bytes())
    except (OSError, EvidenceError) as error:
        return [Row(path.name, ERROR, None, str(error))]
    return [
        Row(
            f"{path.name} #{s.number} ({s.initiated_by})",
            str(s.verdict),
            None,
            s.failed_step or "",
        )
        for s in judge_capture(capture_format, steps, settings).sign_ins
    ]


def run_batch(
    paths: Iterable[Path], settings: CheckSettings, progress: TextIO = sys.stderr
) -> list[Row]:
    """Every case folder (found below each path) and capture file, in order."""
    targets: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / MANIFEST).exists():
            targets += sorted(p.parent for p in path.rglob(MANIFEST))
        else:
            targets.append(path)
    rows: list[Row] = []
    live = progress.isatty()
    for number, target in enumerate(targets, start=1):
        found = _case_row(target) if target.is_dir() else _capture_rows(target, settings)
        rows += [found] if isinstance(found, Row) else found
        line = f"[{number}/{len(targets)}] {target.name}"
        progress.write(f"\r{line:<70}" if live else f"{line}\n")
        progress.flush()
    if live:
        progress.write("\n")
    return rows


def summary_table(rows: list[Row]) -> str:
    width = max([len(r.name) for r in rows] + [4])
    lines = [
        f"{'case':<{width}}  verdict  stored   detail",
        f"{'-' * width}  -------  -------  ------",
    ]
    for row in rows:
        flag = "  REGRESSION" if row.regressed else ""
        lines.append(
            f"{row.name:<{width}}  {row.verdict:<7}  {row.stored or '-':<7}  "
            f"{row.detail[:100]}{flag}"
        )
        lines += [f"    {change}" for change in row.changes]
    works = sum(1 for r in rows if r.verdict == Verdict.WORKS)
    regressions = sum(1 for r in rows if r.regressed)
    lines.append("")
    lines.append(
        f"{len(rows)} rows: {works} works, {len(rows) - works} fails or errors, "
        f"{regressions} regression(s)"
    )
    return "\n".join(lines)
