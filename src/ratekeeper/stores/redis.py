"""Budgets shared by hosts through Redis or Valkey: ``redis://``, ``rediss://``, Redis Cluster.

Every operation is one script call (``EVALSHA``; the script is loaded again on ``NOSCRIPT``)
over all keys of the request, so a reservation over several limits is one atomic step and
one round trip. The scripts (``lua/*.lua``, shipped in the package) mirror the Python
decision core line by line; the server's ``TIME`` is the clock, so hosts with skewed clocks
agree on every window.

Keys look like ``{ratekeeper}:s:ip_weight:1.2.3.4``: the hash tag is the configured prefix,
so every key of one prefix lives in one Cluster slot and a request over several limits (of
any scopes) stays atomic. ``docs/stores.md`` explains the trade-off.

Leases of concurrent limits live in one hash per (limit, scope) (``{ratekeeper}:c:…``):
holder -> units and expiry, changed by ``lua/lease.lua`` in one step.

When Redis cannot be reached, operations raise :class:`~ratekeeper.StoreUnavailable` within
the socket timeouts (fail closed). With ``fallback=<fraction>`` the store instead limits
locally, each limit scaled to that fraction of its capacity, and goes back to Redis as soon
as it answers again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import logging
import math
import os
import select
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import _algorithms as algo
from .._clock import SystemClock
from .._errors import StoreError, StoreUnavailable, missing_package
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
from .memory import MemoryStore

try:
    import redis as _redis
    import redis.asyncio as _aredis
    from redis.asyncio.retry import Retry as _AsyncRetry
    from redis.backoff import NoBackoff
    from redis.exceptions import NoScriptError, RedisClusterException, RedisError, ResponseError
    from redis.retry import Retry as _Retry
except ImportError as _exc:  # pragma: no cover - exercised only without the extra (a subprocess test)
    raise missing_package("ratekeeper.stores.redis (the redis:// store)", "redis", "redis", _exc) from _exc

__all__ = ["DEFAULT_PREFIX", "DEFAULT_TIMEOUT", "AsyncRedisStore", "RedisStore"]

log = logging.getLogger("ratekeeper.stores.redis")

DEFAULT_PREFIX = "ratekeeper"
DEFAULT_TIMEOUT = 1.0
"""Seconds a connect or a reply may take before the store reports itself unavailable."""

_HEAD = struct.Struct("<ddd")  # now (NaN: the server's TIME), max_wait (NaN: none), TTL margin
_STATIC = struct.Struct("<cdddd")  # algorithm, capacity, cap for the priority, period, offset
_TAIL = struct.Struct("<dd")  # cost, at
_OBS = struct.Struct("<ddddd")  # used, remaining, reset_after, cap, blocked_for
_SNAP = struct.Struct("<ddddd")  # used, reserved, next_free, blocked_for, cap (NaN: the limit's)
_ONE = struct.Struct("<d")
_LEASE = struct.Struct("<ddd")  # units, ttl, capacity; the reply: granted, held, retry_after
_HELD = struct.Struct("<dd")  # one live lease read back: units, seconds left
_NAN = math.nan
_LETTER = {"sliding": "s", "fixed": "f", "token": "t", "quota": "q", "concurrent": "c"}
_REAL_MARGIN = 1.0
"""Seconds an idle key outlives its furthest booking plus its period."""
_TEST_MARGIN = 3600.0
"""The same with an injected clock: test time may crawl while real time (the TTL) runs."""
_CACHE_MAX = 4096
_LISTEN_TICK = 0.1
"""Seconds the freed-room listener blocks on its connection before it checks whether its
store was closed: closing a store waits at most this long for its thread (ten wake-ups a
second per listening store, no work otherwise)."""
_SNAPSHOT_BATCH = 256
_LOSSES = {
    "lost": "its keys vanished: a restart without persistence, a flush, or an eviction",
    "server": "another server answers: a restart or a failover, which may have lost the last writes",
    "evicted": "the server evicted keys",
}
"""What each cause a script reports (generation.lua) means, for the warning."""
_OPTIONS = ("prefix", "fallback", "retry_interval", "cluster")
"""Query parameters of a store URL that are ours, not redis-py's."""

Client = Any
"""A ``redis.Redis`` or ``redis.cluster.RedisCluster`` (sync), or their asyncio twins."""


# ---------------------------------------------------------------------------------------
# scripts
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Script:
    """One Lua script as sent to the server: its source and SHA1."""

    name: str
    source: str
    sha: bytes


def _build_scripts() -> dict[str, Script]:
    """The constants of the Python core, ``core.lua`` and one entry script, for each entry."""
    lua = resources.files(__package__).joinpath("lua")
    prelude = (
        f"local TOL, MAX_ENTRIES, RESOLUTION = {algo.TOL!r}, {algo.MAX_SLIDING_ENTRIES!r}, "
        f"{algo.SLIDING_RESOLUTION!r}\n"
        f"local QUOTA_IDLE = {QUOTA_IDLE!r}\n"
        "local FAST_NOW -- the store time of this call, once read\n"
        # Redis < 5 replicates scripts verbatim unless told otherwise, and refuses writes
        # after TIME then; from 5 on this is the default and the call a no-op
        "if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
    )
    core = lua.joinpath("core.lua").read_text(encoding="utf-8")
    generation = lua.joinpath("generation.lua").read_text(encoding="utf-8")
    out = {}
    for name in ("reserve", "refund", "rebook", "observe", "snapshot"):
        parts = [prelude, generation]
        if name == "reserve":
            parts.append(lua.joinpath("reserve_fast.lua").read_text(encoding="utf-8"))
        parts += [core, lua.joinpath(f"{name}.lua").read_text(encoding="utf-8")]
        source = "\n".join(parts)
        out[name] = Script(name, source, hashlib.sha1(source.encode()).hexdigest().encode())
    # leases share nothing with the budget core: the constant they need, and their script
    source = "\n".join(
        [
            prelude,
            f"local LOST_HOLDER = {algo.LOST_HOLDER!r}",
            generation,
            lua.joinpath("lease.lua").read_text(encoding="utf-8"),
        ]
    )
    out["lease"] = Script("lease", source, hashlib.sha1(source.encode()).hexdigest().encode())
    return out


SCRIPTS = _build_scripts()


# ---------------------------------------------------------------------------------------
# what the sync and async stores share: keys, arguments, replies, fallback (no I/O)
# ---------------------------------------------------------------------------------------


def _escape(s: str) -> str:
    return s.replace("%", "%25").replace(":", "%3A")


def _unescape(s: str) -> str:
    return s.replace("%3A", ":").replace("%25", "%")


def _glob_escape(s: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in s)


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(b), b)


