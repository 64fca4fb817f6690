"""Colour for the support commands' text (`evidence`, `doctor`, `case run`, `case batch`):
their words are fixed — FAIL, FAILS, REGRESSION, WARN, UNKNOWN, WORKS, PASS, SKIP, a fix
line — so the text is painted after it is written, the same way for every command.
`check` paints its report as it writes it (`sp_sim.render.text`), in the same colours."""

from __future__ import annotations

import re

from sp_sim.render.findings import paint
from sp_sim.render.verdict import Verdict

__all__ = ["colourise"]

_WORDS = {
    "REGRESSION": "41;97;1",  # the one thing a reader must not miss: white on red
    "FAIL": "31;1",
    Verdict.FAILS.heading: "31;1",
    "WARN": "33;1",
    Verdict.UNKNOWN.heading: "35;1",
    Verdict.WORKS.heading: "32;1",
    "PASS": "32",
    "SKIP": "2",
}
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b")
_FIX = re.compile(r"^(\s*)(fix\b.*)$")


def _line(line: str) -> str:
    fix = _FIX.match(line)
    if fix:
        return fix.group(1) + paint(fix.group(2), "36", colour=True)
    return _WORD.sub(lambda m: paint(m.group(1), _WORDS[m.group(1)], colour=True), line)


def colourise(text: str) -> str:
    """`text` with its verdict words and fix lines in ANSI colour."""
    return "\n".join(_line(line) for line in text.split("\n"))
