"""The finding-code catalogue: every code is described and exercised by some test, and
the public API is what `__all__` says."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

import sp_sim
import sp_sim.core
from sp_sim.core import CheckSettings, Status, check_response
from sp_sim.core.codes import DESCRIPTIONS, Code
from tests.helpers import NOW

TESTS = Path(__file__).resolve().parent.parent
# Every `<check>.skipped` code the engine reports when nothing can be read, by name: a new
# skip code must be added here (or exercised elsewhere) for the catalogue test to pass.
SKIPPED_WHEN_NOTHING_IS_READ = {
    "endpoint.skipped",
    "xml.skipped",
    "status.skipped",
    "signature.skipped",
    "certificate.skipped",
    "destination.skipped",
    "issuer.skipped",
    "audience.skipped",
    "time.skipped",
    "subject.skipped",
    "recipient.skipped",
    "replay.skipped",
    "authn.skipped",
    "nameid.skipped",
    "profile.skipped",
}


def _test_sources() -> str:
    here = Path(__file__).resolve()
    cases = [*TESTS.rglob("test_*.py"), *(TESTS / "helpers").glob("*.py")]  # rows live there
    return "\n".join(p.read_text() for p in cases if p != here)


def test_every_code_is_described() -> None:
    assert set(DESCRIPTIONS) == set(Code)


def test_codes_are_check_dot_outcome() -> None:
    for code in Code:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9-]+", code.value), code


@pytest.mark.parametrize("code", list(Code), ids=[c.value for c in Code])
def test_every_code_has_a_test_case(code: Code) -> None:
    sources = _test_sources()
    # a skip code named above is asserted by test_skip_codes_are_reported_when_nothing_can_be_read
    named = (
        f'"{code.value}"' in sources
        or f"Code.{code.name}" in sources
        or code.value in SKIPPED_WHEN_NOTHING_IS_READ
    )
    assert named, f"no test names {code.value}"


def test_skip_codes_are_reported_when_nothing_can_be_read() -> None:
    report = check_response(b"", CheckSettings(), NOW)
    assert report.codes() == {"transport.empty"} | SKIPPED_WHEN_NOTHING_IS_READ
    assert report.codes(Status.SKIPPED) == SKIPPED_WHEN_NOTHING_IS_READ


@pytest.mark.parametrize("module", [sp_sim, sp_sim.core])
def test_all_lists_exactly_the_public_names(module: ModuleType) -> None:
    """`__all__` is exactly what the module offers: the public names it holds now, and the
    ones its PEP 562 `__getattr__` loads on first use (sp_sim: nothing heavy at import)."""
    exported = set(module.__all__)
    public = {n for n in vars(module) if not n.startswith("_")} - {"annotations"}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    lazy = set(getattr(module, "_SOURCES", {}))
    assert exported == (public - submodules) | lazy
    assert exported <= set(dir(module))
    for name in exported:  # each resolves, to the object of the module it comes from
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = module.no_such_name


def test_the_readme_lists_every_code() -> None:
    readme = (TESTS.parent / "README.md").read_text()
    missing = [code.value for code in Code if f"`{code.value}`" not in readme]
    assert not missing
