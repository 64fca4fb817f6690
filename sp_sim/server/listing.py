"""The recent results as one list: the attempts the ACS judged and the sign-ins the mounted
IdP refused, newest first, each as a `Listed` row, and the filters `/results` and
`/api/results` take (`Filters`, from the query string).

    verdict=works|fails|refused    initiator=sp|idp    user=<part of it>    code=<part of one>

`code` matches a failing finding's code or a refusal's AADSTS code; `user` the user shown
(a failing response's NameID is shown, marked unverified). Matching ignores case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sp_sim.server.state import Attempt, Refusal, ServerState

VERDICTS = ("works", "fails", "refused")
INITIATORS = ("sp", "idp")
REFUSED = "refused by IdP"


class BadFilter(ValueError):
    """A filter value that is not one of the accepted ones; the message says which are."""


@dataclass(frozen=True)
class Listed:
    """One row of the results list, whichever kind of result it is."""

    result: Attempt | Refusal
    result_id: str
    at: datetime
    user: str
    """The user shown; `(unverified)` after a failing response's NameID; empty if none."""
    initiator: str
    """`sp`, `idp`, or empty when unknown."""
    verdict: str
    """`works`, `fails` or `refused by IdP`: never `works` for a refusal."""
    codes: tuple[str, ...]
    """The failing finding codes, or the refusal's AADSTS code."""
    region: str

    @classmethod
    def of(cls, result: Attempt | Refusal) -> Listed:
        if isinstance(result, Refusal):
            return cls(
                result,
                result.refusal_id,
                result.at,
                result.user or "",
                result.initiated_by.lower(),
                REFUSED,
                (result.code,),
                "",
            )
        report = result.report
        user = report.user or ""
        if user and not report.works:
            user = f"{user} (unverified)"
        return cls(
            result,
            result.attempt_id,
            result.at,
            user,
            (report.initiated_by or "").lower(),
            report.verdict,
            tuple(sorted({str(f.code) for f in report.failures})),
            result.region,
        )

    @property
    def verdict_key(self) -> str:
        """The verdict as the `verdict` filter names it."""
        return "refused" if self.verdict == REFUSED else self.verdict


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; every field empty: everything."""

    verdict: str = ""
    initiator: str = ""
    user: str = ""
    code: str = ""

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> Filters:
        """The filters in a query string; BadFilter for a verdict or initiator not known."""
        verdict = query.get("verdict", "").strip().lower()
        initiator = query.get("initiator", "").strip().lower()
        if verdict and verdict not in VERDICTS:
            raise BadFilter(f"verdict {verdict[:40]!r}: give one of {', '.join(VERDICTS)}")
        if initiator and initiator not in INITIATORS:
            raise BadFilter(f"initiator {initiator[:40]!r}: give sp or idp")
        user, code = query.get("user", "").strip(), query.get("code", "").strip()
        return cls(verdict, initiator, user[:200], code[:200])

    @property
    def active(self) -> bool:
        return any((self.verdict, self.initiator, self.user, self.code))

    def keeps(self, row: Listed) -> bool:
        if self.verdict and row.verdict_key != self.verdict:
            return False
        if self.initiator and row.initiator != self.initiator:
            return False
        if self.user and self.user.lower() not in row.user.lower():
            return False
        wanted = self.code.lower()
        return not wanted or any(wanted in code.lower() for code in row.codes)


def newest_first(
    attempts: Iterable[Attempt], refusals: Iterable[Refusal], filters: Filters
) -> list[Listed]:
    """Both kinds in one list, newest first, narrowed by `filters`."""
    # Each kind comes oldest first; reversed, the stable sort keeps the later of two
    # results at one instant (a test's fixed clock) first.
    rows = [Listed.of(a) for a in reversed(list(attempts))]
    rows += [Listed.of(r) for r in reversed(list(refusals))]
    rows.sort(key=lambda row: row.at, reverse=True)
    return [row for row in rows if filters.keeps(row)]


async def listed(state: ServerState, filters: Filters) -> list[Listed]:
    """The recent results in the store, narrowed by `filters`."""
    attempts = await state.store.recent_attempts()
    refusals = await state.store.recent_refusals()
    return newest_first(attempts, refusals, filters)


async def find(state: ServerState, result_id: str) -> Attempt | Refusal | None:
    """An attempt or refusal by ID: this instance's, else the shared store's."""
    found: Attempt | Refusal | None = state.attempts.get(result_id) or state.refusals.get(result_id)
    if found is None:  # recorded by another instance on the shared store
        found = await state.store.attempt(result_id) or await state.store.refusal(result_id)
    return found
