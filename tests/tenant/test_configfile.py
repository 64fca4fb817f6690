"""One reader for every settings file (sp_sim/configfile.py): errors name the file and
key, suggest the nearest key for a typo, refuse absurd nesting, and the model is built
from the file by field name, so no accepted setting is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from sp_sim.errors import ConfigError
from sp_sim.idp.config import demo_idp_path, load_idp
from sp_sim.tenant import load_tenant

DEMO = Path(__file__).resolve().parents[2] / "sp_sim" / "demo" / "tenant.toml"


def _write(tmp_path: Path, text: str, name: str = "t.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_misspelt_key_names_the_nearest(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("allow_single_sign_on", "allow_singel_sign_on", 1)
    with pytest.raises(ConfigError) as raised:
        load_tenant(_write(tmp_path, text))
    message = str(raised.value)
    assert "profiles[0].allow_singel_sign_on: unknown key" in message
    assert "did you mean 'allow_single_sign_on'?" in message


def test_a_misspelt_table_is_named_not_only_the_missing_one(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("[account]", "[acount]", 1)
    with pytest.raises(ConfigError) as raised:
        load_tenant(_write(tmp_path, text))
    assert "acount: unknown key (did you mean 'account'?)" in str(raised.value)


def test_a_misspelt_address_key_is_refused(tmp_path: Path) -> None:
    text = DEMO.read_text().replace("global_name", "globl_name", 1)
    with pytest.raises(ConfigError) as raised:
        load_tenant(_write(tmp_path, text))
    assert "did you mean 'global_name'?" in str(raised.value)


def test_deep_nesting_is_one_line(tmp_path: Path) -> None:
    deep = "x = " + "[" * 2000 + "]" * 2000 + "\n"
    with pytest.raises(ConfigError) as raised:
        load_tenant(_write(tmp_path, deep))
    assert "nested" in str(raised.value)


def test_an_unknown_user_key_in_the_idp_file_is_refused(tmp_path: Path) -> None:
    text = demo_idp_path().read_text().replace("sign_in_method", "sign_in_methd", 1)
    with pytest.raises(ConfigError) as raised:
        load_idp(_write(tmp_path, text, "idp.toml"))
    assert "did you mean 'sign_in_method'?" in str(raised.value)


def test_every_app_setting_reaches_the_model(tmp_path: Path) -> None:
    text = demo_idp_path().read_text()
    assert "confirmation_minutes = 5" in text
    text = text.replace("confirmation_minutes = 5", "confirmation_minutes = 7", 1)
    keys_dir = demo_idp_path().parent
    path = _write(tmp_path, text, "idp.toml")
    for item in keys_dir.iterdir():  # the demo's key files, relative to the file
        if item.is_file() and item.suffix in {".key", ".pem"}:
            (tmp_path / item.name).write_bytes(item.read_bytes())
    assert load_idp(path).apps[0].confirmation_minutes == 7