@dataclasses.dataclass(frozen=True, slots=True)
class _Cmd:
    """One script call: ``EVALSHA sha numkeys keys… argv…``."""

    script: str
    keys: list[bytes]
    argv: list[bytes]
    wire: bytes | None = None  # already encoded (the hot path), else encoded on demand

    def args(self) -> list[str | bytes | int]:
        # the command name as text: redis-py's cluster client looks it up in its policy tables
        return ["EVALSHA", SCRIPTS[self.script].sha.decode(), len(self.keys), *self.keys, *self.argv]

    def with_gen(self, gen: bytes) -> _Cmd:
        """The same call with another generation argument (the last one; see generation.lua)."""
        wire = self.wire
        if wire is not None:
            wire = wire[: len(wire) - len(_bulk(self.argv[-1]))] + _bulk(gen)
        return _Cmd(self.script, self.keys, [*self.argv[:-1], gen], wire)

    def encoded(self) -> bytes:
        if self.wire is not None:
            return self.wire
        parts = [b"*%d\r\n$7\r\nEVALSHA\r\n" % (3 + len(self.keys) + len(self.argv))]
        parts += [_bulk(SCRIPTS[self.script].sha), _bulk(b"%d" % len(self.keys))]
        parts += [_bulk(k) for k in self.keys]
        parts += [_bulk(a) for a in self.argv]
        return b"".join(parts)


def _top(limit: Limit) -> int:
    """A priority that may use the whole capacity of ``limit``."""
    return limit.reserve_priority if limit.reserve else 0


def _nan(x: float | None) -> float:
    return _NAN if x is None else float(x)


class _FallbackClock(SystemClock):
    """The local store's clock while Redis is away: the base time shifted below zero, so a
    refund can tell a local booking (negative time) from one Redis made (UNIX time)."""

    __slots__ = ("_base",)
    SHIFT = 1e10

    def __init__(self, base: WallClock | None) -> None:
        self._base = base

    def now(self) -> float:
        return (time.monotonic() if self._base is None else self._base.wall()) - self.SHIFT

    def wall(self) -> float:
        return time.time() if self._base is None else self._base.wall()


def _is_unavailable(exc: BaseException) -> bool:
    """Whether a redis-py error means "the store cannot be reached right now"."""
    if isinstance(exc, (_redis.ConnectionError, _redis.TimeoutError, RedisClusterException, OSError)):
        return True
    if isinstance(exc, _redis.exceptions.ClusterError):
        return True
    # a replica promoted mid-failover, a server still loading or busy with a slow script
    return isinstance(exc, ResponseError) and str(exc).startswith(
        ("READONLY", "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")
    )


def _check_fraction(fallback: float | None) -> float | None:
    if fallback is None:
        return None
    if isinstance(fallback, bool) or not isinstance(fallback, (int, float)) or not (0.0 < fallback <= 1.0):
        raise ValueError(f"fallback must be None or a fraction in (0, 1], got {fallback!r}")
    return float(fallback)


