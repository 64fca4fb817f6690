"""Exceptions for misuse and infrastructure. Validation outcomes are findings, never these.

SpSimError
 ├── ConfigError     a settings file, flag or certificate cannot be used (CLI exit 2)
 └── InputError      a file named on the command line cannot be read (CLI exit 2)
"""

from __future__ import annotations


class SpSimError(Exception):
    """Base of every sp-sim exception."""


class ConfigError(SpSimError):
    """Settings that cannot be used; the message names the file and key."""


class InputError(SpSimError):
    """An input named by the user cannot be read."""
