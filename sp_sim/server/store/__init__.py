"""The simulator's state stores: one interface (`base.Store`), kept in this process
(`memory`, the default) or shared by several instances in Redis (`redis`).

`open_store` picks one from `--store`: `memory`, or `redis://host:port/db`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sp_sim.server.store.base import (
    Attempt,
    Captured,
    Claim,
    Known,
    Refusal,
    SentRequest,
    Session,
    Store,
    StoreFull,
    StoreUnavailable,
    Via,
)
from sp_sim.server.store.memory import ExpiringStore, MemoryStore

__all__ = [
    "Attempt",
    "Captured",
    "Claim",
    "ExpiringStore",
    "Known",
    "MemoryStore",
    "Refusal",
    "SentRequest",
    "Session",
    "Store",
    "StoreFull",
    "StoreUnavailable",
    "Via",
    "open_store",
    "store_url",
]


def store_url(value: str) -> str:
    """`value` if it names a store (`memory`, `redis://host[:port][/db]`, `rediss://...`);
    raises ValueError with the reason otherwise (for `--store`)."""
    if value == "memory":
        return value
    parts = urlsplit(value)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ValueError(f"{value!r}: give memory or redis://host:port/db")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r}: the port must be 0-65535") from None
    del port
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise ValueError(f"{value!r}: the database must be a number (redis://host:port/0)")
    return value


def open_store(
    url: str,
    clock: Callable[[], datetime],
    *,
    request_ttl: timedelta,
    replay_ttl: timedelta,
    session_ttl: timedelta,
    limit: int,
) -> Store:
    """The store `url` names (see `store_url`)."""
    ttls = {"request_ttl": request_ttl, "replay_ttl": replay_ttl, "session_ttl": session_ttl}
    if url == "memory":
        return MemoryStore(clock, limit=limit, **ttls)
    from sp_sim.server.store.redis import RedisStore  # noqa: PLC0415 (redis-py when asked)

    return RedisStore(url, clock, **ttls)