class _RedisCore:
    """Keys, packed arguments, replies and the fallback switch: everything but the I/O."""

    local = False
    _client: Client

    def __init__(
        self, prefix: str, clock: WallClock | None, fallback: float | None, retry_interval: float, where: str
    ) -> None:
        if not isinstance(prefix, str) or not prefix or "{" in prefix or "}" in prefix:
            raise ValueError(f"prefix must be a non-empty string without braces, got {prefix!r}")
        if isinstance(clock, SystemClock):
            clock = None  # the real clock: the server's TIME is better
        self.prefix = prefix
        self._tag = "{" + prefix + "}:"
        self._clock = clock
        self._margin = _REAL_MARGIN if clock is None else _TEST_MARGIN
        self._fraction = _check_fraction(fallback)
        self._retry_interval = float(retry_interval)
        self.where = where
        self._keys: dict[tuple[str, str | None, str], bytes] = {}
        self._specs: dict[tuple[str, int], tuple[Limit, bytes]] = {}
        self._lead: dict[bytes, bytes] = {}
        self._heads = {
            None: _HEAD.pack(_NAN, _NAN, self._margin),
            0.0: _HEAD.pack(_NAN, 0.0, self._margin),
        }
        self._scaled: dict[str, tuple[Limit, Limit]] = {}
        self._recorded: dict[str, Limit] = {}  # definitions written to the limits hash
        self._unrecorded: dict[str, Limit] = {}
        self._fallback: MemoryStore | None = None
        self._retry_at = 0.0
        self._switch = threading.Lock()
        # freed room: refunds here notify this process's listeners at once, and publish on
        # the budget's channel for other processes (tagged with this store's id)
        self._origin = uuid.uuid4().hex.encode()
        self._listener_pid = os.getpid()
        self._listeners = Listeners()
        self._names: dict[bytes, tuple[str, str | None]] = {}
        self._freed_thread: _FreedListener | None = None
        # lost state (generation.lua): the generation this store spends, its flags, the loss
        self._marker = (self._tag + "g").encode()
        self._instance = uuid.uuid4().hex[:12]
        self._known = ""
        self._check = True  # read the server's run_id and memory policy with the next call
        self._evicting = False
        self._gen = self._gen_arg()
        self._lost: float | None = None
        self._warned_policy = False
        self._node: str | None = None  # a cluster's primary for the prefix's slot (_watch_node)

    # -- lost state -------------------------------------------------------------------------

    def _gen_arg(self) -> bytes:
        flags = ("i" if self._check else "") + ("e" if self._evicting else "")
        return f"{self._known}|{self._instance}|{flags}".encode()

    @property
    def lost_at(self) -> float | None:
        """The store time at which this prefix's state was last found lost (a restart without
        persistence, a flush, an eviction, a failover), or None. Every budget is taken as
        full from then until what the venue counted before has left its window, or the
        venue's own count replaces it (``docs/stores.md``)."""
        return self._lost

    def _clear_marker(self) -> dict[str, str]:
        """The marker of a generation begun by :meth:`clear` (a reset, not a loss)."""
        return {"id": f"{self._instance}.clear.{uuid.uuid4().hex[:8]}", "born": "0", "clr": "1"}

    def _cleared(self, marker: dict[str, str]) -> None:
        """The generation :meth:`clear` wrote is this store's own."""
        self._known, self._lost = marker["id"], None
        self._gen = self._gen_arg()

    def _watch_node(self, cmd: _Cmd) -> _Cmd:
        """A cluster client moves to a promoted replica by itself, without an error reaching
        this store: when the primary serving the prefix's slot is another one than at the
        last call, ``cmd`` checks which server answers (generation.lua's run_id)."""
        find = getattr(self._client, "get_node_from_key", None)
        if find is None:
            return cmd
        try:
            name = getattr(find(self._marker.decode()), "name", None)
        except Exception:  # no slot table yet: the client's own call will find one
            return cmd
        if name != self._node:
            if self._node is not None:
                self._suspect()
                cmd = cmd.with_gen(self._gen)
            self._node = name
        return cmd

    def _suspect(self) -> None:
        """After an error, or a connection the server closed: the next call checks which
        server answers (a restart, a failover)."""
        if not self._check:
            self._check = True
            self._gen = self._gen_arg()

    def _adopt(self, cmd: _Cmd, exc: ResponseError, tries: int) -> _Cmd:
        """Take the generation a script answered with (``RKGEN ...``), say what it means, and
        return the call to send again. Any other error reply is raised as a StoreError, and
        the next call checks which server answers."""
        if not str(exc).startswith("RKGEN"):
            self._suspect()
            raise self._error(exc) from exc
        parts = str(exc).split()
        if tries >= 4 or len(parts) < 6:
            raise self._error(exc)
        _, gen, lost_text, why, maxmemory, policy = parts[:6]
        lost = None if lost_text == "-" else float(lost_text)
        if maxmemory != "-":
            self._evicting = maxmemory != "0" and policy != "noeviction"
            if self._evicting and not self._warned_policy:
                self._warned_policy = True
                log.warning(
                    "Redis at %s may evict ratekeeper's keys (maxmemory %s, maxmemory-policy %s): an evicted "
                    "budget is a lost budget, and each eviction there makes every budget wait out its window. "
                    "Run the server with maxmemory-policy noeviction (docs/stores.md)",
                    self.where,
                    maxmemory,
                    policy,
                    extra={"store": self.where, "maxmemory_policy": policy},
                )
        self._check = False
        if lost is not None and lost != self._lost:
            log.warning(
                "Redis store %s (prefix %r) lost its state (%s) at %.3f: every budget is taken as full until "
                "what the venue counted before has left its window, or the venue's own count replaces it",
                self.where,
                self.prefix,
                _LOSSES.get(why, "found by another process"),
                lost,
                extra={"store": self.where, "lost_at": lost, "cause": why},
            )
        self._lost = lost
        self._known = gen
        self._gen = self._gen_arg()
        return cmd.with_gen(self._gen)

    # -- keys and arguments ---------------------------------------------------------------

    def key(self, limit: Limit, scope: str | None) -> bytes:
        """The Redis key holding the state of ``limit`` for the scope value ``scope``."""
        k = (limit.name, scope, limit.algorithm)
        key = self._keys.get(k)
        if key is None:
            text = self._tag + _LETTER[limit.algorithm] + ":" + _escape(limit.name)
            if scope is not None:
                text += ":" + _escape(scope)
            key = text.encode()
            if len(self._keys) >= _CACHE_MAX:
                self._keys.clear()
            if len(self._names) >= 16 * _CACHE_MAX:
                self._names.clear()
            self._keys[k] = key
            self._names[key] = (limit.name, scope)
        return key

    def _spec(self, limit: Limit, priority: int) -> bytes:
        k = (limit.name, priority)
        hit = self._specs.get(k)
        if hit is not None and hit[0] is limit:
            return hit[1]
        if limit.algorithm == "concurrent":
            raise algo.leased_only(limit)
        if self._recorded.get(limit.name) is not limit:
            self._unrecorded[limit.name] = limit  # a limit not seen before: record its definition
        spec = _STATIC.pack(
            _LETTER[limit.algorithm].encode(), limit.capacity, limit.capacity_for(priority), limit.period, limit.offset
        )
        if len(self._specs) >= _CACHE_MAX:
            self._specs.clear()
        self._specs[k] = (limit, spec)
        return spec

    def _head(self, max_wait: float | None) -> bytes:
        if self._clock is None:
            head = self._heads.get(max_wait)
            if head is not None:
                return head
            return _HEAD.pack(_NAN, _nan(max_wait), self._margin)
        return _HEAD.pack(self._clock.wall(), _nan(max_wait), self._margin)

    def _reserve_cmd(self, items: Sequence[Item], priority: int, max_wait: float | None) -> _Cmd:
        if len(items) == 1:
            # the hot path: the command's leading part is cached per key, already encoded
            limit, scope, amount = items[0]
            key = self.key(limit, scope)
            head, item = self._head(max_wait), self._spec(limit, priority) + _TAIL.pack(amount, 0.0)
            lead = self._lead.get(key)
            if lead is None:
                lead = b"*8\r\n$7\r\nEVALSHA\r\n" + _bulk(SCRIPTS["reserve"].sha) + b"$1\r\n2\r\n"
                lead += _bulk(key) + _bulk(self._marker)
                if len(self._lead) >= _CACHE_MAX:
                    self._lead.clear()
                self._lead[key] = lead
            gen = self._gen
            wire = lead + b"$24\r\n" + head + b"\r\n$49\r\n" + item + b"\r\n" + _bulk(gen)
            return _Cmd("reserve", [key, self._marker], [head, item, gen], wire)
        keys = [self.key(limit, scope) for limit, scope, _ in items]
        argv = [self._head(max_wait)]
        argv += [self._spec(limit, priority) + _TAIL.pack(amount, 0.0) for limit, _, amount in items]
        return self._cmd("reserve", keys, argv)

    def _cmd(self, script: str, keys: list[bytes], argv: list[bytes]) -> _Cmd:
        """A script call over budget ``keys``: the generation marker and argument added."""
        return _Cmd(script, [*keys, self._marker], [*argv, self._gen])

    def _refund_cmd(self, items: Sequence[Item], placed: Sequence[float]) -> _Cmd:
        if self._listener_pid != os.getpid():
            self._listen()  # a forked child: announce under its own id (and listen, if waited on)
        argv = [self._head(None) + self._origin]
        argv += [
            self._spec(limit, _top(limit)) + _TAIL.pack(amount, at)
            for (limit, _, amount), at in zip(items, placed, strict=True)
        ]
        return self._cmd("refund", [self.key(limit, scope) for limit, scope, _ in items], argv)

    def _rebook_cmd(self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool) -> _Cmd:
        argv = [self._head(math.inf if later else None)]
        argv += [
            self._spec(limit, priority) + _TAIL.pack(amount, at)
            for (limit, _, amount), at in zip(items, placed, strict=True)
        ]
        return self._cmd("rebook", [self.key(limit, scope) for limit, scope, _ in items], argv)

    # -- freed room -------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Freed], None]) -> Callable[[], None]:
        """Call ``callback`` with the budgets ``(limit name, scope)`` whose room a refund
        freed: at once for refunds through this store object, and for refunds by other
        processes and hosts through the budget's pub/sub channel (a listener thread with
        one connection, started with the first subscriber; it blocks on the socket, never
        polls). Returns the function that unsubscribes."""
        remove = self._listeners.add(callback)
        self._listen()
        return remove

    def _listen(self) -> None:
        with self._switch:
            if self._listener_pid != os.getpid():  # a forked child: its own id, its own thread
                self._origin = uuid.uuid4().hex.encode()
                self._freed_thread, self._listener_pid = None, os.getpid()
            if self._freed_thread is not None or not self._listeners:
                return
            client = self._pubsub_client()
            if client is not None:
                pattern = _glob_escape(self._tag) + "*|freed"
                self._freed_thread = _FreedListener(client, pattern, self._origin, self._heard, self.where)

    def _pubsub_client(self) -> Client | None:
        """A synchronous client to listen with, or None (then only this process is heard)."""
        return None

    def _heard(self, channel: bytes) -> None:
        name = self._names.get(channel[: -len(b"|freed")])
        if name is not None:
            self._listeners.notify([name])

    def _freed_here(self, items: Sequence[Item]) -> None:
        if self._listeners:
            self._listeners.notify(freed_by(items))

    def _stop_listening(self) -> None:
        with self._switch:
            thread, self._freed_thread = self._freed_thread, None
        if thread is not None and self._listener_pid == os.getpid():
            thread.stop()

    def _observe_cmd(self, limit: Limit, scope: str | None, obs: Observation) -> _Cmd:
        argv = [
            self._head(None),
            self._spec(limit, _top(limit)) + _TAIL.pack(0.0, 0.0),
            _OBS.pack(_nan(obs.used), _nan(obs.remaining), _nan(obs.reset_after), _nan(obs.cap), _nan(obs.blocked_for)),
        ]
        return self._cmd("observe", [self.key(limit, scope)], argv)

    def _snapshot_cmd(self, pairs: Sequence[tuple[Limit, str | None, bytes]]) -> _Cmd:
        argv = [self._head(None)]
        argv += [self._spec(limit, _top(limit)) + _TAIL.pack(0.0, 0.0) for limit, _, _ in pairs]
        return self._cmd("snapshot", [key for _, _, key in pairs], argv)

    def _lease_cmd(self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float) -> _Cmd:
        if self._recorded.get(limit.name) is not limit:
            self._unrecorded[limit.name] = limit
        argv = [self._head(None), b"l", _LEASE.pack(units, ttl, limit.capacity), holder.encode()]
        return self._cmd("lease", [self.key(limit, scope)], argv)

    def _read_cmd(self, keys: Sequence[bytes]) -> _Cmd:
        return self._cmd("lease", list(keys), [self._head(None), b"r"])

    @staticmethod
    def _lease_result(reply: bytes) -> LeaseResult:
        granted, held, retry_after = _LEASE.unpack(reply)
        return LeaseResult(granted == 1.0, held, retry_after)

    @staticmethod
    def _held(entry: Sequence[bytes]) -> dict[str, tuple[float, float]]:
        """One key's answer to a read: holder -> (units, seconds left)."""
        packed, names = entry[0], entry[1:]
        out = {}
        for i, name in enumerate(names):
            out[name.decode("utf-8", "replace")] = _HELD.unpack_from(packed, i * _HELD.size)
        return out

    @staticmethod
    def _lease_snapshots(pairs: Sequence[tuple[Limit, str | None, bytes]], reply: Sequence[Any]) -> list[KeySnapshot]:
        out = []
        for (limit, scope, _), entry in zip(pairs, reply, strict=True):
            held = _RedisCore._held(entry)
            if held:
                out.append(
                    KeySnapshot(
                        limit,
                        scope,
                        sum(units for units, _ in held.values()),
                        0.0,
                        min(left for _, left in held.values()),
                        0.0,
                    )
                )
        return out

    def _fallback_lease(
        self, fb: MemoryStore, limit: Limit, scope: str | None, holder: str, units: float, ttl: float
    ) -> LeaseResult:
        """A lease while Redis is away: against the local store at the fallback's share (a
        lease larger than that share takes all of it, as a large cost does)."""
        small = self._small(limit)
        return fb.lease(small, scope, holder, min(units, small.capacity), ttl)

    def _lease_local(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None
    ) -> tuple[float, float, LeaseResult | None]:
        """A lease's checked (units, ttl), and its answer while Redis is away and it is not
        yet time to try Redis again (``None``: ask Redis)."""
        amount, seconds = algo.check_lease(limit, holder, units, ttl)
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                return amount, seconds, self._fallback_lease(fb, limit, scope, holder, amount, seconds)
        return amount, seconds, None

    def _snapshot_batches(
        self, raw: Sequence[bytes | str], limits: Sequence[Limit]
    ) -> Iterator[tuple[_Cmd, Callable[[Any], list[KeySnapshot]]]]:
        """The script calls that read the scanned keys ``raw`` of ``limits``, each with what
        turns its reply into snapshots (built one at a time, as they are run)."""
        pairs, leased = self._split_keys(self._parse_keys(raw, limits))
        for i in range(0, len(pairs), _SNAPSHOT_BATCH):
            chunk = pairs[i : i + _SNAPSHOT_BATCH]
            yield self._snapshot_cmd(chunk), functools.partial(self._snapshots, chunk)
        for i in range(0, len(leased), _SNAPSHOT_BATCH):
            chunk = leased[i : i + _SNAPSHOT_BATCH]
            yield self._read_cmd([key for _, _, key in chunk]), functools.partial(self._lease_snapshots, chunk)

    def _match(self) -> str:
        return _glob_escape(self._tag) + "*"

    @property
    def limits_key(self) -> bytes:
        """The hash of limit definitions (name -> JSON): what ``known_limits`` reads."""
        return (self._tag + "limits").encode()

    def _definitions(self) -> dict[str, Limit]:
        """The limits seen for the first time, to record now (marked as recorded)."""
        new, self._unrecorded = self._unrecorded, {}
        self._recorded.update(new)
        return new

    def _not_recorded(self, new: dict[str, Limit], exc: BaseException) -> None:
        for name, limit in new.items():  # try again with the next reservation
            self._recorded.pop(name, None)
            self._unrecorded.setdefault(name, limit)
        log.debug("limit definitions not recorded: %s", exc, extra={"store": self.where})

    @staticmethod
    def _limits_from(raw: dict[Any, Any]) -> list[Limit]:
        out = []
        for name, definition in sorted(raw.items()):
            try:
                out.append(limit_from_json(definition.decode() if isinstance(definition, bytes) else definition))
            except (ValueError, TypeError) as exc:
                log.warning("unreadable definition of limit %r: %s", name, exc)
        return out

    def _parse_keys(self, raw: Sequence[bytes | str], limits: Sequence[Limit]) -> list[tuple[Limit, str | None, bytes]]:
        """The (limit, scope, key) of every scanned key that belongs to one of ``limits``."""
        wanted = {(_LETTER[limit.algorithm], _escape(limit.name)): limit for limit in limits}
        out = []
        for k in raw:
            key = k.encode() if isinstance(k, str) else k
            text = key.decode("utf-8", "replace")
            parts = text[len(self._tag) :].split(":") if text.startswith(self._tag) else []
            if len(parts) not in (2, 3):
                continue
            limit = wanted.get((parts[0], parts[1]))
            if limit is None or (len(parts) == 3) != (limit.scope is not None):
                continue
            out.append((limit, _unescape(parts[2]) if len(parts) == 3 else None, key))
        return out

    @staticmethod
    def _split_keys(
        pairs: list[tuple[Limit, str | None, bytes]],
    ) -> tuple[list[tuple[Limit, str | None, bytes]], list[tuple[Limit, str | None, bytes]]]:
        """(budget keys, lease keys): the snapshot script reads the first, the lease script the second."""
        budgets = [p for p in pairs if p[0].algorithm != "concurrent"]
        leased = [p for p in pairs if p[0].algorithm == "concurrent"]
        return budgets, leased

    @staticmethod
    def _decision(reply: bytes, n: int) -> algo.Decision:
        if len(reply) == 8:
            (now,) = _ONE.unpack(reply)
            return algo.Decision(now, now, True, 0, (now,) * n)
        vals = struct.unpack(f"<{len(reply) // 8}d", reply)
        return algo.Decision(vals[0], vals[1], vals[2] == 1.0, int(vals[3]), vals[4:])

    @staticmethod
    def _snapshots(pairs: Sequence[tuple[Limit, str | None, bytes]], reply: bytes) -> list[KeySnapshot]:
        out = []
        for i, (limit, scope, _) in enumerate(pairs):
            used, reserved, next_free, blocked, cap = _SNAP.unpack_from(reply, i * _SNAP.size)
            out.append(KeySnapshot(limit, scope, used, reserved, next_free, blocked, None if cap != cap else cap))
        return out

    def _error(self, exc: BaseException) -> StoreError:
        if _is_unavailable(exc):
            return StoreUnavailable(f"Redis store {self.where} is unavailable: {type(exc).__name__}: {exc}")
        return StoreError(f"Redis store {self.where} failed: {type(exc).__name__}: {exc}")

    # -- fallback -----------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while Redis is away and the local fallback decides."""
        return self._fallback is not None

    def _local_now(self) -> MemoryStore | None:
        """While Redis is away: the local store, or None when it is time to try Redis again
        (one caller probes; the others keep deciding locally meanwhile)."""
        fb = self._fallback
        if fb is None or time.monotonic() < self._retry_at:
            return fb
        with self._switch:
            if time.monotonic() < self._retry_at:
                return fb
            self._retry_at = time.monotonic() + self._retry_interval
            return None

    def _went_away(self, exc: StoreError) -> MemoryStore:
        """Redis failed: switch to the local store, or raise if there is none."""
        if self._fraction is None or not isinstance(exc, StoreUnavailable):
            raise exc
        with self._switch:
            if self._fallback is None:
                self._fallback = MemoryStore(_FallbackClock(self._clock))
                log.warning(
                    "%s; limiting locally at %.0f%% of each budget until it answers",
                    exc,
                    self._fraction * 100,
                    extra={"store": self.where, "fallback": self._fraction},
                )
            self._retry_at = time.monotonic() + self._retry_interval
            return self._fallback

    def _came_back(self) -> None:
        with self._switch:
            if self._fallback is not None:
                self._fallback = None
                log.warning(
                    "Redis store %s answers again; shared limiting resumed", self.where, extra={"store": self.where}
                )

    def _small(self, limit: Limit) -> Limit:
        """``limit`` at the fallback's share of its capacity."""
        hit = self._scaled.get(limit.name)
        if hit is None or hit[0] is not limit:
            hit = (limit, dataclasses.replace(limit, capacity=limit.capacity * (self._fraction or 1.0)))
            self._scaled[limit.name] = hit
        return hit[1]

    def _scale(self, items: Sequence[Item]) -> list[Item]:
        out: list[Item] = []
        for limit, scope, amount in items:
            small = self._small(limit)
            # a cost above the scaled capacity takes the whole local budget instead of never fitting
            out.append((small, scope, amount if small.algorithm == "quota" else min(amount, small.capacity)))
        return out

    @staticmethod
    def _split(
        items: Sequence[Item], placed: Sequence[float]
    ) -> tuple[list[Item], list[float], list[Item], list[float]]:
        """(items booked in Redis, their times, items booked locally, their times)."""
        ri: list[Item] = []
        rp: list[float] = []
        li: list[Item] = []
        lp: list[float] = []
        for item, at in zip(items, placed, strict=True):
            if at < 0:
                li.append(item)
                lp.append(at)
            else:
                ri.append(item)
                rp.append(at)
        return ri, rp, li, lp

    def _rebook_off_redis(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool
    ) -> algo.Decision | None:
        """A booking is moved where it lives. One held by the local fallback (its times are
        negative, see ``_split``) is moved there; one that straddles both stores, or whose
        store is not in use, stays where it is. None: it lives in Redis, ask Redis."""
        local = [at < 0 for at in placed]
        fb = self._fallback
        if all(local) and fb is not None:
            return fb.rebook(self._scale(items), priority, placed, later)
        if not any(local) and (fb is None or self._local_now() is None):
            return None
        return _stay(placed)

    def _refund_failed(self, exc: StoreError) -> None:
        if self._fraction is None or not isinstance(exc, StoreUnavailable):
            raise exc
        log.debug("refund dropped while Redis is away: %s", exc, extra={"store": self.where})


