"""A case re-run against its stored report: every sign-in's verdict and failing codes, the
doctor's failing predictions and the case verdict, each compared with what `report.json`
holds. A case is the same as stored only when all of them are; otherwise every difference
is one `Change`, naming the sign-in (number, time, user) and what changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sp_sim.support.timeline import SignIn

REPORT = "report.json"


@dataclass(frozen=True)
class Outcome:
    """What one sign-in came to: its verdict and failing codes (an Entra error's AADSTS
    code counts as one), with its time and user for naming it."""

    number: int
    verdict: str
    codes: frozenset[str]
    at: str | None
    user: str | None


@dataclass(frozen=True)
class Change:
    """One difference from the stored report."""

    where: str
    what: str

    def line(self) -> str:
        return f"REGRESSION {self.where}: {self.what}"


def stored_report(folder: Path) -> dict[str, Any] | None:
    """The case's stored report, or None when it is missing or unreadable."""
    try:
        document = json.loads((folder / REPORT).read_text())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and "verdict" in document else None


def _outcome(sign_in: dict[str, Any]) -> Outcome:
    report = sign_in.get("report") or {}
    codes = {str(f["code"]) for f in report.get("findings", []) if f.get("status") == "fail"}
    error = sign_in.get("idp_error") or {}
    if error.get("aadsts"):
        codes.add(str(error["aadsts"]))
    steps = [sign_in.get(k) or {} for k in ("response", "idp_error", "request")]
    return Outcome(
        number=int(sign_in.get("sign_in", 0)),
        verdict=str(sign_in.get("verdict")),
        codes=frozenset(codes),
        at=next((str(s["at"]) for s in steps if s.get("at")), None),
        user=report.get("user"),
    )


def outcomes(document: dict[str, Any]) -> list[Outcome]:
    """Each sign-in's outcome in a case report (stored, or a re-run's `to_dict()`)."""
    evidence = document.get("evidence") or {}
    return [_outcome(s) for s in evidence.get("sign_ins", []) if isinstance(s, dict)]


def _doctor_failures(document: dict[str, Any]) -> frozenset[str]:
    return frozenset(
        str(f["code"]) for f in document.get("doctor", []) if f.get("status") == "fail"
    )


def _gained_lost(before: frozenset[str], after: frozenset[str]) -> list[str]:
    said = []
    if after - before:
        said.append("codes gained " + ", ".join(sorted(after - before)))
    if before - after:
        said.append("codes lost " + ", ".join(sorted(before - after)))
    return said


def _name(outcome: Outcome, user: str | None) -> str:
    return (
        f"sign-in {outcome.number} ({outcome.at or 'time unknown'}, "
        f"{user or outcome.user or 'user unknown'})"
    )


def _sign_in_changes(
    stored: list[Outcome], now: list[Outcome], users: dict[int, str | None]
) -> list[Change]:
    changes = []
    for before, after in zip(stored, now, strict=False):
        said = (
            []
            if before.verdict == after.verdict
            else [f"verdict {before.verdict} → {after.verdict}"]
        )
        said += _gained_lost(before.codes, after.codes)
        if said:
            changes.append(Change(_name(after, users.get(after.number)), "; ".join(said)))
    for gone in stored[len(now) :]:
        changes.append(Change(_name(gone, None), f"stored ({gone.verdict}), not in the re-run"))
    for new in now[len(stored) :]:
        changes.append(Change(_name(new, users.get(new.number)), f"not stored, now {new.verdict}"))
    return changes


def compare(
    stored: dict[str, Any], rerun: dict[str, Any], sign_ins: Sequence[SignIn]
) -> list[Change]:
    """Every difference between the stored report and a re-run's (`CaseResult.to_dict()`);
    `sign_ins` are the re-run's, for naming each sign-in's user even when it fails."""
    users = {s.number: s.report.user if s.report else None for s in sign_ins}
    changes = _sign_in_changes(outcomes(stored), outcomes(rerun), users)
    doctor = _gained_lost(_doctor_failures(stored), _doctor_failures(rerun))
    if doctor:
        changes.append(Change("doctor", "; ".join(doctor)))
    if str(stored.get("verdict")) != str(rerun.get("verdict")):
        changes.append(Change("case verdict", f"{stored.get('verdict')} → {rerun.get('verdict')}"))
    return changes


def same_line(rerun: dict[str, Any]) -> str:
    """What is printed when nothing changed."""
    count = len(outcomes(rerun))
    return (
        f"same as stored: {count} sign-in(s), their verdicts and failing codes, the "
        f"doctor's predictions and the case verdict ({rerun.get('verdict')})"
    )
