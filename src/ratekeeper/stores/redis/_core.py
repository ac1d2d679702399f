"""What the sync and async Redis stores share: keys, packed calls, lost state, freed room,
the fallback switch. Everything but the I/O, which the stores (``_async/store.py`` and its
generated twin) do."""

from __future__ import annotations

import functools
import logging
import math
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import redis
from redis.exceptions import RedisClusterException, ResponseError

from ... import _algorithms as algo
from ..._clock import SystemClock
from ..._errors import StoreError, StoreUnavailable
from ..._limits import Limit, Observation
from .._base import Freed, Item, KeySnapshot, Listeners, WallClock, freed_by, limit_from_json
from . import _wire as w
from ._fallback import Fallback
from ._listen import FreedListener
from ._url import Client

log = logging.getLogger("ratekeeper.stores.redis")

REAL_MARGIN = 1.0
"""Seconds an idle key outlives its furthest booking plus its period."""
TEST_MARGIN = 3600.0
"""The same with an injected clock: test time may crawl while real time (the TTL) runs."""
CACHE_MAX = 4096
SNAPSHOT_BATCH = 256
LOSSES = {
    "lost": "its keys vanished: a restart without persistence, a flush, or an eviction",
    "server": "another server answers: a restart or a failover, which may have lost the last writes",
    "evicted": "the server evicted keys",
}
"""What each cause a script reports (generation.lua) means, for the warning."""


def is_unavailable(exc: BaseException) -> bool:
    """Whether a redis-py error means "the store cannot be reached right now"."""
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError, RedisClusterException, OSError)):
        return True
    if isinstance(exc, redis.exceptions.ClusterError):
        return True
    # a replica promoted mid-failover, a server still loading or busy with a slow script
    return isinstance(exc, ResponseError) and str(exc).startswith(
        ("READONLY", "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")
    )