# ---------------------------------------------------------------------------------------
# URLs and clients
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Url:
    plain: str  # the URL redis-py sees
    shown: str  # the URL without credentials or options, for messages
    cluster: bool
    prefix: str
    fallback: float | None
    retry_interval: float


def _parse_url(
    url: str, prefix: str | None, fallback: float | None, retry_interval: float | None, cluster: bool | None
) -> _Url:
    parts = urlsplit(url)
    scheme = parts.scheme
    is_cluster = scheme.endswith("+cluster")
    scheme = scheme.removesuffix("+cluster")
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"not a Redis URL: {url!r} (redis://, rediss://, redis+cluster://, unix://)")
    ours: dict[str, str] = {}
    theirs = []
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if k in _OPTIONS:
            ours[k] = v
        else:
            theirs.append((k, v))
    if cluster is not None:
        is_cluster = cluster
    elif ours.get("cluster", "").lower() in ("1", "true", "yes"):
        is_cluster = True
    return _Url(
        plain=urlunsplit((scheme, parts.netloc, parts.path, urlencode(theirs), "")),
        shown=urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", "")),
        cluster=is_cluster,
        prefix=prefix if prefix is not None else ours.get("prefix", DEFAULT_PREFIX),
        fallback=fallback if fallback is not None else (float(ours["fallback"]) if ours.get("fallback") else None),
        retry_interval=(
            retry_interval
            if retry_interval is not None
            else (float(ours["retry_interval"]) if ours.get("retry_interval") else 1.0)
        ),
    )


