"""axe-core (Deque's accessibility engine, the copy bundled by the axe-playwright-python
wheel) run in a Playwright page: the violations it finds, and which ones count."""

from __future__ import annotations

from importlib import resources
from typing import Any

from playwright.sync_api import Page

AXE_SCRIPT = (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")
BLOCKING = frozenset({"critical", "serious"})
"""The impacts a page must not have."""


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every WCAG A/AA and best-practice
    rule axe runs by default)."""
    page.evaluate(AXE_SCRIPT)
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def blocking(found: list[dict[str, Any]]) -> list[str]:
    """The critical and serious violations, one line each: rule, impact, help, where."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v["impact"] in BLOCKING
    ]


def describe(found: list[dict[str, Any]]) -> list[str]:
    """Every violation, one line each (for a report)."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])}] "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in found
    ]
