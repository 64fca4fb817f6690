"""Real parts for the deployment tests: a redis-server (Debian's, installed by
`dev.py test`) on a free loopback port in its own directory, stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.redis import RedisServer, free_port


@pytest.fixture(scope="session")
def deploy_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