def _client_kwargs(kwargs: dict[str, Any], asyncio: bool) -> dict[str, Any]:
    """redis-py settings that bound every call: 1 s to connect, 1 s for a reply, one quick
    retry of a connection attempt that broke (a restarted server) and none on a timeout (a
    hung server)."""
    kw = dict(kwargs)
    kw.setdefault("socket_timeout", DEFAULT_TIMEOUT)
    kw.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT)
    if "retry" not in kw:
        retry_cls = _AsyncRetry if asyncio else _Retry
        kw["retry"] = retry_cls(NoBackoff(), 1, supported_errors=(_redis.ConnectionError,))
    return kw


def _describe(client: Client) -> str:
    try:
        kw = client.connection_pool.connection_kwargs
        return f"redis://{kw.get('host', '?')}:{kw.get('port', '?')}/{kw.get('db', 0)}"
    except AttributeError:
        return type(client).__name__


def _closed_while_idle(conn: Any) -> bool:
    """Whether a connection, idle since its last reply, can be read from: the server closed
    it (a restart) or sent what nobody asked for. Either way it must not carry a command.
    redis-py's pools make the same check when they hand a connection out, but the
    synchronous store keeps one per thread, and an asyncio stream learns of a close only
    when its loop has run since: this asks the socket itself (a poll, about a microsecond)."""
    sock = getattr(conn, "_sock", None)  # redis-py's synchronous connection
    if sock is None:
        writer = getattr(conn, "_writer", None)  # ... and its asyncio one
        sock = writer.get_extra_info("socket") if writer is not None else None
    if sock is None:
        return False  # not connected: sending connects
    try:
        if _POLL:
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


