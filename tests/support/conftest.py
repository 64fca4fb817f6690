"""The support tests run the simulator like the server tests do."""

from tests.server.conftest import sp_start

__all__ = ["sp_start"]
