"""estimate: the earliest start of a cost, booking nothing (limiters and stores), and the
typed store protocol the limiters read a store's capabilities from."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import ratekeeper as rk
from ratekeeper._algorithms import Decision
from ratekeeper.stores import (
    BudgetStore,
    Estimating,
    Item,
    KeySnapshot,
    LocalStore,
    MemoryStore,
    Rebooking,
    Store,
    Subscribing,
)
from ratekeeper.testing import FakeClock

W = rk.Limit("w", 100, 10.0)


def test_estimate_books_nothing_and_says_when() -> None:
    clock = FakeClock()
    limiter = rk.Limiter([W], clock=clock)
    limiter.acquire({"w": 80})
    clock.advance(4.0)
    assert limiter.estimate({"w": 20}) == 0.0
    assert limiter.estimate({"w": 40}) == pytest.approx(6.0)
    assert limiter.estimate({}) == 0.0
    (stats,) = limiter.statistics()
    assert stats.used == 80 and stats.reserved == 0
    assert limiter.try_acquire({"w": 20}) is not None  # nothing was held back by estimating


def test_estimate_validates_like_acquire() -> None:
    limiter = rk.Limiter([W, rk.Limit("r", 10, 1.0, reserve=0.5, reserve_priority=5)])
    with pytest.raises(rk.CostExceedsCapacity):
        limiter.estimate({"w": 101})
    with pytest.raises(rk.CostExceedsCapacity):
        limiter.estimate({"r": 6})  # half of r is kept for priority >= 5
    assert limiter.estimate({"r": 6}, priority=5) == 0.0
    with pytest.raises(ValueError):
        limiter.estimate({"w": -1})
    with pytest.raises(rk.UnknownLimit):
        limiter.estimate({"nope": 1})


def test_estimate_of_several_limits_is_the_common_start() -> None:
    clock = FakeClock()
    a, b = rk.Limit("a", 10, 1.0), rk.Limit("b", 10, 5.0)
    limiter = rk.Limiter([a, b], clock=clock)
    limiter.acquire({"a": 10, "b": 5})
    assert limiter.estimate({"a": 1}) == pytest.approx(1.0)
    assert limiter.estimate({"b": 6}) == pytest.approx(5.0)
    assert limiter.estimate({"a": 1, "b": 6}) == pytest.approx(5.0)


async def test_async_estimate() -> None:
    clock = FakeClock()
    limiter = rk.AsyncLimiter([W], clock=clock)
    await limiter.acquire({"w": 100})
    clock.advance(2.5)
    assert await limiter.estimate({"w": 1}) == pytest.approx(7.5)
    with pytest.raises(rk.CostExceedsCapacity):
        await limiter.estimate({"w": 1000})
    (stats,) = await limiter.statistics()
    assert stats.used == 100


def test_memory_store_estimate_matches_a_reserve_that_books_nothing() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    items: list[Item] = [(W, None, 70.0)]
    store.reserve(items, 0, None)
    d = store.estimate([(W, None, 50.0)], 0)
    assert not d.granted and d.placed == ()
    assert d.start - d.now == pytest.approx(10.0)
    assert store.reserve([(W, None, 50.0)], 0, -1.0)[:2] == d[:2]
    (snap,) = store.snapshot([W])
    assert snap.used == 70


class _Plain:
    """A store written against the bare rate-limit protocol: no estimate, no rebook, no
    listeners, no lock."""

    local = False

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.calls: list[float | None] = []

    def reserve(self, items: Sequence[Item], priority: int, max_wait: float | None) -> Decision:
        self.calls.append(max_wait)
        return self.inner.reserve(items, priority, max_wait)

    def refund(self, items: Sequence[Item], placed: Sequence[float]) -> None:
        self.inner.refund(items, placed)

    def observe(self, limit: rk.Limit, scope: str | None, observation: rk.Observation) -> None:
        self.inner.observe(limit, scope, observation)

    def snapshot(self, limits: Sequence[rk.Limit]) -> list[KeySnapshot]:
        return self.inner.snapshot(limits)

    def close(self) -> None:
        pass


def test_capabilities_are_read_from_the_protocol() -> None:
    memory = MemoryStore()
    for proto in (BudgetStore, Store, LocalStore, Estimating, Rebooking, Subscribing):
        assert isinstance(memory, proto), proto
    plain = _Plain()
    assert isinstance(plain, BudgetStore)
    for proto in (Store, LocalStore, Estimating, Rebooking, Subscribing):
        assert not isinstance(plain, proto), proto


def test_a_store_without_estimate_is_asked_to_reserve_booking_nothing() -> None:
    plain = _Plain()
    limiter = rk.Limiter([W], store=plain)
    limiter.acquire({"w": 100})
    assert 9.0 < limiter.estimate({"w": 1}) <= 10.0
    assert plain.calls[-1] is not None and plain.calls[-1] < 0
    assert plain.inner.snapshot([W])[0].used == 100


async def test_a_store_without_estimate_async() -> None:
    plain = _Plain()
    limiter = rk.AsyncLimiter([W], store=plain)
    await limiter.acquire({"w": 100})
    assert 9.0 < await limiter.estimate({"w": 1}) <= 10.0
    assert await limiter._estimate_items([(W, None, 1.0)], 0) > 9.0
