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


# Tests that spend real time: several processes or real servers sharing a budget over real
# windows, measured by what the mock venue or the store saw. They test timing and scheduling,
# which do not depend on the Python version, and take most of the suite's time, so the matrix
# (noxfile.py) runs them on one interpreter and the rest of the suite on every one
# (``-m "not realtime"``). Listed here, by module and test name, rather than decorated one by
# one; ``test_realtime_list_names_real_tests`` keeps the list from naming tests that are gone.
REALTIME: frozenset[str] = frozenset(
    {
        "test_e2e_mock.py::*",
        "test_e2e_proxies.py::*",
        "test_examples.py::*",
        "test_gateway_e2e.py::*",
        "test_docs_snippets.py::test_runnable_snippet",
        "test_store_loss.py::test_four_processes_never_double_a_budget_when_the_store_loses_it",
        "test_store_loss.py::test_a_failover_to_a_replica_that_missed_the_last_writes_is_a_loss",
        "test_store_loss.py::test_redis_restarted_or_flushed_mid_window_never_doubles_a_budget",
        "test_store_loss.py::test_a_store_behind_one_address_that_fails_over_finds_the_loss",
        "test_store_multiprocess.py::test_four_processes_share_one_budget_exactly_fully_and_fairly",
        "test_store_multiprocess.py::test_workers_killed_mid_write_leave_no_lock_and_no_damage",
        "test_adapter_ccxt.py::test_processes_running_ccxt_share_one_budget",
        "test_store_faults.py::test_latency_never_puts_a_window_over_its_limit",
        "test_store_faults.py::test_a_frozen_redis_fails_calls_within_the_bound_and_serves_again_after",
        "test_store_faults.py::test_a_blackhole_raises_within_the_bound_then_service_returns",
        "test_store_faults.py::test_a_blackhole_raises_within_the_bound_for_asyncio_too",
        "test_store_faults.py::test_drops_through_limiters_never_put_a_window_over_its_limit",
        "test_proxies.py::test_concurrent_routing_spreads_the_load_and_never_overspends_a_proxy",
    }
)


def realtime_key(item: pytest.Item) -> tuple[str, str]:
    """``(module file name, test function name)`` of a collected test."""
    function = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    return item.path.name, function


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "realtime: spends real time with several processes or servers (run on one Python in the matrix)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module, function = realtime_key(item)
        if f"{module}::*" in REALTIME or f"{module}::{function}" in REALTIME:
            item.add_marker(pytest.mark.realtime)
