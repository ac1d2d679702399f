"""The Redis store, written once: as asyncio code in ``_async/store.py``, with the synchronous
twin ``_sync/store.py`` that ``scripts/unasync.py`` writes from it (``AsyncRedisStore`` ->
``RedisStore``, ``areserve`` -> ``reserve``, ``_aio`` -> ``_io``, ``await`` dropped).

Only the I/O lives here: one script call per operation, sent again after ``NOSCRIPT``, a
generation to learn, or a connection that broke before the command left. Keys, packed
arguments, replies, lost state, freed room and the fallback switch are ``_core.py``'s; what
differs between the worlds (connections, client classes) is ``_aio.py``/``_io.py``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import redis
from redis.exceptions import NoScriptError, RedisClusterException, RedisError, ResponseError

from .... import _algorithms as algo
from ...._errors import StoreError
from ...._limits import Limit, Observation
from ..._base import Item, KeySnapshot, LeaseResult, WallClock, limit_to_json
from .. import _aio
from .. import _wire as w
from .._core import RedisCore, log
from .._fallback import split, stay
from .._url import DEFAULT_PREFIX, Client, client_kwargs, closed_while_idle, describe, parse_url

_S = TypeVar("_S", bound="AsyncRedisStore")


class AsyncRedisStore(RedisCore):
    """A budget store in Redis (or Valkey), shared by every process on every host.

    ``client`` is a ``redis.Redis`` or ``redis.cluster.RedisCluster`` (their ``redis.asyncio``
    twins for the asyncio store); :meth:`from_url` builds one with bounded timeouts.
    ``prefix`` starts every key and is its hash tag. ``clock``: the server's ``TIME`` is the
    clock unless a clock is given here (anything with ``wall()``, e.g.
    ``ratekeeper.testing.FakeClock``: tests). ``fallback``: a fraction in (0, 1]; while Redis
    is away, limit locally at that share of each capacity instead of failing closed, and try
    Redis again every ``retry_interval`` seconds.
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
        super().__init__(prefix, clock, fallback, retry_interval, where or describe(client))
        self._client = client
        self._owns = owns_client
        # a plain pooled client: the encoded command goes straight onto one of its connections
        plain = isinstance(client, _aio.Redis) and getattr(client, "connection", None) is None
        self._lanes = _aio.Lanes(client.connection_pool) if plain else None

    @classmethod
    def from_url(
        cls: type[_S],
        url: str,
        *,
        prefix: str | None = None,
        clock: WallClock | None = None,
        fallback: float | None = None,
        retry_interval: float | None = None,
        cluster: bool | None = None,
        **redis_kwargs: Any,
    ) -> _S:
        """A store for ``redis://``, ``rediss://``, ``redis+cluster://`` (or ``?cluster=1``).

        The query options ``prefix``, ``fallback`` and ``retry_interval`` set the matching
        arguments; the others (``socket_timeout``, ``password``…) go to redis-py.
        """
        u = parse_url(url, prefix, fallback, retry_interval, cluster)
        kw = client_kwargs(redis_kwargs, _aio.Retry)
        client = _aio.RedisCluster.from_url(u.plain, **kw) if u.cluster else _aio.Redis.from_url(u.plain, **kw)
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

    async def _run(self, cmd: w.Cmd) -> Any:
        """Send one EVALSHA: once, again after NOSCRIPT, and again after a connection that
        broke before the command left. Never again once it was sent: its reply lost, it may
        have run, and a refund run twice gives back someone else's booking."""
        lanes = self._lanes
        if lanes is None:
            return await self._run_generic(cmd)
        reconnected = load = False
        tries = 0
        while True:
            conn = None
            sent = False
            try:
                conn = await lanes.take()
                if closed_while_idle(conn):
                    await conn.disconnect()  # the server closed it since its last reply (a restart): connect anew
                    self._suspect()  # and check which server answers now (a failover)
                    cmd = cmd.with_gen(self._gen)
                if load:
                    await conn.send_command("SCRIPT", "LOAD", w.SCRIPTS[cmd.script].source)
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
            except redis.ConnectionError as exc:
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
                    await lanes.give(conn)

    async def _run_generic(self, cmd: w.Cmd) -> Any:
        """Cluster and single-connection clients: they route and retry themselves."""
        tries = 0
        while True:
            cmd = self._watch_node(cmd)
            try:
                try:
                    return await self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
                except NoScriptError:
                    await self._client.script_load(w.SCRIPTS[cmd.script].source)
                    return await self._client.execute_command(*cmd.args(), NEVER_DECODE=True)
            except ResponseError as exc:
                cmd = self._adopt(cmd, exc, tries)  # a generation to learn: then the call again
                tries += 1
            except (RedisError, RedisClusterException, OSError) as exc:
                self._suspect()
                raise self._error(exc) from exc

    async def areserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        return await self._areserve(items, priority, max_wait, False)

    async def areserve_again(self, items: Sequence[Item], priority: int, max_wait: float | None) -> algo.Decision:
        """The reservation of a request this store deferred before (over its fair share of a
        busy budget): never deferred a second time."""
        return await self._areserve(items, priority, max_wait, True)

    async def _areserve(
        self, items: Sequence[Item], priority: int, max_wait: float | None, again: bool
    ) -> algo.Decision:
        if self._fallback is not None:
            fb = self._local_now()
            if fb is not None:
                return fb.reserve(self._scale(items), priority, max_wait)
        try:
            reply = await self._run(self._reserve_cmd(items, priority, max_wait, again))
        except StoreError as exc:
            return self._went_away(exc).reserve(self._scale(items), priority, max_wait)
        if self._fallback is not None:
            self._came_back()
        if self._unrecorded:
            await self._record()
        return w.decision(reply, len(items))

    async def aestimate(self, items: Sequence[Item], priority: int) -> algo.Decision:
        """The earliest start for ``items`` at ``priority``, booking nothing (a reservation
        with a negative ``max_wait``: report only)."""
        return await self.areserve(items, priority, -1.0)

    async def _record(self) -> None:
        new = self._definitions()
        try:
            await self._client.hset(self.limits_key, mapping={n: limit_to_json(x) for n, x in new.items()})
        except (RedisError, RedisClusterException, OSError) as exc:
            self._not_recorded(new, exc)

    async def aknown_limits(self) -> list[Limit]:
        """The limits this prefix holds budgets for, as the programs that spend them defined
        them (the latest definition of each name): what ``ratekeeper status`` shows. An
        advisory list: with Redis away it is empty (the reads that follow say why)."""
        try:
            return self._limits_from(await self._client.hgetall(self.limits_key))
        except (RedisError, RedisClusterException, OSError) as exc:
            log.debug("limit definitions not read: %s", self._error(exc), extra={"store": self.where})
            return []

    async def arefund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        ri, rp, li, lp = split(items, placed)
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
        """Move a booking earlier in one script (see :func:`ratekeeper._algorithms.rebook`).
        A booking is moved where it lives: in Redis, or in the local fallback while that is
        in use; one that straddles both, or whose store is away, stays where it is."""
        elsewhere = self._rebook_off_redis(items, priority, placed, later)
        if elsewhere is not None:
            return elsewhere
        try:
            reply = await self._run(self._rebook_cmd(items, priority, placed, later))
        except StoreError:
            return stay(placed)
        return w.decision(reply, len(items))

    def _pubsub_client(self) -> Client | None:
        return _aio.thread_client(self._client)

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
        """See :meth:`ratekeeper.stores.Store.lease`: one script call, on the server's clock."""
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
            await self._record()
        return w.lease_result(reply)

    async def aleases(self, limit: Limit, scope: str | None) -> dict[str, tuple[float, float]]:
        """See :meth:`ratekeeper.stores.Store.leases`."""
        algo.check_concurrent(limit)
        fb = self._fallback
        if fb is not None:
            return fb.leases(self._small(limit), scope)
        return w.held((await self._run(self._read_cmd([self.key(limit, scope)])))[0])

    async def aclear(self) -> int:
        """Delete every key under this store's prefix (tests, resets); returns how many. A
        deliberate reset, not a loss: the processes sharing the prefix start afresh too."""
        marker = self._clear_marker()
        try:
            # the new generation first: a process that finds the keys gone meanwhile adopts it
            # (a reset) instead of finding its marker gone (a loss)
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
        self._stop_listening()
        lanes = self._lanes
        if lanes is not None:
            lanes.close()
        if self._owns:
            await self._client.aclose()
