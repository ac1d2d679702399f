"""The I/O of a proxy router: the failure records read from and written to the store, the
budget acquired through the limiter, the health checks run.

Written once, for asyncio: ``scripts/unasync.py`` generates the threaded twin
(``_sync/router.py``, the methods without their ``a`` prefix) from this file. The decisions
are :class:`~ratekeeper.proxies._router.RouterCore`'s; what differs between the two worlds
beyond ``await`` is in ``_aio.py`` / ``_io.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..._errors import StoreError
from .. import _aio
from .._router import DOWN_LIMIT, R, Retries, Routed, RouterCore, Trip, _healthy_status, _Member, _service, log

if TYPE_CHECKING:
    from ..._limiter import AsyncGrant, AsyncLimiter
    from .._pool import AsyncProbe
    from .._router import AsyncEstimate

__all__ = ["AsyncRouterShell"]


class AsyncRouterShell(RouterCore):
    """The I/O methods of :class:`~ratekeeper.proxies.ProxyRouter` for one world (asyncio here,
    threads in the generated twin)."""

    async def arefresh(self) -> None:
        """Re-read the failure records from the store now."""
        now = self._clock.now()
        if not self._shared:
            self._refreshed = now
            return
        try:
            snaps = await _aio.snapshot(self._store, [DOWN_LIMIT])
        except StoreError:
            log.warning("ratekeeper: cannot read the proxy failure records; keeping the last ones", exc_info=True)
            self._refreshed = now
            return
        self._apply(snaps, now)

    async def aroute(
        self, plan: R, trip: Trip, probe: AsyncProbe | None = None, *, with_ip: Callable[[R, str], R]
    ) -> tuple[_Member, R, AsyncGrant]:
        """Pick the member for this attempt and acquire its budget: ``(member, plan with its
        scope, grant)``. ``with_ip(plan, ip)``: ``plan`` sent from ``ip`` (a member's scope
        value; the HTTP layer's gate knows how). Raises :class:`ProxyUnavailable` when no
        member may be used."""
        limiter: AsyncLimiter = self._limiter
        estimate: AsyncEstimate = self._estimate
        clock = self._clock
        for _ in range(len(self._routable) + 3):
            now = clock.now()
            if self._stale(now):
                await self.arefresh()
            cands = self._candidates(trip, now)
            if not cands:
                fallback = self._fallback(trip)
                if fallback is not None:
                    trip.forced = fallback
                    continue
                if self.pool.health_check is not None and not trip.checked:
                    trip.checked = True
                    checked = await self.acheck(probe, respect_interval=True)
                    if any(checked.values()):
                        continue
                raise self._unavailable(now)
            ordered = self._rotated(cands)
            first = ordered[0]
            p = with_ip(plan, first.scope)
            if not self._counters[first.key].waiting:
                grant = await limiter.try_acquire(p.cost, scope=p.scope, priority=p.priority)
                if grant is not None:
                    return first, p, grant
            best = first
            if len(ordered) > 1:
                waits: list[float] = []
                for m in ordered:  # how soon each member's budget admits it, booking nothing
                    items = self._items(with_ip(plan, m.scope))
                    waits.append(await estimate(items, plan.priority) if items else 0.0)
                best = self._best(ordered, waits, _service(self._items(p))).member
                p = with_ip(plan, best.scope)
            self._enter(best)
            try:
                grant = await limiter.acquire(p.cost, scope=p.scope, priority=p.priority)
            finally:
                self._leave(best)
            if best.proxy is not None and trip.forced is None and self.is_down(best.key):
                await grant.release()  # it failed (elsewhere) while this request waited for it
                continue
            return best, p, grant
        raise self._unavailable(clock.now())

    async def arecord_failure(self, member: _Member, exc: BaseException | str) -> None:
        """Record that ``member`` failed, once per episode for everyone sharing the store."""
        if member.proxy is None:
            return
        now = self._clock.now()
        reason = self._reason(exc)
        if not self._shared:
            self._local_record(member, now, reason)
            return
        try:
            result = await _aio.lease(self._store, DOWN_LIMIT, member.key, self._holder_id(), 1.0, self.pool.grace)
        except StoreError:
            log.warning("ratekeeper: cannot record the failure of proxy %s in the store", member.key, exc_info=True)
            self._local_record(member, now, reason)
            return
        self._recorded(member, result, now, reason)

    async def afailed(
        self, trip: Trip, member: _Member, exc: BaseException | str, sent: bool, plan: Routed, retry: Retries
    ) -> bool:
        """A connection error or timeout through ``member``: record it, and say whether to send
        the request again through another member."""
        self._note_error(trip, member)
        await self.arecord_failure(member, exc)
        again = self._decide_after_failure(trip, member, sent, plan, retry)
        if again:
            self._log_rotation(plan, member, self._reason(exc))
        return again

    async def aclear(self, label: str) -> None:
        """Remove the failure record of proxy ``label`` (for everyone sharing the store)."""
        if label not in self._by_label:
            raise KeyError(f"no proxy labelled {label!r} in this pool")
        if self._shared:
            for holder in await _aio.leases(self._store, DOWN_LIMIT, label):
                await _aio.lease(self._store, DOWN_LIMIT, label, holder, 0.0)
        self._down.pop(label, None)

    async def acheck(
        self, probe: AsyncProbe | None = None, *, only_down: bool = True, respect_interval: bool = False
    ) -> dict[str, bool]:
        """Run the pool's health check on the failed proxies (every proxy with
        ``only_down=False``); clear the record of each that passes. Returns label -> passed.
        With asyncio the checks run at once (a plain function in a thread); with threads one
        after the other."""
        hc = self.pool.health_check
        probe = probe if probe is not None else self._aprobe
        if hc is None:
            raise ValueError("this proxy pool has no health_check (a URL or a function) to run")
        if not isinstance(hc, str):
            _aio.usable(hc)
        results: dict[str, bool] = {}

        async def one(m: _Member) -> tuple[_Member, bool, str]:
            proxy = m.proxy
            assert proxy is not None
            try:
                if isinstance(hc, str):
                    if probe is None:
                        raise RuntimeError("this client cannot fetch a health-check URL")
                    status = await probe(proxy, hc, self.pool.health_timeout)
                    return m, _healthy_status(status), f"HTTP {status}"
                return m, await _aio.healthy(hc, proxy), ""
            except Exception as e:
                return m, False, self._reason(e)

        async def settle(m: _Member, ok: bool, why: str) -> None:
            self._check_result(m, ok, why)
            if ok and self.is_down(m.key):
                await self.aclear(m.key)
            results[m.key] = ok

        async with _aio.exclusive(self._check_lock):
            await self.arefresh()
            now = self._clock.now()
            targets = self._check_targets(only_down, respect_interval, now)
            for m in targets:
                self._checked[m.key] = now
            await _aio.run_checks(targets, one, settle)
        return results
