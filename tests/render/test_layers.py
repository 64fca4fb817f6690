"""Layers point inward: the printers in `sp_sim.render` import only the pure core (and each
other), never the support tools, the servers or the fake IdP; the support tools import
render and core, never the servers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sp_sim.render as render

PACKAGE = Path(__file__).resolve().parents[2] / "sp_sim"


def _imports(path: Path) -> set[str]:
    """Every sp_sim module the file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name == "sp_sim" or name.startswith("sp_sim.")}


def _outside(layer: str, allowed: tuple[str, ...]) -> dict[str, set[str]]:
    wrong = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        bad = {m for m in _imports(path) if not m.startswith(allowed)}
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = bad
    return wrong


def test_render_imports_only_core() -> None:
    assert _outside("render", ("sp_sim.core", "sp_sim.render")) == {}


@pytest.mark.parametrize("forbidden", ["sp_sim.support", "sp_sim.server", "sp_sim.idp"])
def test_render_never_imports(forbidden: str) -> None:
    reached = {
        str(p.relative_to(PACKAGE))
        for p in (PACKAGE / "render").rglob("*.py")
        if any(m.startswith(forbidden) for m in _imports(p))
    }
    assert reached == set()


def test_support_stays_below_the_servers_and_the_fake_idp() -> None:
    allowed = ("sp_sim.core", "sp_sim.render", "sp_sim.support", "sp_sim.tenant", "sp_sim.errors")
    assert _outside("support", allowed) == {}


def test_the_check_sees_an_import() -> None:
    """The scan is not vacuous: it finds what the printers do import."""
    assert "sp_sim.core.model" in _imports(PACKAGE / "render" / "findings.py")


def test_render_exports_what_it_lists() -> None:
    public = {
        name
        for name, value in vars(render).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("sp_sim.")
    }
    assert set(render.__all__) == public
