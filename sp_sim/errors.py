"""The exception tree (drawn in `sp_sim.core.errors`, where its base lives so that the pure
core can raise it too)."""

from __future__ import annotations

from sp_sim.core.errors import ConfigError, InputError, SpSimError

__all__ = ["ConfigError", "InputError", "SpSimError"]
