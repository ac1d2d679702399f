"""Shared fixtures. Redis: the server at ``$REDIS_URL`` (default redis://127.0.0.1:6379/0);
where none answers, a throwaway ``redis-server`` on a free loopback port; where no binary is
installed either, the Redis tests are skipped with the reason, except under ``CI=true``,
where a missing Redis is a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ratekeeper.testing import RedisServer, find_redis


def missing(reason: str) -> None:
    """Skip (locally) or fail (in CI) a test that needs something this machine lacks."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing Redis is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis URL that answers. Tests use a unique key prefix and clear it."""
    url = find_redis()
    if url is not None:
        yield url
        return
    if RedisServer.binary() is not None:
        with RedisServer() as server:
            yield server.url
        return
    missing(
        f"no Redis answers at REDIS_URL={os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0')} "
        "and no redis-server binary is installed to start one"
    )


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop, pause and restart (fault tests)."""
    if RedisServer.binary() is None:
        missing("fault tests need a redis-server binary they can start and stop")
    with RedisServer() as server:
        yield server