_POLL = hasattr(select, "poll")


class _Held:
    """A pooled connection one thread keeps for all its calls, given back when the thread
    ends (its thread-local holder is dropped) or the store closes. Checking a connection
    out of redis-py's pool for every call costs about as much as the call itself."""

    __slots__ = ("conn", "pid", "pool")

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.pid = os.getpid()
        self.conn: Any = pool.get_connection()

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and self.pid == os.getpid():
            self.pool.release(conn)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a pool already torn down at exit
            self.release()


# ---------------------------------------------------------------------------------------
# the stores
# ---------------------------------------------------------------------------------------


def _stay(placed: Sequence[float]) -> algo.Decision:
    """A rebooking that moved nothing: the booking stays where it is."""
    return algo.Decision(max(placed), math.nan, False, 0, tuple(placed))


class _FreedListener:
    """A daemon thread subscribed to the freed-room channels of one prefix. It blocks on its
    connection; when Redis goes away it reconnects with a capped backoff."""

    def __init__(self, client: Client, pattern: str, origin: bytes, heard: Callable[[bytes], None], where: str) -> None:
        self._client = client
        self._pattern = pattern
        self._origin = origin
        self._heard = heard
        self._where = where
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ratekeeper-freed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = 0.05
        while not self._stopped.is_set():
            ps = None
            try:
                ps = self._client.pubsub(ignore_subscribe_messages=True)
                ps.psubscribe(self._pattern)
                backoff = 0.05
                while not self._stopped.is_set():
                    # blocks on the socket; the timeout only lets close() end the thread
                    msg = ps.get_message(timeout=_LISTEN_TICK)
                    if msg is None or msg.get("type") != "pmessage" or msg.get("data") == self._origin:
                        continue
                    channel = msg["channel"]
                    self._heard(channel if isinstance(channel, bytes) else str(channel).encode())
            except Exception as exc:
                if self._stopped.is_set():
                    break
                log.debug("freed-room listener lost %s (%s); again in %.2fs", self._where, exc, backoff)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                if ps is not None:
                    with contextlib.suppress(Exception):
                        ps.close()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(_LISTEN_TICK + 1.0)


