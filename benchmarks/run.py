"""Run one benchmark by name: `python benchmarks/run.py engine|load [args]` (tox -e bench)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = sorted(p.stem for p in HERE.glob("*.py") if p.stem != "run")

if __name__ == "__main__":
    name, *rest = sys.argv[1:] or ["engine"]
    if name not in NAMES:
        sys.exit(f"benchmarks: unknown benchmark {name!r}; one of {', '.join(NAMES)}")
    sys.argv = [str(HERE / f"{name}.py"), *rest]
    runpy.run_path(sys.argv[0], run_name="__main__")
