"""Budgets shared by the processes of one host through a SQLite file: ``sqlite:///abs/path.db``.

Each operation is one ``BEGIN IMMEDIATE`` transaction over every key of the request: the
write lock serialises the processes, so a reservation over several limits is atomic. The
file runs in WAL mode with a busy timeout. Each (limit, scope value) is one row: its state
as JSON (``state_to_dict``), except a sliding window's entries, which are packed doubles in
a BLOB (JSON costs a millisecond per thousand entries, in every transaction). The Python
core decides, exactly as it does for the memory store.

Leases of concurrent limits are rows of their own (``ratekeeper_leases``: one per holder,
with its units and expiry); a lease call is one transaction like the others, deciding with
the same Python core.

The clock is the host's wall clock, shared by its processes and kept from going backwards:
the last time seen is stored with the budgets, a small step back holds time there (never
admitting early), a large one shifts the store's time so that nothing freezes, and a jump
forward simply lets windows expire.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import sqlite3
import sys
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from .. import __version__
from .. import _algorithms as algo
from .._errors import StoreError, StoreUnavailable
from .._limits import Limit, Observation
from ._base import (
    QUOTA_IDLE,
    Freed,
    Item,
    KeySnapshot,
    LeaseResult,
    Listeners,
    WallClock,
    freed_by,
    limit_from_json,
    limit_to_json,
)
from ._wake import HostWake

__all__ = ["QUOTA_IDLE", "SCHEMA_VERSION", "SQLiteStore"]

log = logging.getLogger("ratekeeper.stores.sqlite")

SCHEMA_VERSION = 2
"""The layout this module writes; a file with a newer one is refused, never rewritten.
Version 2 added the table of leases (``ratekeeper_leases``); a version 1 file is upgraded
in place when first opened (the table is added; nothing else changes)."""

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds to wait for another process's write lock before reporting the store unavailable
(a transaction holds it for well under a millisecond)."""

DEFAULT_CLOCK_HOLD = 2.0
"""A step back of the wall clock up to this many seconds holds the store's time still until
the clock catches up; a larger one shifts the store's time instead (see :class:`SQLiteStore`)."""

_FIRST_PAUSE = 0.0001
_LAST_PAUSE = 0.0002
"""Bounds of the random pause between two tries for the write lock (seconds)."""
# pauses before opening again a file that reads as damaged while it may be being deleted and
# created again (SQLiteStore._connect, _run): about 0.15 s in all, then the error stands
_REOPEN_PAUSES = (0.005, 0.01, 0.02, 0.04, 0.08)

_CLEANUP_EVERY = 1024
"""Write transactions (per connection) between deletions of expired rows."""

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ratekeeper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # the store's clock: the last time handed out, and the shift applied to the wall clock
    "CREATE TABLE IF NOT EXISTS ratekeeper_clock ("
    " id INTEGER PRIMARY KEY CHECK (id = 0), last REAL NOT NULL, shift REAL NOT NULL)",
    # one row per (limit, scope value); scope '' is an unscoped limit; entries: a sliding
    # window's times then running totals, little-endian doubles; expires: when it may go
    "CREATE TABLE IF NOT EXISTS ratekeeper_budgets ("
    " name TEXT NOT NULL, scope TEXT NOT NULL, algorithm TEXT NOT NULL, state TEXT NOT NULL, entries BLOB,"
    " expires REAL, PRIMARY KEY (name, scope)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ratekeeper_budgets_expires ON ratekeeper_budgets (expires)",
    # the definitions of the limits budgets were kept for (``known_limits``: ``ratekeeper status``)
    "CREATE TABLE IF NOT EXISTS ratekeeper_limits (name TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID",
    # (schema 2) the leases of concurrent limits: one row per holder, live while expires > now
    "CREATE TABLE IF NOT EXISTS ratekeeper_leases ("
    " name TEXT NOT NULL, scope TEXT NOT NULL, holder TEXT NOT NULL, units REAL NOT NULL, expires REAL NOT NULL,"
    " PRIMARY KEY (name, scope, holder)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ratekeeper_leases_expires ON ratekeeper_leases (expires)",
    # fair shares of busy budgets between the store objects spending them (_algorithms.Shares):
    # one row per budget, JSON {k, level, got, waited, began, busy}; older versions never read it
    "CREATE TABLE IF NOT EXISTS ratekeeper_shares ("
    " name TEXT NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL, expires REAL NOT NULL,"
    " PRIMARY KEY (name, scope)) WITHOUT ROWID",
)

_LOSSES = {
    "lost": "the file was deleted while processes spent it",
    "copy": "the file was replaced by a copy, which may miss the last writes",
}
"""What each cause of a loss means, for the warning."""

_ORPHANS: list[sqlite3.Connection] = []
"""Connections inherited across fork: never used or closed in the child (SQLite forbids
carrying a connection across fork, and closing it there could disturb the parent's)."""

T = TypeVar("T")

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: waiters are not announced
    fcntl = None  # type: ignore[assignment]


