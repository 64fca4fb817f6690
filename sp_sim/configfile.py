"""Reading a settings file: TOML in, a validated pydantic model out, or one `ConfigError`
line naming the file and the key (with the nearest key when one is misspelt).

Used by the tenant file and the fake IdP's file alike: one reader, one error wording.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sp_sim.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)
_MAX_DEPTH = 32
_UNKNOWN = {"extra_forbidden", "unexpected_keyword_argument"}


def config_key(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as the TOML key path: `profiles[0].issuer_url`."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _depth(value: Any, limit: int = _MAX_DEPTH) -> int:
    """How deeply tables and arrays nest (stops counting past `limit`)."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            return level
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


def _fields_of(kind: Any) -> dict[str, Any]:
    """Field name → type of a pydantic model or a (pydantic-validated) dataclass."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {name: f.annotation for name, f in kind.model_fields.items()}
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        return {f.name: hints.get(f.name) for f in dataclasses.fields(kind)}
    return {}


def _table_type(annotation: Any) -> Any:
    """The model behind `list[X]`, `X | None` or `X` itself."""
    for inner in (annotation, *typing.get_args(annotation)):
        if _fields_of(inner):
            return inner
    return None


def _allowed_keys(model: type[BaseModel], location: tuple[int | str, ...]) -> list[str]:
    """The keys accepted in the table that holds `location`'s last key."""
    current: Any = model
    for part in location[:-1]:
        if isinstance(part, str):
            current = _table_type(_fields_of(current).get(part))
    return list(_fields_of(current))


def describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    """One validation error as `key: what is wrong`, suggesting the nearest key for a typo."""
    location = tuple(error["loc"])
    if error["type"] in _UNKNOWN and location and isinstance(location[-1], str):
        near = difflib.get_close_matches(location[-1], _allowed_keys(model, location), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        return f"{config_key(location)}: unknown key{hint}"
    if error["type"] == "missing" and location:
        return f"{config_key(location)}: required key missing"
    return f"{config_key(location)}: {error['msg']}"


def validate(data: dict[str, Any], model: type[Model], source: Path) -> Model:
    """Validate parsed TOML; a ConfigError names the source and the first bad key. A
    misspelt table (`[acount]`) is named as unknown, not only as the missing `account`."""
    if _depth(data) > _MAX_DEPTH:
        raise ConfigError(f"{source}: nested more than {_MAX_DEPTH} levels deep")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        unknown = [e for e in errors if e["type"] in _UNKNOWN]
        raise ConfigError(f"{source}: {describe((unknown or errors)[0], model)}") from None


def read_toml(path: Path, model: type[Model]) -> Model:
    """Read and validate a TOML settings file. Raises ConfigError naming the file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None
    return validate(data, model, path)
