"""Shared fixtures. Redis: the server at ``$REDIS_URL`` (default redis://127.0.0.1:6379/0);
where none answers, a throwaway ``redis-server`` on a free loopback port; where no binary is
installed either, the Redis tests are skipped with the reason, except under ``CI=true``,
where a missing Redis is a failure. Redis Cluster: one local cluster of three primaries on
loopback ports for the whole session, started by the first test that asks for it (skipped,
or failed under ``CI=true``, where ``redis-server`` or ``redis-cli`` is missing)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from ratekeeper.testing import RedisServer, find_redis, redis_cluster


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


@pytest.fixture(scope="session")
def redis_cluster_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    """ONE local Redis Cluster of three primaries (loopback ports, nothing saved) shared by
    every test of the session. Tests use a unique key prefix and clear it."""
    if RedisServer.binary() is None or not (shutil.which("redis-cli") or shutil.which("valkey-cli")):
        missing(
            "the Redis Cluster tests start a local cluster and need redis-server and redis-cli "
            "(or valkey-server and valkey-cli) on PATH"
        )
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as nodes:
        yield nodes


@pytest.fixture(scope="session")
def redis_cluster_url(redis_cluster_nodes: list[RedisServer]) -> str:
    """``redis+cluster://`` URL of the session's cluster (seeded by its first node: the
    client discovers the others)."""
    return f"redis+cluster://127.0.0.1:{redis_cluster_nodes[0].port}/0"
