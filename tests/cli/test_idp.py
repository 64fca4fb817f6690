"""`sp-sim idp`: runs alone on any port; its config file errors name the key."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from sp_sim.core import parse_idp_metadata
from sp_sim.errors import ConfigError
from sp_sim.idp.config import demo_idp_path, load_idp
from sp_sim.serving import sp_sim_process
from tests.helpers.commands import run


def test_idp_serves_on_port_zero() -> None:
    with sp_sim_process("idp", "--port", "0", "--fault", "sha1") as base:
        tenant = load_idp().tenant_id
        url = f"{base}/{tenant}/federationmetadata/2007-06/federationmetadata.xml"
        with urllib.request.urlopen(url, timeout=10) as response:
            metadata = parse_idp_metadata(response.read())
    assert metadata.entity_id == f"https://sts.windows.net/{tenant}/"


def test_list_faults() -> None:
    result = run("idp", "--list-faults")
    assert result.returncode == 0
    assert "xsw3" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["idp", "--fault", "gremlins"], "unknown fault"),
        (["idp", "--config", "missing.toml"], "cannot read"),
    ],
)
def test_unusable_idp_settings_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('id = "0d3b5c2e-8f4a-4b6e-9c1d-2a7e5f6b8c90"', 'id = "nope"'), "tenant.id"),
        (('signing = "assertion"', 'signing = "everything"'), "apps[0].signing"),
        (("faults = []", 'faults = ["gremlins"]'), "apps[0].faults"),
        (('sign_in_method = "mfa"', 'sign_in_method = "telepathy"'), "users[1].sign_in_method"),
        (('key_file = "demo-idp-signing.key"', 'key_file = "gone.key"'), "keys[0]"),
    ],
)
def test_invalid_idp_file_names_the_key(change: tuple[str, str], key: str, tmp_path: Path) -> None:
    text = demo_idp_path().read_text()
    assert change[0] in text
    path = tmp_path / "idp.toml"
    for name in ("demo-idp-signing.key", "demo-idp-signing.pem"):
        (tmp_path / name).write_bytes((demo_idp_path().parent / name).read_bytes())
    path.write_text(text.replace(change[0], change[1]))
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_idp(path)


def test_no_keys_generates_one(tmp_path: Path) -> None:
    text = demo_idp_path().read_text()
    text = re.sub(r"\[\[keys\]\]\nkey_file = .*\ncertificate_file = .*\n", "", text)
    path = tmp_path / "idp.toml"
    path.write_text(text)
    assert len(load_idp(path).signing_keys) == 1


def test_a_busy_port_is_a_clear_usage_error() -> None:
    with sp_sim_process("idp", "--port", "0") as base:
        port = base.rsplit(":", 1)[1]
        for command in ("serve", "idp"):
            result = run(command, "--port", port)
            assert result.returncode == 2
            assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