class _Waiters:
    """Who waits for a file's write lock. Each process waiting holds a shared lock on a side
    file (``<db>-rkwait``) while it waits, so a process about to take the write lock can tell
    with one system call whether it should let a waiter go first. SQLite's lock is no queue:
    without this, a process that never has to wait keeps taking it while the others sleep
    between their tries. The OS drops the lock of a process that dies."""

    def __init__(self, path: Path) -> None:
        self.path = f"{path}-rkwait"
        self._lock = threading.Lock()
        self._fd = -1
        self._pid = 0
        self._count = 0  # threads of this process waiting

    def _open(self) -> int:
        if self._pid != os.getpid():
            if self._fd >= 0:
                os.close(self._fd)  # inherited: this process holds no lock through it
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid, self._count = os.getpid(), 0
        return self._fd

    def enter(self) -> None:
        with self._lock:
            if self._count == 0:
                fcntl.lockf(self._open(), fcntl.LOCK_SH)
            self._count += 1

    def leave(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0:
                fcntl.lockf(self._open(), fcntl.LOCK_UN)

    def others(self) -> bool:
        """Whether a process (or another thread of this one) waits for the write lock."""
        with self._lock:
            if self._count:
                return True
            fd = self._open()
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.lockf(fd, fcntl.LOCK_UN)
            return False


def _is_busy(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return "locked" in msg or "busy" in msg


LoadShares = Callable[[Sequence[int]], list[algo.Shares]]
"""Loads the fair shares of the items at the given indexes (a budget named twice: one)."""


def _reserve(
    states: Sequence[algo.State],
    items: Sequence[Item],
    now: float,
    priority: int,
    max_wait: float | None,
    shares: LoadShares | None = None,
    client: str = "",
    again: bool = False,
) -> tuple[algo.Decision, bool]:
    """What a Limiter does with a MemoryStore, on loaded states: every item admitted now (or
    none), else the earliest common start, booked all or nothing. A negative ``max_wait``
    only reports the start. Also says whether a refused decision left a trace worth saving
    (a take undone, as the memory store keeps it). A granted request is counted in the fair
    shares of its busy budgets (``shares``: loads them; ``client``: this store's id), the
    time it waited on the budget that set its start only. The steps of
    ``reserve.lua``: before anything is booked, a client over its fair share of a busy budget
    may be deferred (:func:`ratekeeper._algorithms.fair_check`), unless the request was
    deferred before (``again``); a deferral saves no budget.

    No decision is made here: ``take_now``/``untake`` (all or nothing, the limiter's fast
    path), :func:`ratekeeper._algorithms.fair_check` and :func:`ratekeeper._algorithms.decide`
    make it; this only runs them in turn."""
    undone = False
    deferrable = not again and algo.may_defer(priority, max_wait)

    def fair(fitted: bool) -> tuple[algo.Decision | None, list[tuple[algo.Shares, float, int]]]:
        if shares is None:
            return None, []
        busy = [
            i
            for i, (limit, _, amount) in enumerate(items)
            if algo.Shares.applies(limit)
            and (not fitted or algo.fair_used(states[i], now, limit) >= algo.FAIR_BUSY * limit.capacity)
        ]
        if not busy:
            return None, []
        loaded = shares(busy)
        entries = [(sh, items[i][0], items[i][2], i) for sh, i in zip(loaded, busy, strict=True)]
        return algo.fair_check(entries, client, deferrable, now, max_wait), [(e[0], e[2], e[3]) for e in entries]

    if max_wait is None or max_wait >= 0:
        taken: list[tuple[algo.State, Limit, float]] = []
        for st, (limit, _, amount) in zip(states, items, strict=True):
            if not st.take_now(now, amount, limit.capacity_for(priority), limit, 0.0):
                for prev, lim, amt in reversed(taken):
                    prev.untake(now, amt, lim, 0.0)
                undone = bool(taken)
                break
            taken.append((st, limit, amount))
        else:
            deferral, counted = fair(True)
            if deferral is not None:
                return deferral, False  # (the states are not saved: the takes are dropped)
            for sh, cost, _ in counted:
                sh.count(client, cost, now, now)
            return algo.Decision(now, now, True, 0, (now,) * len(items)), True
        deferral, counted = fair(False)
        if deferral is not None:
            return deferral, False
    else:
        counted = []
    d = algo.decide(states, [it[0] for it in items], [it[2] for it in items], now, priority, max_wait, 0.0)
    if d.granted:
        for sh, cost, index in counted:  # the wait counts on the budget that set the start
            sh.count(client, cost, now, d.start if index == d.binding else now)
    return d, d.granted or undone


def _encode(st: algo.State) -> tuple[str, bytes | None]:
    """A state as its row: JSON, and a sliding window's entries as packed doubles (kept with
    the expired prefix and ``head`` exactly as in memory, so totals rebase at the same moments)."""
    if isinstance(st, algo.SlidingState):
        packed = array("d", st.times)
        packed.extend(st.cums)
        if sys.byteorder != "little":
            packed.byteswap()
        blocked = None if st.blocked_until == -math.inf else st.blocked_until
        return json.dumps({"a": "sliding", "h": st.head, "b": blocked}, separators=(",", ":")), packed.tobytes()
    return json.dumps(algo.state_to_dict(st), separators=(",", ":")), None


def _decode(state: str, entries: bytes | None) -> algo.State:
    d = json.loads(state)
    if d["a"] != "sliding" or "t" in d:  # ("t": entries as JSON lists, the first layout)
        return algo.state_from_dict(d)
    packed = array("d")
    packed.frombytes(entries or b"")
    if sys.byteorder != "little":
        packed.byteswap()
    n = len(packed) // 2
    st = algo.SlidingState()
    st.times, st.cums, st.head = packed[:n].tolist(), packed[n:].tolist(), int(d["h"])
    st.blocked_until = -math.inf if d["b"] is None else float(d["b"])
    return st


def _identity(path: str | Path) -> str:
    """The file at ``path`` as the file system knows it ('' if there is none): a file deleted
    and created again, or replaced by a copy, is another file."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_dev}:{st.st_ino}"


def _companions(path: str | Path) -> str:
    """The identities of the file's WAL and shared-memory index (``-wal``, ``-shm``). While a
    connection is open SQLite never deletes them, so one that changed was deleted by someone
    else: the connection would go on writing a WAL nobody reads (and another process would
    pair the new file with whichever WAL it found), so it must be opened again."""
    return f"{_identity(f'{path}-wal')}|{_identity(f'{path}-shm')}"


def _unreadable(exc: BaseException) -> bool:
    """An error of a file that is not (or no longer) what it was: a WAL paired with another
    file, a header half written. Under a file being deleted and created again, it passes."""
    msg = str(exc).lower()
    return "not a database" in msg or "malformed" in msg or "disk i/o" in msg or "corrupt" in msg


def _damaged(exc: BaseException) -> bool:
    """Of the :func:`_unreadable` errors, those that say the file's pages are gone or wrong
    (moving it aside is then the only way on): not a database, malformed, or a read that
    came back short (its pages were in a WAL deleted under it). Another I/O error (a disk
    failing, a full disk) is not one: it stands as the error it is."""
    msg = str(exc).lower()
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        return True
    name = getattr(exc, "sqlite_errorname", None)  # Python 3.11+: the extended result code
    if name is not None:
        return bool(name == "SQLITE_IOERR_SHORT_READ")
    return "disk i/o" in msg  # Python 3.10 tells no more than the message


def _resync_key(limit: Limit, scope: str | None) -> str:
    return f"r:{limit.name}\x1f{scope or ''}"


def _expires(st: algo.State, limit: Limit, now: float) -> float:
    """The store time after which the row may go: ``st`` holds nothing by then."""
    if isinstance(st, algo.QuotaState):
        return now + QUOTA_IDLE
    horizon = st.blocked_until
    if isinstance(st, algo.SlidingState):
        if st.times:
            horizon = max(horizon, st.times[-1] + limit.period)
    elif isinstance(st, algo.FixedState):
        if st.windows:
            horizon = max(horizon, (max(st.windows) + 1) * limit.period + limit.offset)
    else:
        horizon = max(horizon, st.tat)
    return horizon if horizon > -math.inf else 0.0


class SQLiteStore:
    """A budget store in a SQLite file, shared by every process and thread on one host.

    ``path``: the file (created with its directories). ``clock``: anything with ``wall()``
    (default: ``time.time``); ``ratekeeper.testing.FakeClock`` makes tests deterministic.
    ``busy_timeout``: seconds to wait for the write lock before raising
    :class:`~ratekeeper.StoreUnavailable`. ``clock_hold``: see the module docstring.

    Each thread (and each process after a fork) gets its own connection.
    """

    local = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: WallClock | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock_hold: float = DEFAULT_CLOCK_HOLD,
    ) -> None:
        text = os.fspath(path)
        if not text or text == ":memory:" or text.startswith("file::memory:"):
            raise ValueError("an in-memory SQLite database is private to one connection: use 'memory://' instead")
        self.path = Path(text).expanduser().absolute()
        self._file = str(self.path)
        self._wall: Callable[[], float] = clock.wall if clock is not None else time.time
        self._busy_timeout = float(busy_timeout)
        self._clock_hold = float(clock_hold)
        self._tl = threading.local()
        self._waiters = _Waiters(self.path) if fcntl is not None else None
        self._recorded: dict[str, Limit] = {}  # definitions written to ratekeeper_limits
        self._conns: list[tuple[int, sqlite3.Connection]] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._listeners = Listeners()
        self._wake = HostWake(self.path)
        self._known = ""  # the generation of the file's state this store spends (_generation)
        self._lost: float | None = None
        self._client = uuid.uuid4().hex[:12]  # this store object's id in fair shares
        self._connection()  # create the file and check its schema now: errors surface at once

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- connections ----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        mine: tuple[int, sqlite3.Connection, list[int], str, str] | None = getattr(self._tl, "conn", None)
        if mine is not None and mine[0] == pid:
            if _identity(self._file) == mine[3] and _companions(self._file) == mine[4]:
                return mine[1]
            # the file was deleted or replaced under this connection: what it holds now is
            # another file (see _generation), which this connection would never see
            self._drop(mine[1])
        elif mine is not None:
            _ORPHANS.append(mine[1])  # inherited from the parent process: leave it alone
        if self._closed:
            raise StoreError(f"SQLite store {self.path} is closed")
        conn = self._connect()
        self._tl.conn = (pid, conn, [0], _identity(self.path), _companions(self.path))
        with self._conns_lock:
            self._conns.append((pid, conn))
        return conn

    def _drop(self, conn: sqlite3.Connection) -> None:
        with self._conns_lock:
            self._conns = [(p, c) for p, c in self._conns if c is not conn]
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        """A new connection, with the schema checked. A file that reads as damaged is tried
        again for a moment: another process may be creating it, or pairing it with a WAL that
        is being deleted with the file it belonged to (:func:`_unreadable`)."""
        damaged, error = "", BaseException()
        for pause in _REOPEN_PAUSES:
            try:
                return self._open()
            except StoreUnavailable:
                raise
            except StoreError as exc:
                if not _unreadable(exc.__cause__ or exc):
                    raise
                log.debug("SQLite store %s: opening it again in %.3f s (%s)", self.path, pause, exc)
                damaged, error = _identity(self.path), exc
                time.sleep(pause)
        self._set_aside(damaged, error)
        return self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"SQLite store {self.path}: cannot create its directory: {exc}") from exc
        self._clear_orphans()
        try:
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        # the journal mode may need the lock briefly: it waits for it as transactions do
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            mode = self._busy_retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
            try:
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
            if str(mode).lower() != "wal":
                log.warning(
                    "SQLite store %s runs in %s mode, not WAL", self.path, mode, extra={"store": str(self.path)}
                )
            self._transaction(conn, self._init_schema)
        except BaseException:
            conn.close()
            raise
        return conn

    def _clear_orphans(self) -> None:
        """Remove the WAL and index of a deleted file before opening the file there now.

        A file in WAL mode is never empty (switching to WAL writes its header before the WAL
        and index exist), so an empty or missing file beside a WAL or index (looked at first)
        means the file was deleted and they were left behind (``rm state.db``, or a deletion
        of the three files caught half way).
        Opened together, SQLite would read the old file's pages from that WAL into the new
        one (a disk I/O error at best). The processes still holding the old file find their
        WAL gone on their next call and open the new file too (:func:`_companions`)."""
        companions = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        if not any(c.exists() for c in companions):  # looked at before the file: see above
            return
        try:
            if self.path.stat().st_size:
                return
        except FileNotFoundError:
            pass
        except OSError:
            return
        for companion in companions:
            with contextlib.suppress(OSError):
                companion.unlink()
        log.warning(
            "SQLite store %s: removed the WAL and index its deleted file left behind",
            self.path,
            extra={"store": str(self.path)},
        )

    def _set_aside(self, damaged: str, exc: BaseException) -> None:
        """Move a file that stays damaged aside (``<name>.damaged-<time>``), so that a new one
        takes its place; its state is lost, and taken as such (every budget full for a
        period). ``damaged``: the identity of the file found damaged, moved only if it is
        still the one there (another process may have replaced it already), is a SQLite file
        (any other file is a wrong path) and ``exc`` says its pages are gone or wrong
        (:func:`_damaged`); otherwise the error stands."""
        if not damaged or _identity(self.path) != damaged or not _damaged(exc.__cause__ or exc):
            return
        try:
            with open(self.path, "rb") as f:
                if f.read(16) != b"SQLite format 3\x00":
                    return  # not a SQLite file at all (a wrong path?): the error stands
        except OSError:
            return
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.time():.3f}")
        try:
            os.replace(self.path, aside)
        except OSError as err:
            log.error("SQLite store %s reads as damaged (%s) and cannot be moved aside: %s", self.path, exc, err)
            return
        if not self._known:
            self._known = "damaged"  # the next transaction records the loss for every process
        log.error(
            "SQLite store %s read as damaged (%s): moved to %s; a new file takes its place, and its state "
            "counts as lost (every budget taken as full for a period)",
            self.path,
            exc,
            aside.name,
            extra={"store": str(self.path), "moved_to": str(aside)},
        )

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        for statement in _SCHEMA:
            conn.execute(statement)
        if "entries" not in {row[1] for row in conn.execute("PRAGMA table_info(ratekeeper_budgets)")}:
            # a file from before sliding entries were packed: its rows are JSON throughout
            conn.execute("ALTER TABLE ratekeeper_budgets ADD COLUMN entries BLOB")
        row = conn.execute("SELECT value FROM ratekeeper_meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.executemany(
                "INSERT INTO ratekeeper_meta (key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("created_by", f"ratekeeper {__version__}")],
            )
        else:
            try:
                version = int(row[0])
            except ValueError:
                raise StoreError(
                    f"SQLite store {self.path}: unreadable schema version {row[0]!r}; is this a ratekeeper store?"
                ) from None
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"SQLite store {self.path} has schema version {version}, written by a newer ratekeeper; "
                    f"this one reads version {SCHEMA_VERSION}. Upgrade ratekeeper, or point it at another file."
                )
            if version < SCHEMA_VERSION:
                # 1 -> 2: the leases table, created above; nothing else changed
                conn.execute(
                    "UPDATE ratekeeper_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )
                log.info(
                    "SQLite store %s upgraded from schema version %d to %d",
                    self.path,
                    version,
                    SCHEMA_VERSION,
                    extra={"store": str(self.path)},
                )
        conn.execute("INSERT OR IGNORE INTO ratekeeper_clock (id, last, shift) VALUES (0, 0.0, 0.0)")
        conn.execute("DELETE FROM ratekeeper_budgets WHERE expires < ?", (self._wall() - 1.0,))
        conn.execute("DELETE FROM ratekeeper_leases WHERE expires < ?", (self._wall() - 1.0,))

    def _error(self, exc: BaseException) -> StoreError:
        msg = str(exc).lower()
        if _is_busy(exc):
            return StoreUnavailable(
                f"SQLite store {self.path} is locked: another process held it for more than "
                f"{self._busy_timeout:g} s ({exc})"
            )
        if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
            return StoreError(f"SQLite store {self.path} is corrupt or not a database ({exc}); move it aside")
        if "readonly" in msg or "read-only" in msg or "unable to open" in msg or "disk i/o" in msg:
            return StoreError(f"SQLite store {self.path} cannot be opened for writing ({exc})")
        return StoreError(f"SQLite store {self.path} failed: {type(exc).__name__}: {exc}")

    def _transaction(self, conn: sqlite3.Connection, body: Callable[[sqlite3.Connection], T], write: bool = True) -> T:
        """Run ``body`` in one transaction, trying again while another process holds the
        write lock (:meth:`_busy_retry`)."""

        def attempt() -> T:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                self._tl.learned = None
                out = body(conn)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            if self._tl.learned is not None:
                self._learn(*self._tl.learned)
            return out

        return self._busy_retry(attempt, write)

    def _busy_retry(self, attempt: Callable[[], T], write: bool = True) -> T:
        """Run ``attempt``; while another process holds the lock it needs, try again after a
        short random pause, until ``busy_timeout``.

        SQLite's own busy handler backs off to 100 ms sleeps while the holder, whose
        transactions take a fraction of a millisecond, takes the lock again and again: with
        several busy processes one of them would get nearly everything, and a process opening
        the file (switching it to WAL needs the lock too) could wait past any timeout. Here
        waiters try again after short random pauses and announce that they wait
        (:class:`_Waiters`); a process about to write while others wait lets one of them go
        first."""
        waiters = self._waiters if write else None
        if waiters is not None and waiters.others():
            time.sleep(random.uniform(_FIRST_PAUSE, 2 * _LAST_PAUSE))
        deadline = 0.0
        pause = _FIRST_PAUSE
        try:
            while True:
                try:
                    return attempt()
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc):
                        raise self._error(exc) from exc
                    now = time.monotonic()
                    if not deadline:
                        deadline = now + self._busy_timeout
                        if waiters is not None:
                            waiters.enter()
                    elif now >= deadline:
                        raise self._error(exc) from exc
                    time.sleep(random.uniform(0.0, pause))
                    pause = min(pause * 1.5, _LAST_PAUSE)
                except sqlite3.Error as exc:
                    raise self._error(exc) from exc
        finally:
            if deadline and waiters is not None:
                waiters.leave()

    def _run(self, body: Callable[[sqlite3.Connection], T], write: bool = True) -> T:
        damaged, error = "", BaseException()
        for pause in _REOPEN_PAUSES:
            conn = self._connection()
            try:
                return self._transaction(conn, body, write)
            except StoreUnavailable:
                raise
            except StoreError as exc:
                if not _unreadable(exc.__cause__ or exc):
                    raise
                # the file or its WAL is being deleted under this connection: the transaction
                # was rolled back; open the file there is now and run it again (the generation
                # check finds the loss). A file that stays damaged is moved aside after the last pause.
                log.debug("SQLite store %s read as damaged (%s): opening it again", self.path, exc)
                damaged, error = _identity(self.path), exc
                self._drop(conn)
                self._tl.conn = None
                time.sleep(pause)
        self._set_aside(damaged, error)
        return self._transaction(self._connection(), body, write)

    # -- the clock --------------------------------------------------------------------------

    def _now(self, conn: sqlite3.Connection, write: bool = True) -> float:
        """The store's time: the wall clock plus a shift, never less than the last time."""
        row = conn.execute("SELECT last, shift FROM ratekeeper_clock WHERE id = 0").fetchone()
        last, stored_shift = float(row[0]), float(row[1])
        wall = self._wall()
        shift = stored_shift
        now = wall + shift
        if shift and wall >= last:
            now, shift = wall, 0.0  # the wall clock alone is past the store's time again
        elif now < last:
            gap = last - now
            if gap > self._clock_hold:
                shift += gap
                log.warning(
                    "the wall clock went back %.3f s; SQLite store %s keeps its own time %.3f s ahead of it",
                    gap,
                    self.path,
                    shift,
                    extra={"store": str(self.path), "clock_shift": shift},
                )
            now = last
        if write and (now != last or shift != stored_shift):
            conn.execute("UPDATE ratekeeper_clock SET last = ?, shift = ? WHERE id = 0", (now, shift))
        return now

    # -- lost state -------------------------------------------------------------------------

    @property
    def lost_at(self) -> float | None:
        """The store time at which this file's state was last found lost (the file deleted
        while processes ran, or replaced by an older copy), or None. Every budget is taken as
        full from then until what the venue counted before has left its window, or the
        venue's own count replaces it (``docs/stores.md``)."""
        return self._lost

    def _generation(self, conn: sqlite3.Connection, now: float) -> float | None:
        """Whether the file's state is the one this store has been spending (the twin of the
        Redis store's generation.lua): a generation id in ``ratekeeper_meta``, with the
        file's identity. Returns the store time of the loss the budgets are filled for."""
        meta = dict(
            conn.execute(
                "SELECT key, value FROM ratekeeper_meta WHERE key IN ('generation', 'born', 'lost', 'file', 'clear')"
            ).fetchall()
        )
        gen, lost = meta.get("generation"), meta.get("lost")
        ident = self._tl.conn[3]
        why = ""
        if gen is None:
            # nothing here: a file never used, unless this store held a generation, gone with the old file
            why = "new" if not self._known else "lost"
        elif meta.get("file") not in (ident, None):
            why = "copy"  # a copy of another file (a backup put back): it may miss the last writes
        elif gen != self._known:
            if self._known and "clear" not in meta and lost is None:
                # begun by a process that knew nothing, after the state vanished: the loss dates from then
                lost = meta.get("born", repr(now))
                conn.execute("INSERT OR REPLACE INTO ratekeeper_meta (key, value) VALUES ('lost', ?)", (lost,))
                why = "gone"
            elif self._known and lost is not None:
                why = "gone"
        if why in ("new", "lost", "copy"):
            gen = f"{os.getpid()}.{id(self):x}.{now!r}"
            conn.execute("DELETE FROM ratekeeper_meta WHERE key IN ('generation', 'born', 'lost', 'file', 'clear')")
            conn.execute("DELETE FROM ratekeeper_meta WHERE key LIKE 'r:%'")
            rows = [("generation", gen), ("born", repr(now)), ("file", ident)]
            lost = None if why == "new" else repr(now)
            if lost is not None:
                rows.append(("lost", lost))
            conn.executemany("INSERT INTO ratekeeper_meta (key, value) VALUES (?, ?)", rows)
        elif meta.get("file") is None:
            conn.execute("INSERT OR REPLACE INTO ratekeeper_meta (key, value) VALUES ('file', ?)", (ident,))
        at = None if lost is None else float(lost)
        if gen != self._known or at != self._lost:
            self._tl.learned = (gen, at, why)  # taken in once the transaction commits
        return at

    def _learn(self, gen: str, lost: float | None, why: str) -> None:
        if lost is not None and lost != self._lost:
            log.warning(
                "SQLite store %s lost its state (%s) at %.3f: every budget is taken as full until what the venue "
                "counted before has left its window, or the venue's own count replaces it",
                self.path,
                _LOSSES.get(why, "found by another process"),
                lost,
                extra={"store": str(self.path), "lost_at": lost, "cause": why},
            )
        self._known, self._lost = gen, lost

    def _resynced(self, conn: sqlite3.Connection, limit: Limit, scope: str | None) -> bool:
        key = _resync_key(limit, scope)
        return conn.execute("SELECT 1 FROM ratekeeper_meta WHERE key = ?", (key,)).fetchone() is not None

    def _fill(
        self, conn: sqlite3.Connection, st: algo.State, limit: Limit, scope: str | None, now: float, lost: float | None
    ) -> bool:
        """Take a budget loaded after a loss as full (``_algorithms.fill``) unless the venue's
        count has replaced its fill; whether it changed."""
        if lost is None or algo.fill_until(limit, lost) <= now or self._resynced(conn, limit, scope):
            return False
        return algo.fill(st, now, limit, lost)

    # -- rows -----------------------------------------------------------------------------

    def _load(self, conn: sqlite3.Connection, limit: Limit, scope: str | None) -> algo.State | None:
        row = conn.execute(
            "SELECT algorithm, state, entries FROM ratekeeper_budgets WHERE name = ? AND scope = ?",
            (limit.name, scope or ""),
        ).fetchone()
        if row is None or row[0] != limit.algorithm:
            return None  # a limit whose algorithm changed starts afresh
        try:
            return _decode(row[1], row[2])
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"SQLite store {self.path}: the state of limit {limit.name!r} (scope {scope!r}) is unreadable: {exc}"
            ) from exc

    def _states(
        self, conn: sqlite3.Connection, items: Sequence[Item], now: float, lost: float | None
    ) -> list[algo.State]:
        """One state per item; items naming the same budget share one state. After a loss of
        state, each is taken as full (``_fill``)."""
        seen: dict[tuple[str, str | None], algo.State] = {}
        out = []
        for limit, scope, _ in items:
            st = seen.get((limit.name, scope))
            if st is None:
                st = seen[(limit.name, scope)] = self._load(conn, limit, scope) or algo.new_state(limit)
                self._fill(conn, st, limit, scope, now, lost)
            out.append(st)
        return out

    def _save(self, conn: sqlite3.Connection, items: Sequence[Item], states: Sequence[algo.State], now: float) -> None:
        rows = {}
        for (limit, scope, _), st in zip(items, states, strict=True):
            rows[(limit.name, scope or "")] = (limit.algorithm, *_encode(st), _expires(st, limit, now))
        conn.executemany(
            "INSERT OR REPLACE INTO ratekeeper_budgets (name, scope, algorithm, state, entries, expires)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(name, scope, *row) for (name, scope), row in rows.items()],
        )
        self._record(conn, [limit for limit, _, _ in items], now)

    def _record(self, conn: sqlite3.Connection, limits: Sequence[Limit], now: float) -> None:
        """Write the definitions of limits not recorded yet; now and then delete expired rows."""
        recorded = self._recorded
        new = [limit for limit in limits if recorded.get(limit.name) is not limit]
        if new:
            conn.executemany(
                "INSERT OR REPLACE INTO ratekeeper_limits (name, definition) VALUES (?, ?)",
                [(limit.name, limit_to_json(limit)) for limit in new],
            )
            recorded.update((limit.name, limit) for limit in new)
        counter: list[int] = self._tl.conn[2]
        counter[0] += 1
        if counter[0] % _CLEANUP_EVERY == 0:
            conn.execute("DELETE FROM ratekeeper_budgets WHERE expires < ?", (now - 1.0,))
            conn.execute("DELETE FROM ratekeeper_leases WHERE expires < ?", (now - 1.0,))
            conn.execute("DELETE FROM ratekeeper_shares WHERE expires < ?", (now - 1.0,))

    # -- the store protocol ---------------------------------------------------------------

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        return self._reserve_with(items, priority, max_wait, False)

    def reserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        """``reserve`` for a request this store deferred before (over its fair share of a
        busy budget): never deferred a second time."""
        return self._reserve_with(items, priority, max_wait, True)

    def _reserve_with(self, items: Sequence[Item], priority: int, max_wait: float | None, again: bool) -> algo.Decision:
        def body(conn: sqlite3.Connection) -> algo.Decision:
            now = self._now(conn)
            states = self._states(conn, items, now, self._generation(conn, now))
            loaded: dict[tuple[str, str | None], algo.Shares] = {}

            def shares(indexes: Sequence[int]) -> list[algo.Shares]:
                out = []
                for i in indexes:
                    limit, scope, _ = items[i]
                    sh = loaded.get((limit.name, scope))
                    if sh is None:
                        sh = loaded[(limit.name, scope)] = self._load_shares(conn, limit, scope)
                    out.append(sh)
                return out

            d, changed = _reserve(states, items, now, priority, max_wait, shares, self._client, again)
            if changed:
                self._save(conn, items, states, now)
            if loaded:
                self._save_shares(conn, items, loaded, now)
            return d

        return self._run(body)

    def _load_shares(self, conn: sqlite3.Connection, limit: Limit, scope: str | None) -> algo.Shares:
        row = conn.execute(
            "SELECT state FROM ratekeeper_shares WHERE name = ? AND scope = ?", (limit.name, scope or "")
        ).fetchone()
        sh = algo.Shares()
        if row is not None:
            try:
                data = json.loads(row[0])
                sh.index, sh.level = data["k"], float(data["level"])
                sh.got, sh.waited, sh.busy = dict(data["got"]), dict(data["waited"]), dict(data.get("busy", {}))
                sh.began = float(data.get("began", -math.inf))
            except (ValueError, KeyError, TypeError):
                log.warning("SQLite store %s: unreadable fair shares of %r; counted afresh", self.path, limit.name)
                sh = algo.Shares()
        return sh

    def _save_shares(
        self,
        conn: sqlite3.Connection,
        items: Sequence[Item],
        loaded: dict[tuple[str, str | None], algo.Shares],
        now: float,
    ) -> None:
        periods = {(limit.name, scope): limit.period for limit, scope, _ in items}
        conn.executemany(
            "INSERT OR REPLACE INTO ratekeeper_shares (name, scope, state, expires) VALUES (?, ?, ?, ?)",
            [
                (
                    name,
                    scope or "",
                    json.dumps(
                        {
                            "k": sh.index,
                            "level": sh.level,
                            "got": sh.got,
                            "waited": sh.waited,
                            "began": sh.began,
                            "busy": sh.busy,
                        }
                    ),
                    now + 2 * periods[(name, scope)] + 1.0,
                )
                for (name, scope), sh in loaded.items()
            ],
        )

    def estimate(self, items: Sequence[Item], priority: int) -> algo.Decision:
        """The earliest start for ``items`` at ``priority``, booking nothing (a reservation
        with a negative ``max_wait``: report only)."""
        return self.reserve(items, priority, -1.0)

    def subscribe(self, callback: Callable[[Freed], None]) -> Callable[[], None]:
        """Call ``callback`` with the budgets ``(limit name, scope)`` whose room a refund
        freed: at once for refunds through this store object, and for refunds by other
        processes of this host through a unix datagram socket (a thread blocked on it,
        started with the first subscriber). Returns the function that unsubscribes."""
        remove = self._listeners.add(callback)
        self._wake.listen(self._listeners.notify)
        return remove

    def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        """Move a booking earlier in one transaction (see :func:`ratekeeper._algorithms.rebook`)."""

        def body(conn: sqlite3.Connection) -> algo.Decision:
            now = self._now(conn)
            states = self._states(conn, items, now, self._generation(conn, now))
            d = algo.rebook(states, [it[0] for it in items], [it[2] for it in items], now, priority, placed, 0.0, later)
            if d.granted:
                self._save(conn, items, states, now)
            return d

        return self._run(body)

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._refund(items, placed)
        freed = freed_by(items)
        if self._listeners:
            self._wake.listen(self._listeners.notify)  # a forked child with waiters binds its own
            self._listeners.notify(freed)
        self._wake.announce(freed)

    def _refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        def body(conn: sqlite3.Connection) -> None:
            now = self._now(conn)
            lost = self._generation(conn, now)
            seen: dict[tuple[str, str | None], algo.State | None] = {}
            changed: list[tuple[Item, algo.State]] = []
            for item, at in zip(items, placed, strict=True):
                limit, scope, amount = item
                key = (limit.name, scope)
                if key not in seen:
                    st = self._load(conn, limit, scope)
                    if st is None and lost is not None:
                        st = algo.new_state(limit)
                        if not self._fill(conn, st, limit, scope, now, lost):
                            st = None
                    elif st is not None:
                        self._fill(conn, st, limit, scope, now, lost)
                    seen[key] = st
                st = seen[key]
                if st is not None:  # nothing stored: nothing to give back
                    algo.refund(st, now, at, amount, limit, 0.0)
                    changed.append((item, st))
            if changed:
                self._save(conn, [c[0] for c in changed], [c[1] for c in changed], now)

        self._run(body)

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        if limit.algorithm == "concurrent":
            return  # held units are known exactly: nothing a server says changes them

        def body(conn: sqlite3.Connection) -> None:
            now = self._now(conn)
            lost = self._generation(conn, now)
            st = self._load(conn, limit, scope) or algo.new_state(limit)
            self._fill(conn, st, limit, scope, now, lost)
            counted = observation.used is not None or observation.remaining is not None
            if lost is not None and counted and not self._resynced(conn, limit, scope):
                resynced = algo.unfill(st, now, limit, lost)  # the venue's count, not the fill, from now on
                if resynced:
                    conn.execute(
                        "INSERT INTO ratekeeper_meta (key, value) VALUES (?, '1')", (_resync_key(limit, scope),)
                    )
            algo.observe(st, now, limit, observation, 0.0)
            self._save(conn, [(limit, scope, 0.0)], [st], now)

        self._run(body)

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        wanted = {limit.name: limit for limit in limits}

        def body(conn: sqlite3.Connection) -> list[KeySnapshot]:
            now = self._now(conn, write=False)
            row = conn.execute("SELECT value FROM ratekeeper_meta WHERE key = 'lost'").fetchone()
            lost = None if row is None else float(row[0])
            marks = ",".join("?" * len(wanted))
            rows = conn.execute(
                f"SELECT name, scope, algorithm, state, entries FROM ratekeeper_budgets WHERE name IN ({marks})",
                list(wanted),
            ).fetchall()
            out = []
            for name, scope, algorithm, state, entries in rows:
                limit = wanted[name]
                if algorithm != limit.algorithm:
                    continue
                st = _decode(state, entries)
                self._fill(conn, st, limit, None if limit.scope is None else scope, now, lost)
                used, reserved, next_free = algo.snapshot(st, now, limit, 0.0)
                sc = None if limit.scope is None else scope
                cap = st.cap if isinstance(st, algo.QuotaState) else None
                out.append(KeySnapshot(limit, sc, used, reserved, next_free, max(0.0, st.blocked_until - now), cap))
            leased = [name for name, limit in wanted.items() if limit.algorithm == "concurrent"]
            if leased:
                marks = ",".join("?" * len(leased))
                for name, scope, held, first in conn.execute(
                    "SELECT name, scope, SUM(units), MIN(expires) FROM ratekeeper_leases"
                    f" WHERE name IN ({marks}) AND expires > ? GROUP BY name, scope",
                    [*leased, now],
                ):
                    limit = wanted[name]
                    sc = None if limit.scope is None else scope
                    out.append(KeySnapshot(limit, sc, float(held), 0.0, max(0.0, float(first) - now), 0.0))
            return out

        if not wanted:
            return []
        return self._run(body, write=False)

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`ratekeeper.stores.Store.lease`: one transaction, on the store's clock."""
        amount, seconds = algo.check_lease(limit, holder, units, ttl)
        key = (limit.name, scope or "")

        def body(conn: sqlite3.Connection) -> LeaseResult:
            now = self._now(conn)
            st = algo.LeaseState()
            for h, u, expires in conn.execute(
                "SELECT holder, units, expires FROM ratekeeper_leases WHERE name = ? AND scope = ?", key
            ):
                st.holders[h] = (float(u), float(expires))
            lost = self._generation(conn, now)
            if lost is not None and algo.lease_fill(st, now, lost, seconds, limit.capacity):
                conn.execute(
                    "INSERT INTO ratekeeper_leases (name, scope, holder, units, expires) VALUES (?, ?, ?, ?, ?)",
                    (*key, algo.LOST_HOLDER, *st.holders[algo.LOST_HOLDER]),
                )
            if algo.lease_expire(st, now):
                conn.execute("DELETE FROM ratekeeper_leases WHERE name = ? AND scope = ? AND expires <= ?", (*key, now))
            granted, held, retry_after = algo.lease(st, now, holder, amount, seconds, limit.capacity)
            if granted:
                if amount == 0:
                    conn.execute(
                        "DELETE FROM ratekeeper_leases WHERE name = ? AND scope = ? AND holder = ?", (*key, holder)
                    )
                else:
                    conn.execute(
                        "INSERT OR REPLACE INTO ratekeeper_leases (name, scope, holder, units, expires)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (*key, holder, amount, st.holders[holder][1]),
                    )
                    self._record(conn, [limit], now)
            return LeaseResult(granted, held, retry_after)

        return self._run(body)

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`ratekeeper.stores.Store.leases`."""
        algo.check_concurrent(limit)

        def body(conn: sqlite3.Connection) -> dict[str, tuple[float, float]]:
            now = self._now(conn, write=False)
            rows = conn.execute(
                "SELECT holder, units, expires FROM ratekeeper_leases WHERE name = ? AND scope = ? AND expires > ?",
                (limit.name, scope or "", now),
            )
            return {h: (float(u), float(expires) - now) for h, u, expires in rows}

        return self._run(body, write=False)

    def known_limits(self) -> list[Limit]:
        """The limits this file holds budgets for, as the programs that spend them defined
        them (the latest definition of each name): what ``ratekeeper status`` shows."""

        def body(conn: sqlite3.Connection) -> list[Limit]:
            out = []
            for name, definition in conn.execute("SELECT name, definition FROM ratekeeper_limits ORDER BY name"):
                try:
                    out.append(limit_from_json(definition))
                except (ValueError, TypeError) as exc:
                    log.warning("SQLite store %s: unreadable definition of limit %r: %s", self.path, name, exc)
            return out

        return self._run(body, write=False)

    def clear(self) -> None:
        """Forget every budget, lease and limit definition (tests, resets); the schema and the clock stay."""

        def body(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM ratekeeper_budgets")
            conn.execute("DELETE FROM ratekeeper_leases")
            conn.execute("DELETE FROM ratekeeper_shares")
            conn.execute("DELETE FROM ratekeeper_limits")
            # a deliberate reset, not a loss: the processes sharing the file start afresh too
            gen = f"{os.getpid()}.{id(self):x}.clear.{self._now(conn)!r}"
            conn.execute("DELETE FROM ratekeeper_meta WHERE key IN ('generation', 'born', 'lost', 'clear')")
            conn.execute("DELETE FROM ratekeeper_meta WHERE key LIKE 'r:%'")
            conn.executemany(
                "INSERT OR REPLACE INTO ratekeeper_meta (key, value) VALUES (?, ?)",
                [("generation", gen), ("clear", "1"), ("file", self._tl.conn[3])],
            )
            self._tl.learned = (gen, None, "cleared")

        self._run(body)
        self._recorded.clear()

    def close(self) -> None:
        """Close this process's connections (any thread's); later calls raise StoreError."""
        self._closed = True
        self._wake.close()
        pid = os.getpid()
        with self._conns_lock:
            mine = [c for p, c in self._conns if p == pid]
            self._conns = [(p, c) for p, c in self._conns if p != pid]
        for conn in mine:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._tl = threading.local()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
