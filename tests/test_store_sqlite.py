"""The SQLite store: file, schema, errors that name the path, the guarded clock, threads, fork."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import ratekeeper as rk
from ratekeeper.stores import open_store
from ratekeeper.stores.sqlite import QUOTA_IDLE, SCHEMA_VERSION, SQLiteStore, _Waiters
from ratekeeper.testing import FakeClock

A = rk.Limit("a", 1, 10.0)


class SteppedClock:
    """A wall clock a test sets freely, backwards too (FakeClock only moves forward)."""

    def __init__(self, t: float) -> None:
        self.t = t

    def wall(self) -> float:
        return self.t


def test_file_directories_wal_and_schema_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.db"
    store = SQLiteStore(path)
    assert path.exists()
    store.reserve(((A, None, 1.0),), 0, None)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meta = dict(conn.execute("SELECT key, value FROM ratekeeper_meta").fetchall())
    assert meta["schema_version"] == str(SCHEMA_VERSION) and meta["created_by"].startswith("ratekeeper ")
    ((name, scope, algorithm, state, entries),) = conn.execute(
        "SELECT name, scope, algorithm, state, entries FROM ratekeeper_budgets"
    ).fetchall()
    assert (name, scope, algorithm, json.loads(state)["a"]) == ("a", "", "sliding", "sliding")
    assert len(entries) == 16  # one entry: its time and running total, two doubles
    conn.close()
    store.close()


def test_a_newer_schema_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE ratekeeper_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(rk.StoreError, match=rf"{path}.*schema version {SCHEMA_VERSION + 1}.*newer"):
        SQLiteStore(path)


def test_a_corrupt_file_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(rk.StoreError, match=rf"{path} is corrupt or not a database"):
        SQLiteStore(path)


def test_a_corrupt_row_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SQLiteStore(path)
    store.reserve(((A, None, 1.0),), 0, None)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE ratekeeper_budgets SET state = '{broken'")
    conn.commit()
    conn.close()
    with pytest.raises(rk.StoreError, match=rf"{path}.*limit 'a'.*unreadable"):
        store.reserve(((A, None, 1.0),), 0, None)
    store.close()


def test_an_unwritable_place_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(rk.StoreError, match=rf"{blocker / 'state.db'}: cannot create its directory"):
        SQLiteStore(blocker / "state.db")
    a_dir = tmp_path / "a-dir"
    a_dir.mkdir()
    with pytest.raises(rk.StoreError, match=rf"{a_dir} cannot be opened for writing"):
        SQLiteStore(a_dir)
    if os.geteuid() != 0:  # root writes through file permissions
        ro = tmp_path / "ro.db"
        SQLiteStore(ro).close()
        ro.chmod(0o444)
        with pytest.raises(rk.StoreError, match=str(ro)):
            SQLiteStore(ro).reserve(((A, None, 1.0),), 0, None)


def test_a_locked_file_is_unavailable_within_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SQLiteStore(path, busy_timeout=0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    with pytest.raises(rk.StoreUnavailable, match=rf"{path} is locked"):
        store.reserve(((A, None, 1.0),), 0, None)
    assert time.monotonic() - started < 2.0
    holder.execute("ROLLBACK")
    assert store.reserve(((A, None, 1.0),), 0, None).granted
    holder.close()
    store.close()


def test_a_small_step_back_of_the_clock_holds_time_never_admitting_early(tmp_path: Path) -> None:
    clock = SteppedClock(1_700_000_000.0)
    store = SQLiteStore(tmp_path / "s.db", clock=clock, clock_hold=2.0)
    assert store.reserve(((A, None, 1.0),), 0, None).start == clock.t
    clock.t -= 1.5  # an NTP step back
    d = store.reserve(((A, None, 1.0),), 0, None)
    assert d.now == 1_700_000_000.0 and d.start - d.now == 10.0
    clock.t += 1.5 + 10.0  # back where it was, and then the window has passed
    assert store.reserve(((A, None, 1.0),), 0, 0.0).granted is False  # the booking at +10 holds
    clock.t += 10.0
    assert store.reserve(((A, None, 1.0),), 0, 0.0).granted


def test_a_large_step_back_shifts_time_instead_of_freezing_for_hours(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SteppedClock(1_700_000_000.0)
    store = SQLiteStore(tmp_path / "s.db", clock=clock)
    store.reserve(((A, None, 1.0),), 0, None)
    clock.t -= 3600.0  # someone set the clock back an hour
    d = store.reserve(((A, None, 1.0),), 0, None)
    assert d.now == 1_700_000_000.0 and d.start - d.now == 10.0
    assert "went back 3600" in caplog.text
    clock.t += 20.0  # twenty real seconds later: both slots have passed, no hour-long freeze
    d = store.reserve(((A, None, 1.0),), 0, 0.0)
    assert d.granted and d.now == pytest.approx(1_700_000_020.0)
    # another process opening the file later sees the same shifted time
    other = SQLiteStore(tmp_path / "s.db", clock=clock)
    assert other.reserve(((A, None, 1.0),), 0, -1.0).now == pytest.approx(1_700_000_020.0)


def test_a_jump_forward_lets_windows_expire(tmp_path: Path) -> None:
    clock = SteppedClock(1_700_000_000.0)
    store = SQLiteStore(tmp_path / "s.db", clock=clock)
    day = rk.Limit("day", 5, 86400.0)
    for _ in range(5):
        store.reserve(((day, None, 1.0),), 0, None)
    assert not store.reserve(((day, None, 1.0),), 0, 0.0).granted
    clock.t += 10 * 86400.0  # a VM resumed after ten days
    assert all(store.reserve(((day, None, 1.0),), 0, 0.0).granted for _ in range(5))


def test_bookings_survive_a_restart_and_expire_with_their_window(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "s.db"
    first = SQLiteStore(path, clock=clock)
    first.reserve(((A, None, 1.0),), 0, None)
    first.reserve(((A, None, 1.0),), 0, None)  # booked at +10
    first.close()
    second = SQLiteStore(path, clock=clock)
    assert second.reserve(((A, None, 1.0),), 0, -1.0).start - clock.wall() == 20.0
    clock.advance(20.0)
    assert second.reserve(((A, None, 1.0),), 0, 0.0).granted


def test_expired_rows_are_deleted(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "s.db"
    store = SQLiteStore(path, clock=clock)
    per_ip = rk.Limit("ip", 5, 1.0, scope="ip")
    quota = rk.Limit("q", 5, 1.0, algorithm="quota", scope="address")
    for i in range(50):
        store.reserve(((per_ip, f"10.0.0.{i}", 1.0), (quota, f"0x{i}", 1.0)), 0, None)
    clock.advance(5.0)
    SQLiteStore(path, clock=clock).close()  # opening cleans up
    conn = sqlite3.connect(path)
    left = conn.execute("SELECT name, count(*) FROM ratekeeper_budgets GROUP BY name").fetchall()
    assert left == [("q", 50)]  # a cumulative quota is kept while it may be in use
    clock.advance(QUOTA_IDLE)
    SQLiteStore(path, clock=clock).close()
    assert conn.execute("SELECT count(*) FROM ratekeeper_budgets").fetchone() == (0,)  # a week unused: gone
    conn.close()


def test_a_limit_that_changed_algorithm_starts_afresh(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db", clock=FakeClock())
    store.reserve(((rk.Limit("x", 1, 10.0), None, 1.0),), 0, None)
    assert store.reserve(((rk.Limit("x", 1, 10.0, algorithm="token"), None, 1.0),), 0, 0.0).granted


def test_threads_share_the_file_through_their_own_connections(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db", clock=FakeClock())
    limit = rk.Limit("a", 300, 60.0)
    granted: list[int] = []
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            n = sum(store.reserve(((limit, None, 1.0),), 0, 0.0).granted for _ in range(100))
            granted.append(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and sum(granted) == 300


def _use_after_fork(path: str, out: multiprocessing.Queue[object]) -> None:
    store = _FORKED[0]
    try:
        d = store.reserve(((A, None, 1.0),), 0, -1.0)
        out.put(d.start - d.now)
    except BaseException as exc:  # pragma: no cover - reported by the parent
        out.put(repr(exc))


_FORKED: list[SQLiteStore] = []


def test_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "s.db"
    store = SQLiteStore(path, clock=clock)
    store.reserve(((A, None, 1.0),), 0, None)  # the parent's connection is open and used
    _FORKED[:] = [store]
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[object] = ctx.Queue()
    child = ctx.Process(target=_use_after_fork, args=(str(path), out))
    child.start()
    assert out.get(timeout=30) == 10.0  # the child saw the parent's booking
    child.join(30)
    assert child.exitcode == 0
    assert store.reserve(((A, None, 1.0),), 0, -1.0).start - clock.wall() == 10.0  # parent still fine


def _wait_announced(path: str, ready: multiprocessing.Queue[object]) -> None:
    _Waiters(Path(path)).enter()
    ready.put(os.getpid())
    time.sleep(60)


def test_waiting_processes_are_seen_and_forgotten_when_they_die(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    waiters = _Waiters(path)
    assert not waiters.others()
    ctx = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue[object] = ctx.Queue()
    child = ctx.Process(target=_wait_announced, args=(str(path), ready))
    child.start()
    ready.get(timeout=60)
    assert waiters.others()  # another process waits for the write lock: let it go first
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert not waiters.others()  # the OS dropped the dead waiter's lock
    waiters.enter()
    assert waiters.others()  # another thread of this process waits
    waiters.leave()
    assert not waiters.others()


def test_urls_and_the_limiter(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "dir" / "state.db"
    store = open_store(f"sqlite://{path}?busy_timeout=2", clock)
    assert isinstance(store, SQLiteStore) and store.path == path
    store.close()
    with pytest.raises(ValueError, match="unknown option"):
        open_store(f"sqlite://{path}?bogus=1")
    with pytest.raises(ValueError, match="memory://"):
        SQLiteStore(":memory:")
    limiter = rk.Limiter([rk.Limit("a", 1, 10.0)], store=f"sqlite://{path}", clock=clock)
    limiter.acquire({"a": 1})
    with pytest.raises(rk.RateLimited) as e:
        limiter.acquire({"a": 1}, timeout=1.0)
    assert e.value.retry_after == pytest.approx(10.0)
    limiter.close()
    with pytest.raises(rk.StoreError, match="closed"):
        limiter.store.reserve(((A, None, 1.0),), 0, None)


def test_estimate_reports_the_earliest_start_and_books_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SQLiteStore(tmp_path / "state.db", clock=clock)
    items = ((A, None, 1.0),)
    assert store.reserve(items, 0, None).granted
    d = store.estimate(items, 0)
    assert d.start - d.now == pytest.approx(10.0)
    assert d == store.estimate(items, 0) == store.reserve(items, 0, -1.0)  # nothing booked meanwhile
    assert [s.used + s.reserved for s in store.snapshot([A])] == [1.0]
    store.close()
