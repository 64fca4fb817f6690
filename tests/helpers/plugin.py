"""The pytest.ini of the projects the plugin tests make with pytester."""

from __future__ import annotations

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""
