#!/usr/bin/env python3
"""Set up sp-sim on a fresh machine and run it: the README's quick start.

    python3 dev.py serve     the main job: simulator + fake Entra ID on the demo tenant
    python3 dev.py test      the whole test suite (extra arguments go to pytest)
    python3 dev.py lint      ruff, and mypy (strict on sp_sim/, relaxed on tests/)
    python3 dev.py bench engine|load [args]   the benchmarks (they print figures)
    python3 dev.py fuzz [EXAMPLES]            the long fuzz run of the engine (default 20000)
    python3 dev.py sp-sim …  any sp-sim command inside the project's environment

It needs nothing but Python 3.11+. dev.py only bootstraps: it makes `.venv/` beside this
file with sp-sim and tox in it (again only when pyproject.toml changed) and installs the
Debian packages a job needs (chromium for the browser tests, xmlsec1 for pysaml2 in the
engine benchmark). tox (tox.ini) is the one runner of test, lint, types, fuzz and bench.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".sp-sim-installed"


def _requirements_digest() -> str:
    inputs = (ROOT / "pyproject.toml").read_bytes() + (ROOT / "tox.ini").read_bytes()
    return hashlib.sha256(inputs).hexdigest()


def ensure_environment() -> None:
    """Create the virtual environment with sp-sim (for serve and sp-sim) and tox in it."""
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv/", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("dev.py: installing sp-sim and tox into .venv/", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test,lint]", "tox>=4.11"], check=True)
    STAMP.write_text(digest)


def ensure_debian_package(command: str, package: str, why: str) -> None:
    """Install a Debian package the tests or benchmarks need, when its command is missing."""
    if shutil.which(command):
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        sys.exit(f"dev.py: {why} need Debian's {package}: apt-get install {package} (as root)")
    print(f"dev.py: installing Debian's {package} for {why}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)


def run(argv: list[str], **env: str) -> int:
    """Run a command in the foreground and pass its exit status on. A Ctrl-C reaches the
    command as well as dev.py (one process group): the command stops itself and says so
    (sp-sim: one line, 130; a server once serving: quietly, 0), so dev.py only waits for it
    rather than killing it mid-shutdown. Killed by a signal: 128 + its number, as a shell."""
    with subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}) as process:
        while process.returncode is None:
            try:
                process.wait()
            except KeyboardInterrupt:
                continue
    code = process.returncode
    return 128 - code if code < 0 else code


def tox(*args: str, **env: str) -> int:
    """Run tox environments from .venv (the one runner)."""
    return run([str(BIN / "python"), "-m", "tox", "-q", *args], **env)


def main(args: list[str]) -> int:
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    ensure_environment()
    if command == "serve":
        return run([str(BIN / "sp-sim"), "serve", *rest])
    if command == "sp-sim":
        return run([str(BIN / "sp-sim"), *rest])
    if command == "test":
        ensure_debian_package("chromium", "chromium", "the browser tests")
        ensure_debian_package("redis-server", "redis-server", "the shared-store tests")
        ensure_debian_package("haproxy", "haproxy", "the load-balancer and proxy tests")
        ensure_debian_package("curl", "curl", "the HTTP API tests (a non-Python client)")
        return tox("-e", "test", "--", *rest)
    if command == "lint":
        return tox("-e", "lint,types")
    if command == "fuzz":
        return tox("-e", "fuzz", SP_SIM_FUZZ_EXAMPLES=rest[0] if rest else "20000")
    if command == "bench" and rest and rest[0] in {"engine", "load"}:
        ensure_debian_package("xmlsec1", "xmlsec1", "pysaml2 in the engine benchmark")
        return tox("-e", "bench", "--", *rest)
    print(f"dev.py: unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("dev.py: interrupted", file=sys.stderr)
        sys.exit(130)
