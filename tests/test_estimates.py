"""Learned two-phase estimates: a request whose weight depends on its answer books what recent
answers of the same kind carried, and the settle keeps the ledger equal to the venue's."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper.requests import Session
from ratekeeper.testing import MockVenue

A = "0x" + "a" * 40
B = "0x" + "b" * 40


def fills(user: str = A) -> dict[str, Any]:
    return {"type": "userFills", "user": user}


def cost(v: rk.venues.Venue, body: dict[str, Any], est: rk.Estimates | None) -> float:
    return v.weigh("POST", "/info", body, estimates=est).cost["ip_weight"]


def answer(v: rk.venues.Venue, est: rk.Estimates | None, n: int, user: str = A, status: int = 200) -> float:
    w = v.weigh("POST", "/info", fills(user), estimates=est)
    return v.settle(w, status, {}, [{}] * n, estimates=est)["ip_weight"]


def test_learns_per_rule_and_scope_from_the_answers() -> None:
    v = rk.venue("hyperliquid")
    est = rk.Estimates(min_answers=1)
    assert cost(v, fills(), None) == 120  # documented bound: 20 + 2000/20
    assert cost(v, fills(), est) == 120  # nothing learned yet: the bound
    assert answer(v, est, 30) == 22  # 20 + ceil(30/20)
    assert cost(v, fills(), est) == 22
    assert cost(v, fills(B), est) == 120  # another address has its own answers
    assert answer(v, est, 90) == 25  # booked 22: an under-estimate, counted
    assert cost(v, fills(), est) == 25  # the largest of the recent answers
    (stat,) = [s for s in est.statistics() if s.scope == {"address": A.lower()}]
    assert (stat.rule, stat.answers, stat.under, stat.extras) == ("POST /info type=userFills", 2, 1, {"ip_weight": 5})
    # no evidence, no lesson: a refused request or a body without a list
    answer(v, est, 2000, status=429)
    w = v.weigh("POST", "/info", fills(), estimates=est)
    v.settle(w, 200, {}, {"error": "x"}, estimates=est)
    assert cost(v, fills(), est) == 25
    est.clear()
    assert cost(v, fills(), est) == 120


def test_the_window_forgets_and_the_quantile_picks_by_rank() -> None:
    v = rk.venue("hyperliquid")
    est = rk.Estimates(window=4, min_answers=1)
    for n in (2000, 0, 0, 0):
        answer(v, est, n)
    assert cost(v, fills(), est) == 120  # the 2000 is still among the last 4
    answer(v, est, 0)
    assert cost(v, fills(), est) == 20  # forgotten: only the base now
    median = rk.Estimates(quantile=0.5, window=8, min_answers=1)
    for n in (20, 40, 60, 80):  # extras 1, 2, 3, 4
        answer(v, median, n)
    assert cost(v, fills(), median) == 22  # nearest rank: the 2nd of 4


def test_never_above_the_bound_and_only_for_bounds() -> None:
    v = rk.venue("hyperliquid")
    est = rk.Estimates(min_answers=1)
    answer(v, est, 5000)  # more than documented: charged as counted, booked at most the bound
    assert cost(v, fills(), est) == 120
    candles = {"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1m", "startTime": 0, "endTime": 59_999}}
    w = v.weigh("POST", "/info", candles, estimates=est)
    assert w.cost["ip_weight"] == 21  # counted from the range, never learned
    v.settle(w, 200, {}, [], estimates=est)
    assert v.weigh("POST", "/info", candles, estimates=est).cost["ip_weight"] == 21
    assert not [s for s in est.statistics() if "candle" in s.rule]


def test_the_bound_until_a_few_answers() -> None:
    # one or two answers are a poor guide: by default the bound holds for the first 8
    v = rk.venue("hyperliquid")
    est = rk.Estimates()
    for n in range(7):
        assert answer(v, est, 10 * n) == 20 + (n + 1) // 2  # settled to the count every time
        assert cost(v, fills(), est) == 120
    answer(v, est, 0)
    assert cost(v, fills(), est) == 23  # 8 answers: the largest of them, 60 fills


def test_bad_settings_are_refused() -> None:
    for bad in ({"quantile": 0}, {"quantile": 1.5}, {"window": 0}, {"keys": -1}, {"window": 2.5}, {"min_answers": 0}):
        with pytest.raises(ValueError):
            rk.Estimates(**bad)
    with pytest.raises(ValueError, match="estimates must be"):
        Session("hyperliquid", estimates="mean")  # type: ignore[arg-type]


def test_keys_are_bounded() -> None:
    v = rk.venue("hyperliquid")
    est = rk.Estimates(keys=2, min_answers=1)
    for user in (A, B, "0x" + "c" * 40):
        answer(v, est, 0, user=user)
    assert len(est.statistics()) == 2
    assert cost(v, fills(A), est) == 120  # the least recently used was forgotten


def ip_weight(s: Session) -> float:
    return sum(x.used for x in s.limiter.statistics() if x.limit == "ip_weight")


def test_ledger_equals_the_venue_unit_for_unit() -> None:
    """Answers of 0-120 fills, growing now and then (under-estimates): after every request
    the ledger holds what the venue counted, and the bookings follow the answers."""
    rng = random.Random(7)
    learned = rk.Estimates(min_answers=1)
    with MockVenue("hyperliquid") as hl, Session("hyperliquid", base_url=hl.url, estimates=learned) as s:
        for i in range(40):
            n = rng.randrange(0, 121) if i else 0
            r = s.post("/info", json={**fills(), "mockItems": n})
            assert r.status_code == 200 and len(r.json()) == n
            assert ip_weight(s) == hl.stats.weight_by_ip["127.0.0.1"]
        est = s.gate.estimates
        assert est is not None
        (stat,) = est.statistics()
        assert stat.answers == 40 and stat.under >= 1
        plan = s.gate.plan("POST", hl.url + "/info", fills())
        assert plan is not None and plan.cost["ip_weight"] == 26  # 20 + ceil(120/20), not 120
    with MockVenue("hyperliquid") as hl, Session("hyperliquid", base_url=hl.url, estimates="max") as s:
        assert s.gate.estimates is None
        plan = s.gate.plan("POST", hl.url + "/info", fills())
        assert plan is not None and plan.cost["ip_weight"] == 120
        s.post("/info", json={**fills(), "mockItems": 3})
        assert ip_weight(s) == hl.stats.weight_by_ip["127.0.0.1"] == 21


def test_under_estimates_meet_a_full_window_without_429() -> None:
    """4 threads spend a 2 s window of 200 weight on userFills whose answers keep growing (so
    every few requests books less than the venue will count): the extra is charged the
    moment the answer is read, and the venue never refuses."""
    period = 1.0
    venue = rk.venue("hyperliquid", ip_weight=(200, period))
    sizes = iter(range(0, 100_000, 7))
    lock = threading.Lock()
    with MockVenue("hyperliquid", period=period, weight_budget=200) as hl:
        with Session(venue, base_url=hl.url) as s:
            deadline = s.limiter.clock.now() + 3 * period

            def work() -> None:
                while s.limiter.clock.now() < deadline:
                    with lock:
                        n = next(sizes) % 121
                    s.post("/info", json={**fills(), "mockItems": n})

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            est = s.gate.estimates
            assert est is not None
            (stat,) = est.statistics()
        stats = hl.stats
    assert stat.under >= 3, stat
    assert stats.rejected_429 == 0, stats
    assert stats.max_window_weight_by_ip["127.0.0.1"] <= 200, stats
