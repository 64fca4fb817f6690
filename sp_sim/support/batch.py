"""Batch: many cases, or every sign-in of a large capture, with a progress display and a
summary table. With `check`, a case whose sign-ins (verdicts and failing codes), doctor
predictions or verdict differ from its stored report is a regression — so a folder of
cases runs as a regression suite in CI."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from sp_sim.core.settings import CheckSettings
from sp_sim.errors import SpSimError
from sp_sim.render.findings import paint
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


def natural_key(path: Path) -> list[tuple[int, str]]:
    """Sorts case-2 before case-10: runs of digits compare as numbers."""
    parts = re.split(r"(\d+)", str(path).lower())
    return [(1, "") if not p else ((0, p.zfill(20)) if p.isdigit() else (1, p)) for p in parts]


@dataclass(frozen=True)
class Targets:
    """What a batch runs, in natural order, and the folders it skips (no case inside)."""

    runs: tuple[tuple[Path, str], ...]
    """(case folder or capture file, the name its rows carry)."""
    skipped: tuple[Path, ...] = ()


def _walk(folder: Path, root: Path, cases: list[tuple[Path, str]], skipped: list[Path]) -> bool:
    """Collect the cases at or below `folder`; True when there is one."""
    if (folder / MANIFEST).exists():
        cases.append((folder, str(folder.relative_to(root)) if folder != root else folder.name))
        return True
    found = False
    children = sorted((c for c in folder.iterdir() if c.is_dir()), key=natural_key)
    for child in children:
        if child.name.startswith("."):
            continue
        if _walk(child, root, cases, skipped):
            found = True
        else:
            skipped.append(child)
    return found


def find_targets(paths: Iterable[Path]) -> Targets:
    """Every case folder found below each path (in natural order) and each capture file."""
    runs: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            if not _walk(path, path, runs, skipped) and path not in skipped:
                skipped.append(path)
        else:
            runs.append((path, path.name))
    return Targets(tuple(runs), tuple(dict.fromkeys(skipped)))


@dataclass(frozen=True)
class Batch:
    """A batch's rows; `interrupted` when Ctrl-C stopped it after `done` of `total`."""

    rows: tuple[Row, ...]
    skipped: tuple[Path, ...] = ()
    done: int = 0
    total: int = 0

    @property
    def interrupted(self) -> bool:
        return self.done < self.total


def run_batch(
    paths: Iterable[Path], settings: CheckSettings, progress: TextIO = sys.stderr
) -> Batch:
    """Every case folder (found below each path) and capture file, in natural order. Ctrl-C
    stops it between cases: the rows so far are kept (`Batch.interrupted`)."""
    targets = find_targets(paths)
    rows: list[Row] = []
    live, total, done = progress.isatty(), len(targets.runs), 0
    try:
        for done, (target, name) in enumerate(targets.runs, start=1):
            line = f"[{done}/{total}] {name}"
            progress.write(f"\r{line:<70}" if live else f"{line}\n")
            progress.flush()
            if target.is_dir():
                rows.append(replace(_case_row(target), name=name))
            else:
                rows += _capture_rows(target, settings)
    except KeyboardInterrupt:
        done -= 1  # the one under way did not finish
    finally:
        if live:
            progress.write("\n")
    return Batch(tuple(rows), targets.skipped, done, total)


def _problems(rows: Sequence[Row]) -> list[str]:
    """Regressions first, then failing rows: what a reader must see before the table."""
    lines: list[str] = []
    regressed = [r for r in rows if r.regressed]
    if regressed:
        lines.append(f"{len(regressed)} REGRESSION(s):")
        for row in regressed:
            lines.append(f"  {row.name}: REGRESSION {row.stored or '-'} → {row.verdict}")
            lines += [f"    {change}" for change in row.changes]
    failing = [r.name for r in rows if r.verdict in (Verdict.FAILS, ERROR) and not r.regressed]
    if failing:
        lines.append(f"{len(failing)} FAIL(s) or error(s): {', '.join(failing)}")
    return [*lines, ""] if lines else []


_VERDICT_COLOUR: dict[str, str] = {
    Verdict.WORKS: "32;1",
    Verdict.FAILS: "31;1",
    Verdict.UNKNOWN: "35;1",
}


def _verdict_cell(verdict: str, colour: bool) -> str:
    cell = f"{verdict:<7}"
    return paint(cell, _VERDICT_COLOUR.get(verdict, "31;1"), colour) if colour else cell


def summary_table(batch: Batch | Sequence[Row], *, colour: bool = False) -> str:
    """The problems first, then one line per row, the skipped folders and the totals."""
    if not isinstance(batch, Batch):
        batch = Batch(tuple(batch), done=len(batch), total=len(batch))
    rows = batch.rows
    width = max([len(r.name) for r in rows] + [4])
    lines = [
        *_problems(rows),
        f"{'case':<{width}}  verdict  stored   detail",
        f"{'-' * width}  -------  -------  ------",
    ]
    for row in rows:
        flag = "  REGRESSION" if row.regressed else ""
        lines.append(
            f"{row.name:<{width}}  {_verdict_cell(row.verdict, colour)}  {row.stored or '-':<7}  "
            f"{row.detail[:100]}{flag}"
        )
    lines += [f"skipped {path}: not a case folder and holds none" for path in batch.skipped]
    works = sum(1 for r in rows if r.verdict == Verdict.WORKS)
    regressions = sum(1 for r in rows if r.regressed)
    stopped = f" (interrupted: {batch.done} of {batch.total} run)" if batch.interrupted else ""
    lines.append("")
    lines.append(
        f"{len(rows)} rows: {works} works, {len(rows) - works} fails or errors, "
        f"{regressions} regression(s){stopped}"
    )
    return "\n".join(lines)