class RedisCore(Fallback):
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
        self._init_fallback(clock, fallback, retry_interval)
        self._margin = REAL_MARGIN if clock is None else TEST_MARGIN
        self.where = where
        self._keys: dict[tuple[str, str | None, str], bytes] = {}
        self._specs: dict[tuple[str, int], tuple[Limit, bytes]] = {}
        self._lead: dict[bytes, bytes] = {}
        self._heads = {
            None: w.HEAD.pack(w.NAN, w.NAN, self._margin),
            0.0: w.HEAD.pack(w.NAN, 0.0, self._margin),
        }
        self._recorded: dict[str, Limit] = {}  # definitions written to the limits hash
        self._unrecorded: dict[str, Limit] = {}
        # freed room: refunds here notify this process's listeners at once, and publish on
        # the budget's channel for other processes (tagged with this store's id)
        self._origin = uuid.uuid4().hex.encode()
        self._listener_pid = os.getpid()
        self._listeners = Listeners()
        self._names: dict[bytes, tuple[str, str | None]] = {}
        self._freed_thread: FreedListener | None = None
        # lost state (generation.lua): the generation this store spends, its flags, the loss
        self._marker = (self._tag + "g").encode()
        self._instance = uuid.uuid4().hex[:12]
        self._known = ""
        self._check = True  # read the server's run_id and memory policy with the next call
        self._evicting = False
        self._gen = self._gen_arg()
        # fair shares (fair.lua): this store's id, for calls that may be deferred ('+') and
        # for calls only counted ('-': charges, priorities above 0, calls that may not wait)
        self._fair = (b"+" + self._instance.encode(), b"-" + self._instance.encode())
        self._fair_wire = (w.bulk(self._fair[0]), w.bulk(self._fair[1]))
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
        """The marker of a generation begun by ``clear`` (a reset, not a loss)."""
        return {"id": f"{self._instance}.clear.{uuid.uuid4().hex[:8]}", "born": "0", "clr": "1"}

    def _cleared(self, marker: dict[str, str]) -> None:
        """The generation ``clear`` wrote is this store's own."""
        self._known, self._lost = marker["id"], None
        self._gen = self._gen_arg()

    def _watch_node(self, cmd: w.Cmd) -> w.Cmd:
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

    def _adopt(self, cmd: w.Cmd, exc: ResponseError, tries: int) -> w.Cmd:
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
                LOSSES.get(why, "found by another process"),
                lost,
                extra={"store": self.where, "lost_at": lost, "cause": why},
            )
        self._lost = lost
        self._known = gen
        self._gen = self._gen_arg()
        return cmd.with_gen(self._gen)

    def _error(self, exc: BaseException) -> StoreError:
        if is_unavailable(exc):
            return StoreUnavailable(f"Redis store {self.where} is unavailable: {type(exc).__name__}: {exc}")
        return StoreError(f"Redis store {self.where} failed: {type(exc).__name__}: {exc}")

    # -- keys and arguments ---------------------------------------------------------------

    def key(self, limit: Limit, scope: str | None) -> bytes:
        """The Redis key holding the state of ``limit`` for the scope value ``scope``."""
        k = (limit.name, scope, limit.algorithm)
        key = self._keys.get(k)
        if key is None:
            text = self._tag + w.LETTER[limit.algorithm] + ":" + w.escape(limit.name)
            if scope is not None:
                text += ":" + w.escape(scope)
            key = text.encode()
            if len(self._keys) >= CACHE_MAX:
                self._keys.clear()
            if len(self._names) >= 16 * CACHE_MAX:
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
        spec = w.STATIC.pack(
            w.LETTER[limit.algorithm].encode(), limit.capacity, limit.capacity_for(priority), limit.period, limit.offset
        )
        if len(self._specs) >= CACHE_MAX:
            self._specs.clear()
        self._specs[k] = (limit, spec)
        return spec

    def _head(self, max_wait: float | None) -> bytes:
        if self._clock is None:
            head = self._heads.get(max_wait)
            if head is not None:
                return head
            return w.HEAD.pack(w.NAN, w.nan(max_wait), self._margin)
        return w.HEAD.pack(self._clock.wall(), w.nan(max_wait), self._margin)

    def _reserve_cmd(self, items: Sequence[Item], priority: int, max_wait: float | None, again: bool = False) -> w.Cmd:
        # may this call be deferred to a later period when its process is over its fair
        # share of a busy budget (fair.lua)? Not a second time (``again``)
        which = 0 if not again and algo.may_defer(priority, max_wait) else 1
        if len(items) == 1:
            # the hot path: the command's leading part is cached per key, already encoded
            limit, scope, amount = items[0]
            key = self.key(limit, scope)
            head, item = self._head(max_wait), self._spec(limit, priority) + w.TAIL.pack(amount, 0.0)
            lead = self._lead.get(key)
            if lead is None:
                lead = b"*9\r\n$7\r\nEVALSHA\r\n" + w.bulk(w.SCRIPTS["reserve"].sha) + b"$1\r\n2\r\n"
                lead += w.bulk(key) + w.bulk(self._marker)
                if len(self._lead) >= CACHE_MAX:
                    self._lead.clear()
                self._lead[key] = lead
            gen = self._gen
            wire = lead + b"$24\r\n" + head + b"\r\n$49\r\n" + item + b"\r\n" + self._fair_wire[which] + w.bulk(gen)
            return w.Cmd("reserve", [key, self._marker], [head, item, self._fair[which], gen], wire)
        keys = [self.key(limit, scope) for limit, scope, _ in items]
        argv = [self._head(max_wait)]
        argv += [self._spec(limit, priority) + w.TAIL.pack(amount, 0.0) for limit, _, amount in items]
        argv.append(self._fair[which])
        return self._cmd("reserve", keys, argv)

    def _cmd(self, script: str, keys: list[bytes], argv: list[bytes]) -> w.Cmd:
        """A script call over budget ``keys``: the generation marker and argument added."""
        return w.Cmd(script, [*keys, self._marker], [*argv, self._gen])

    def _refund_cmd(self, items: Sequence[Item], placed: Sequence[float]) -> w.Cmd:
        if self._listener_pid != os.getpid():
            self._listen()  # a forked child: announce under its own id (and listen, if waited on)
        argv = [self._head(None) + self._origin]
        argv += [
            self._spec(limit, w.top(limit)) + w.TAIL.pack(amount, at)
            for (limit, _, amount), at in zip(items, placed, strict=True)
        ]
        return self._cmd("refund", [self.key(limit, scope) for limit, scope, _ in items], argv)

    def _rebook_cmd(self, items: Sequence[Item], priority: int, placed: Sequence[float], later: bool) -> w.Cmd:
        argv = [self._head(math.inf if later else None)]
        argv += [
            self._spec(limit, priority) + w.TAIL.pack(amount, at)
            for (limit, _, amount), at in zip(items, placed, strict=True)
        ]
        return self._cmd("rebook", [self.key(limit, scope) for limit, scope, _ in items], argv)

    def _observe_cmd(self, limit: Limit, scope: str | None, obs: Observation) -> w.Cmd:
        argv = [
            self._head(None),
            self._spec(limit, w.top(limit)) + w.TAIL.pack(0.0, 0.0),
            w.OBS.pack(
                w.nan(obs.used), w.nan(obs.remaining), w.nan(obs.reset_after), w.nan(obs.cap), w.nan(obs.blocked_for)
            ),
        ]
        return self._cmd("observe", [self.key(limit, scope)], argv)

    def _snapshot_cmd(self, pairs: Sequence[tuple[Limit, str | None, bytes]]) -> w.Cmd:
        argv = [self._head(None)]
        argv += [self._spec(limit, w.top(limit)) + w.TAIL.pack(0.0, 0.0) for limit, _, _ in pairs]
        return self._cmd("snapshot", [key for _, _, key in pairs], argv)

    def _lease_cmd(self, limit: Limit, scope: str | None, holder: str, units: float, ttl: float) -> w.Cmd:
        if self._recorded.get(limit.name) is not limit:
            self._unrecorded[limit.name] = limit
        argv = [self._head(None), b"l", w.LEASE.pack(units, ttl, limit.capacity), holder.encode()]
        return self._cmd("lease", [self.key(limit, scope)], argv)

    def _read_cmd(self, keys: Sequence[bytes]) -> w.Cmd:
        return self._cmd("lease", list(keys), [self._head(None), b"r"])

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
                pattern = w.glob_escape(self._tag) + "*|freed"
                self._freed_thread = FreedListener(client, pattern, self._origin, self._heard, self.where)

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

    # -- snapshots and limit definitions --------------------------------------------------

    def _snapshot_batches(
        self, raw: Sequence[bytes | str], limits: Sequence[Limit]
    ) -> Iterator[tuple[w.Cmd, Callable[[Any], list[KeySnapshot]]]]:
        """The script calls that read the scanned keys ``raw`` of ``limits``, each with what
        turns its reply into snapshots (built one at a time, as they are run)."""
        pairs, leased = self._split_keys(self._parse_keys(raw, limits))
        for i in range(0, len(pairs), SNAPSHOT_BATCH):
            chunk = pairs[i : i + SNAPSHOT_BATCH]
            yield self._snapshot_cmd(chunk), functools.partial(w.snapshots, chunk)
        for i in range(0, len(leased), SNAPSHOT_BATCH):
            chunk = leased[i : i + SNAPSHOT_BATCH]
            yield self._read_cmd([key for _, _, key in chunk]), functools.partial(w.lease_snapshots, chunk)

    def _match(self) -> str:
        return w.glob_escape(self._tag) + "*"

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
        wanted = {(w.LETTER[limit.algorithm], w.escape(limit.name)): limit for limit in limits}
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
            out.append((limit, w.unescape(parts[2]) if len(parts) == 3 else None, key))
        return out

    @staticmethod
    def _split_keys(
        pairs: list[tuple[Limit, str | None, bytes]],
    ) -> tuple[list[tuple[Limit, str | None, bytes]], list[tuple[Limit, str | None, bytes]]]:
        """(budget keys, lease keys): the snapshot script reads the first, the lease script the second."""
        budgets = [p for p in pairs if p[0].algorithm != "concurrent"]
        leased = [p for p in pairs if p[0].algorithm == "concurrent"]
        return budgets, leased