class RedisStore(_RedisCore):
    """A budget store in Redis (or Valkey), shared by every process on every host.

    ``client`` is a ``redis.Redis`` or ``redis.cluster.RedisCluster``; :meth:`from_url`
    builds one with bounded timeouts. ``prefix`` starts every key and is its hash tag.
    ``clock``: the server's ``TIME`` is the clock unless a clock is given here (anything
    with ``wall()``, e.g. ``ratekeeper.testing.FakeClock``: tests). ``fallback``: a fraction
    in (0, 1]; while Redis is away, limit locally at that share of each capacity instead of
    failing closed, and try Redis again every ``retry_interval`` seconds.
    """

    def __init__(
        self,
        client: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float = 1.0,
        owns_client: bool = False,
        where: str | None = None,
    ) -> None:
        super().__init__(prefix, clock, fallback, retry_interval, where or _describe(client))
        self._client = client
        self._owns = owns_client
        # a plain pooled client: each thread sends the encoded command on its own connection
        plain = isinstance(client, _redis.Redis) and getattr(client, "connection", None) is None
        self._pool = client.connection_pool if plain else None
        self._lane = threading.local()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str | None = None,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float | None = None,
        cluster: bool | None = None,
        **redis_kwargs: Any,
    ) -> RedisStore:
        """A store for ``redis://``, ``rediss://``, ``redis+cluster://`` (or ``?cluster=1``).

        The query options ``prefix``, ``fallback`` and ``retry_interval`` set the matching
        arguments; the others (``socket_timeout``, ``password``…) go to redis-py.
        """
        u = _parse_url(url, prefix, fallback, retry_interval, cluster)
        kw = _client_kwargs(redis_kwargs, asyncio=False)
        client = _redis.RedisCluster.from_url(u.plain, **kw) if u.cluster else _redis.Redis.from_url(u.plain, **kw)
        return cls(
            client,
            prefix=u.prefix,
            clock=clock,
            fallback=u.fallback,
            retry_interval=u.retry_interval,
            owns_client=True,
            where=u.shown,
        )

    @property
    def client(self) -> Client:
        return self._client

    def _conn(self) -> Any:
        held: _Held | None = getattr(self._lane, "held", None)
        if held is None or held.conn is None or held.pid != os.getpid():
            held = self._lane.held = _Held(self._pool)
        return held.conn

    def _run(self, cmd: _Cmd) -> Any:
        """Send one EVALSHA: once, again after NOSCRIPT, and again after a connection that
        broke before the command left. Never again once it was sent: its reply lost, it may
        have run, and a refund run twice gives back someone else's booking."""
        if self._pool is None:
            return self._run_generic(cmd)
        reconnected = load = False
        tries = 0
        while True:
            conn = None
            sent = False
            try:
                conn = self._conn()
                if _closed_while_idle(conn):
                    conn.disconnect()  # the server closed it since its last reply (a restart): connect anew
                    self._suspect()  # and check which server answers now (a failover)
                    cmd = cmd.with_gen(self._gen)
                if load:
                    conn.send_command("SCRIPT", "LOAD", SCRIPTS[cmd.script].source)
                    conn.read_response()
                conn.send_packed_command([cmd.encoded()])
                sent = True
                return conn.read_response(disable_decoding=True)
            except NoScriptError as exc:
                if load:
                    raise self._error(exc) from exc
                load = True  # the server restarted or flushed its scripts: load and send again
            except ResponseError as exc:
                cmd = self._adopt(cmd, exc, tries)  # a generation to learn: then the call again
                tries += 1
            except _redis.ConnectionError as exc:
                self._suspect()
                if conn is not None:
                    conn.disconnect()
                if reconnected or sent:
                    raise self._error(exc) from exc
                reconnected = True  # broken before the command left: once more
                cmd = cmd.with_gen(self._gen)
            except (RedisError, OSError) as exc:
                self._suspect()
                if conn is not None:
                    conn.disconnect()
                raise self._error(exc) from exc

    def _run_generic(self, cmd: _Cmd) -> Any:
        """Cluster and single-connection clients: they route and retry themselves."""
        tries = 0
        while True:
            cmd = self._watch_node(cmd)
            try:
                try:
                    return self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
                except NoScriptError:
                    self._client.script_load(SCRIPTS[cmd.script].source)
                    return self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
            except ResponseError as exc:
                cmd = self._adopt(cmd, exc, tries)  # a generation to learn: then the call again
                tries += 1
            except (RedisError, RedisClusterException, OSError) as exc:
                self._suspect()
                raise self._error(exc) from exc

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                return fb.reserve(self._scale(items), priority, max_wait)
        try:
            reply = self._run(self._reserve_cmd(items, priority, max_wait))
        except StoreError as exc:
            return self._went_away(exc).reserve(self._scale(items), priority, max_wait)
        if self._fallback is not None:
            self._came_back()
        if self._unrecorded:
            self._record()
        return self._decision(reply, len(items))

    def _record(self) -> None:
        new = self._definitions()
        try:
            self._client.hset(self.limits_key, mapping={n: limit_to_json(x) for n, x in new.items()})
        except (RedisError, RedisClusterException, OSError) as exc:
            self._not_recorded(new, exc)

    def known_limits(self) -> list[Limit]:
        """The limits this prefix holds budgets for, as the programs that spend them defined
        them (the latest definition of each name): what ``ratekeeper status`` shows. An
        advisory list: with Redis away it is empty (the reads that follow say why)."""
        try:
            return self._limits_from(self._client.hgetall(self.limits_key))
        except (RedisError, RedisClusterException, OSError) as exc:
            log.debug("limit definitions not read: %s", self._error(exc), extra={"store": self.where})
            return []

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        ri, rp, li, lp = self._split(items, placed)
        fb = self._fallback
        if li and fb is not None:
            fb.refund(self._scale(li), lp)
        if ri:
            try:
                self._run(self._refund_cmd(ri, rp))
            except StoreError as exc:
                self._refund_failed(exc)
        self._freed_here(items)

    def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        """Move a booking earlier in one script (see :func:`ratekeeper._algorithms.rebook`).
        A booking is moved where it lives: in Redis, or in the local fallback while that is
        in use; one that straddles both, or whose store is away, stays where it is."""
        elsewhere = self._rebook_off_redis(items, priority, placed, later)
        if elsewhere is not None:
            return elsewhere
        try:
            reply = self._run(self._rebook_cmd(items, priority, placed, later))
        except StoreError:
            return _stay(placed)
        return self._decision(reply, len(items))

    def _pubsub_client(self) -> Client | None:
        return self._client if isinstance(self._client, _redis.Redis) else None

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        if limit.algorithm == "concurrent":
            return  # held units are known exactly: nothing a server says changes them
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                fb.observe(self._small(limit), scope, observation)
                return
        try:
            self._run(self._observe_cmd(limit, scope, observation))
        except StoreError as exc:
            self._went_away(exc).observe(self._small(limit), scope, observation)
            return
        if self._fallback is not None:
            self._came_back()

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        fb = self._fallback
        if fb is not None:
            return fb.snapshot([self._small(limit) for limit in limits])
        try:
            raw = list(self._client.scan_iter(match=self._match(), count=1000))
        except (RedisError, RedisClusterException, OSError) as exc:
            raise self._error(exc) from exc
        out: list[KeySnapshot] = []
        for cmd, parse in self._snapshot_batches(raw, limits):
            out += parse(self._run(cmd))
        return out

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`ratekeeper.stores.Store.lease`: one script call, on the server's clock."""
        amount, seconds, local = self._lease_local(limit, scope, holder, units, ttl)
        if local is not None:
            return local
        try:
            reply = self._run(self._lease_cmd(limit, scope, holder, amount, seconds))
        except StoreError as exc:
            return self._fallback_lease(self._went_away(exc), limit, scope, holder, amount, seconds)
        if self._fallback is not None:
            self._came_back()
        if self._unrecorded:
            self._record()
        return self._lease_result(reply)

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`ratekeeper.stores.Store.leases`."""
        algo.check_concurrent(limit)
        fb = self._fallback
        if fb is not None:
            return fb.leases(self._small(limit), scope)
        return self._held(self._run(self._read_cmd([self.key(limit, scope)]))[0])

    def clear(self) -> int:
        """Delete every key under this store's prefix (tests, resets); returns how many. A
        deliberate reset, not a loss: the processes sharing the prefix start afresh too."""
        marker = self._clear_marker()
        try:
            # the new generation first: a process that finds the keys gone meanwhile adopts it
            # (a reset) instead of finding its marker gone (a loss)
            self._client.delete(self._marker)
            self._client.hset(self._marker, mapping=marker)
            keys = [
                k
                for k in self._client.scan_iter(match=self._match(), count=1000)
                if k not in (self._marker, self._marker.decode())
            ]
            for key in keys:
                self._client.delete(key)
        except (RedisError, RedisClusterException, OSError) as exc:
            raise self._error(exc) from exc
        self._cleared(marker)
        return len(keys)

    def close(self) -> None:
        self._stop_listening()
        held: _Held | None = getattr(self._lane, "held", None)
        if held is not None:
            held.release()
        if self._owns:
            self._client.close()


class AsyncRedisStore(_RedisCore):
    """The asyncio twin of :class:`RedisStore`: a ``redis.asyncio`` client, the same scripts.

    It implements the async store methods :class:`~ratekeeper.AsyncLimiter` uses. Its
    synchronous methods (a ``Limiter``, synchronous code) work when it was built with
    :meth:`from_url`: they go through a synchronous client to the same server.
    """

    def __init__(
        self,
        client: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float = 1.0,
        owns_client: bool = False,
        where: str | None = None,
    ) -> None:
        super().__init__(prefix, clock, fallback, retry_interval, where or _describe(client))
        self._client = client
        self._owns = owns_client
        plain = isinstance(client, _aredis.Redis) and getattr(client, "connection", None) is None
        self._pool = client.connection_pool if plain else None
        self._sync_args: tuple[str, dict[str, Any]] | None = None
        self._sync: RedisStore | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str | None = None,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float | None = None,
        cluster: bool | None = None,
        **redis_kwargs: Any,
    ) -> AsyncRedisStore:
        """See :meth:`RedisStore.from_url`."""
        u = _parse_url(url, prefix, fallback, retry_interval, cluster)
        kw = _client_kwargs(redis_kwargs, asyncio=True)
        client = _aredis.RedisCluster.from_url(u.plain, **kw) if u.cluster else _aredis.Redis.from_url(u.plain, **kw)
        store = cls(
            client,
            prefix=u.prefix,
            clock=clock,
            fallback=u.fallback,
            retry_interval=u.retry_interval,
            owns_client=True,
            where=u.shown,
        )
        store._sync_args = (url, dict(redis_kwargs, cluster=cluster))
        return store

    @property
    def client(self) -> Client:
        return self._client

    async def _run(self, cmd: _Cmd) -> Any:
        """See :meth:`RedisStore._run` (a pooled connection per call: tasks interleave)."""
        pool = self._pool
        if pool is None:
            return await self._run_generic(cmd)
        reconnected = load = False
        tries = 0
        while True:
            conn = None
            sent = False
            try:
                conn = await pool.get_connection()
                if _closed_while_idle(conn):
                    await conn.disconnect()  # closed since its last reply, and the loop has not seen it yet
                    self._suspect()  # and check which server answers now (a failover)
                    cmd = cmd.with_gen(self._gen)
                if load:
                    await conn.send_command("SCRIPT", "LOAD", SCRIPTS[cmd.script].source)
                    await conn.read_response()
                await conn.send_packed_command([cmd.encoded()])
                sent = True
                return await conn.read_response(disable_decoding=True)
            except NoScriptError as exc:
                if load:
                    raise self._error(exc) from exc
                load = True  # the server restarted or flushed its scripts: load and send again
            except ResponseError as exc:
                cmd = self._adopt(cmd, exc, tries)  # a generation to learn: then the call again
                tries += 1
            except _redis.ConnectionError as exc:
                self._suspect()
                if conn is not None:
                    await conn.disconnect()
                if reconnected or sent:
                    raise self._error(exc) from exc
                reconnected = True  # broken before the command left: once more
                cmd = cmd.with_gen(self._gen)
            except (RedisError, OSError) as exc:
                self._suspect()
                if conn is not None:
                    await conn.disconnect()
                raise self._error(exc) from exc
            finally:
                if conn is not None:
                    await pool.release(conn)

    async def _run_generic(self, cmd: _Cmd) -> Any:
        tries = 0
        while True:
            cmd = self._watch_node(cmd)
            try:
                try:
                    return await self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
                except NoScriptError:
                    await self._client.script_load(SCRIPTS[cmd.script].source)
                    return await self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
            except ResponseError as exc:
                cmd = self._adopt(cmd, exc, tries)  # a generation to learn: then the call again
                tries += 1
            except (RedisError, RedisClusterException, OSError) as exc:
                self._suspect()
                raise self._error(exc) from exc

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                return fb.reserve(self._scale(items), priority, max_wait)
        try:
            reply = await self._run(self._reserve_cmd(items, priority, max_wait))
        except StoreError as exc:
            return self._went_away(exc).reserve(self._scale(items), priority, max_wait)
        if self._fallback is not None:
            self._came_back()
        if self._unrecorded:
            await self._arecord()
        return self._decision(reply, len(items))

    async def _arecord(self) -> None:
        new = self._definitions()
        try:
            await self._client.hset(self.limits_key, mapping={n: limit_to_json(x) for n, x in new.items()})
        except (RedisError, RedisClusterException, OSError) as exc:
            self._not_recorded(new, exc)

    async def aknown_limits(self) -> list[Limit]:
        """See :meth:`RedisStore.known_limits`."""
        try:
            return self._limits_from(await self._client.hgetall(self.limits_key))
        except (RedisError, RedisClusterException, OSError) as exc:
            log.debug("limit definitions not read: %s", self._error(exc), extra={"store": self.where})
            return []

    def known_limits(self) -> list[Limit]:
        return self._twin().known_limits()

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        ri, rp, li, lp = self._split(items, placed)
        fb = self._fallback
        if li and fb is not None:
            fb.refund(self._scale(li), lp)
        if ri:
            try:
                await self._run(self._refund_cmd(ri, rp))
            except StoreError as exc:
                self._refund_failed(exc)
        self._freed_here(items)

    async def arebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        """See :meth:`RedisStore.rebook`."""
        elsewhere = self._rebook_off_redis(items, priority, placed, later)
        if elsewhere is not None:
            return elsewhere
        try:
            reply = await self._run(self._rebook_cmd(items, priority, placed, later))
        except StoreError:
            return _stay(placed)
        return self._decision(reply, len(items))

    def _pubsub_client(self) -> Client | None:
        # pub/sub runs on a thread with a synchronous client: the one of the synchronous twin
        if self._sync_args is None:
            return None
        twin = self._twin()
        return twin._client if isinstance(twin._client, _redis.Redis) else None

    async def aobserve(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        if limit.algorithm == "concurrent":
            return  # held units are known exactly: nothing a server says changes them
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                fb.observe(self._small(limit), scope, observation)
                return
        try:
            await self._run(self._observe_cmd(limit, scope, observation))
        except StoreError as exc:
            self._went_away(exc).observe(self._small(limit), scope, observation)
            return
        if self._fallback is not None:
            self._came_back()

    async def asnapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        fb = self._fallback
        if fb is not None:
            return fb.snapshot([self._small(limit) for limit in limits])
        try:
            raw = [k async for k in self._client.scan_iter(match=self._match(), count=1000)]
        except (RedisError, RedisClusterException, OSError) as exc:
            raise self._error(exc) from exc
        out: list[KeySnapshot] = []
        for cmd, parse in self._snapshot_batches(raw, limits):
            out += parse(await self._run(cmd))
        return out

    async def alease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`RedisStore.lease`."""
        amount, seconds, local = self._lease_local(limit, scope, holder, units, ttl)
        if local is not None:
            return local
        try:
            reply = await self._run(self._lease_cmd(limit, scope, holder, amount, seconds))
        except StoreError as exc:
            return self._fallback_lease(self._went_away(exc), limit, scope, holder, amount, seconds)
        if self._fallback is not None:
            self._came_back()
        if self._unrecorded:
            await self._arecord()
        return self._lease_result(reply)

    async def aleases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`RedisStore.leases`."""
        algo.check_concurrent(limit)
        fb = self._fallback
        if fb is not None:
            return fb.leases(self._small(limit), scope)
        return self._held((await self._run(self._read_cmd([self.key(limit, scope)])))[0])

    async def aclear(self) -> int:
        """See :meth:`RedisStore.clear`."""
        marker = self._clear_marker()
        try:
            await self._client.delete(self._marker)
            await self._client.hset(self._marker, mapping=marker)
            keys = [
                k
                async for k in self._client.scan_iter(match=self._match(), count=1000)
                if k not in (self._marker, self._marker.decode())
            ]
            for key in keys:
                await self._client.delete(key)
        except (RedisError, RedisClusterException, OSError) as exc:
            raise self._error(exc) from exc
        self._cleared(marker)
        return len(keys)

    async def aclose(self) -> None:
        if self._owns:
            await self._client.aclose()
        self.close()

    # -- the synchronous face -------------------------------------------------------------

    def _twin(self) -> RedisStore:
        if self._sync is None:
            if self._sync_args is None:
                raise TypeError(
                    "this AsyncRedisStore wraps an asyncio client: use it with AsyncLimiter, or build it "
                    "with AsyncRedisStore.from_url(...) to use it from synchronous code too"
                )
            url, kwargs = self._sync_args
            self._sync = RedisStore.from_url(
                url,
                prefix=self.prefix,
                clock=self._clock,
                fallback=self._fraction,
                retry_interval=self._retry_interval,
                **kwargs,
            )
            self._sync._origin = self._origin  # one store: its own announcements are not news
        return self._sync

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        return self._twin().reserve(items, priority, max_wait)

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self._twin().refund(items, placed)
        self._freed_here(items)

    def rebook(
        self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool = False
    ) -> algo.Decision:
        return self._twin().rebook(items, priority, placed, later)

    def observe(self, limit: Limit, scope: str | None, observation: Observation) -> None:
        self._twin().observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[Limit]) -> list[KeySnapshot]:
        return self._twin().snapshot(limits)

    def lease(
        self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float | None = None
    ) -> LeaseResult:
        """See :meth:`RedisStore.lease` (through the synchronous twin, as ``reserve``)."""
        return self._twin().lease(limit, scope, holder, units, ttl)

    def leases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`RedisStore.leases`."""
        return self._twin().leases(limit, scope)

    def close(self) -> None:
        self._stop_listening()
        if self._sync is not None:
            self._sync.close()
            self._sync = None
