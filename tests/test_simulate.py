"""The simulator: workloads through the pure decision functions in simulated time."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import ratekeeper as rk
from ratekeeper._simulate import (
    WorkloadError,
    analyse,
    load_workload,
    parse_workload,
    simulate,
)
from ratekeeper.venues import venue

HL = venue("hyperliquid")
ADDR = "0x00000000000000000000000000000000000000aa"


def _windows_ok(starts: list[tuple[float, float]], capacity: float, period: float) -> float:
    """The most units started in any interval (t - period, t]."""
    entries = sorted(starts)
    best = total = 0.0
    j = 0
    for t, units in entries:
        total += units
        while entries[j][0] + period <= t:  # as the algorithm counts: an entry leaves at its time + period
            total -= entries[j][1]
            j += 1
        best = max(best, total)
    return best


def test_under_capacity_nothing_waits() -> None:
    w = parse_workload({"seconds": 10, "requests": [{"path": "/info", "body": {"type": "l2Book"}, "rate": 5}]}, HL)
    sim = simulate(w)
    report = analyse(sim)
    assert report.requests == 50
    assert report.total_wait == 0
    assert sim.start == sim.arrival
    assert report.binding == "ip_weight[*]"  # the fullest budget, though nothing waited
    assert report.headroom == pytest.approx(20 / 10)  # 1200/60 = 20 weight/s renewed, 10 asked
    (t,) = report.types
    assert t.cost == {"ip_weight": 2.0}
    assert t.alone_rate == pytest.approx(10.0)
    assert t.sustainable_rate == pytest.approx(10.0)


def test_over_capacity_waits_and_never_overfills_a_window() -> None:
    # 60 weight per second asked of a 1200-per-60 s budget: three times what renews
    data = {"seconds": 60, "requests": [{"name": "heavy", "cost": {"ip_weight": 60}, "rate": 1}]}
    sim = simulate(parse_workload(data, HL))
    report = analyse(sim)
    assert report.binding == "ip_weight[*]"
    assert report.binding_share == 1.0
    assert report.headroom == pytest.approx(1 / 3)
    assert report.types[0].sustainable_rate == pytest.approx(1 / 3)
    # the first 20 (t = 0..19) fill the window; each later one starts when the one 20 places
    # before it leaves the window: request k (k >= 20) at start[k - 20] + 60; the 60th at 139 s
    assert sim.start[:20] == sim.arrival[:20]
    assert sim.start[20:] == pytest.approx([s + 60 for s in sim.start[:40]])
    assert sim.makespan == pytest.approx(139.0)
    assert _windows_ok([(s, 60.0) for s in sim.start], 1200, 60) <= 1200 + 1e-9
    assert sim.charged[("ip_weight", None if HL.limits["ip_weight"].scope is None else "*")] == 3600


def test_scope_from_the_workload_keys_the_budget() -> None:
    data = {"scope": {"ip": "10.0.0.1"}, "seconds": 1, "requests": [{"cost": {"ip_weight": 2}, "rate": 2}]}
    sim = simulate(parse_workload(data, HL))
    assert sim.keys == [("ip_weight", "10.0.0.1")]


def test_items_settle_the_estimate() -> None:
    # with estimates: max, userFills is charged 20 + 2000/20 before the response; 150 fills
    # settle it to 20 + 8
    data = {
        "seconds": 10,
        "estimates": "max",
        "requests": [{"path": "/info", "body": {"type": "userFills", "user": ADDR}, "items": 150, "rate": 1}],
    }
    w = parse_workload(data, HL)
    assert w.types[0].cost == {"ip_weight": 120.0}
    assert w.types[0].actual == {"ip_weight": 28.0}
    sim = simulate(w)
    assert sum(sim.charged.values()) == pytest.approx(10 * 28.0)
    report = analyse(sim)
    assert report.types[0].alone_rate == pytest.approx(20 / 28)


def test_learned_estimates_book_the_largest_answer_of_a_rule_and_scope() -> None:
    # by default, as the HTTP clients book once they have seen the answers: the largest extra
    # of the same rule and user; another user and candles (counted from the range) keep theirs
    fills = {"type": "userFills", "user": ADDR}
    other = {"type": "userFills", "user": "0x" + "c" * 40}
    data = {
        "seconds": 10,
        "requests": [
            {"path": "/info", "body": fills, "items": 150, "rate": 1},
            {"path": "/info", "body": {**fills, "aggregateByTime": True}, "items": 30, "rate": 1},
            {"path": "/info", "body": other, "items": 0, "rate": 1},
        ],
    }
    w = parse_workload(data, HL)
    assert [t.cost for t in w.types] == [{"ip_weight": 28.0}, {"ip_weight": 28.0}, {"ip_weight": 20.0}]
    assert [t.actual for t in w.types] == [None, {"ip_weight": 22.0}, None]
    assert [t.items[0][2] for t in w.types] == [28.0, 28.0, 20.0]
    with pytest.raises(WorkloadError, match="estimates must be"):
        parse_workload({**data, "estimates": "mean"}, HL)


def test_refunds_let_more_through_than_the_estimate_alone() -> None:
    # 12 estimated weight-120 requests fill 1440 > 1200: without settlement the 11th waits;
    # settled to 28 each, all 12 fit in the first window
    data = {
        "seconds": 1.2,
        "estimates": "max",
        "requests": [{"path": "/info", "body": {"type": "userFills", "user": ADDR}, "items": 150, "rate": 10}],
    }
    sim = simulate(parse_workload(data, HL))
    assert len(sim.start) == 12
    assert sim.start == sim.arrival


def test_higher_priority_goes_first() -> None:
    v = HL.with_limits(ip_weight=rk.Limit("ip_weight", 10, 1.0))
    data = {
        "seconds": 2,
        "requests": [
            {"name": "bulk", "cost": {"ip_weight": 1}, "rate": 50},
            {"name": "urgent", "cost": {"ip_weight": 1}, "rate": 1, "start": 0.5, "priority": 5},
        ],
    }
    sim = simulate(parse_workload(data, v))
    report = analyse(sim)
    urgent = next(t for t in report.types if t.name == "urgent")
    bulk = next(t for t in report.types if t.name == "bulk")
    # a bulk request queued since t=0.2 waits far longer than the urgent one that arrived later
    assert urgent.wait_max < bulk.wait_p50
    assert _windows_ok([(s, 1.0) for s in sim.start], 10, 1.0) <= 10 + 1e-9


def test_fixed_windows_refill_at_the_boundary() -> None:
    b = venue("binance")
    lim = b.limits["request_weight"]
    data = {"seconds": 1, "requests": [{"cost": {"request_weight": lim.capacity / 2}, "rate": 3}]}
    sim = simulate(parse_workload(data, b))
    # two fit the first window; the third starts exactly at the next boundary
    assert sim.start[:2] == sim.arrival[:2]
    assert sim.start[2] == pytest.approx(lim.period)


def test_quota_allowance_lasts() -> None:
    data = {
        "seconds": 5,
        "requests": [{"path": "/exchange", "body": {"action": {"type": "order", "orders": [{}]}}, "rate": 4}],
    }
    report = analyse(simulate(parse_workload(data, HL)))
    actions = next(k for k in report.keys if k.limit == "address_actions")
    assert actions.algorithm == "quota"
    assert actions.lasts == pytest.approx(10_000 / 4)


def test_recorded_log(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    lines = [{"t": 1000.0 + i * 0.01, "path": "/info", "body": {"type": "userRole", "user": ADDR}} for i in range(30)]
    path.write_text("\n".join(json.dumps(x) for x in lines))
    w = load_workload(path, HL)
    assert w.recorded
    assert w.arrivals[0][0] == 0.0
    sim = simulate(w)
    report = analyse(sim)
    # 20 requests of weight 60 fill the window; the rest wait for it to slide
    assert sum(1 for a, s in zip(sim.arrival, sim.start, strict=True) if s > a) == 10
    assert report.binding == "ip_weight[*]"
    assert report.makespan == pytest.approx(60.09)  # the 30th: 20 places after the 10th (t = 0.09)


def test_seconds_cuts_a_log() -> None:
    log = [{"t": i, "cost": {"ip_weight": 1}} for i in range(10)]
    assert len(parse_workload({"log": log}, HL, seconds=4.5).arrivals) == 5


def test_yaml_workload(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "w.yaml"
    path.write_text(
        "seconds: 2\nlimits:\n  ip_weight: [100, 1]\nrequests:\n  - name: book\n    path: /info\n"
        "    body: {type: l2Book, coin: BTC}\n    rate: 10\n"
    )
    w = load_workload(path, HL)
    assert w.limits["ip_weight"].capacity == 100
    assert w.types[0].name == "book"
    assert len(w.arrivals) == 20


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"requests": [{"cost": {"nope": 1}, "rate": 1}]}, "unknown limit 'nope'"),
        ({"requests": [{"cost": {"ip_weight": 5000}, "rate": 1}]}, "can never be admitted"),
        ({"requests": [{"cost": {"ip_weight": 1}}]}, "needs a rate"),
        ({"requests": [{"rate": 1}]}, "give either a cost or a method and path"),
        ({"requests": [{"cost": {"ip_weight": 1}, "rate": -1}]}, "> 0"),
        ({"requests": [], "log": []}, "not both"),
        ({"bogus": 1}, "unknown workload keys: bogus"),
        ({"limits": {"ip_weight": 5}, "requests": [{"cost": {"ip_weight": 1}, "rate": 1}]}, "[capacity, period]"),
        (
            {
                "requests": [
                    {"path": "/exchange", "body": {"action": {"type": "order", "orders": [{}] * 201}}, "rate": 1}
                ]
            },
            "maximum of 200",
        ),
    ],
)
def test_bad_workloads_say_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(WorkloadError, match=None) as info:
        parse_workload(data, HL)
    assert message in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(WorkloadError, match="cannot read"):
        load_workload(tmp_path / "missing.json", HL)
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(WorkloadError, match="not valid JSON"):
        load_workload(bad, HL)


def test_samples_follow_the_budget() -> None:
    data = {"seconds": 120, "requests": [{"cost": {"ip_weight": 60}, "rate": 1}]}
    sim = simulate(parse_workload(data, HL))
    (series,) = sim.sample_use
    assert len(series) == len(sim.sample_t) <= 1600
    assert max(series) <= 1.0 + 1e-9
    assert max(series) == pytest.approx(1.0)
    assert all(b >= a for a, b in zip(sim.sample_t, sim.sample_t[1:], strict=False))
    report = analyse(sim)
    assert report.keys[0].peak == pytest.approx(1.0)
    assert math.isfinite(report.makespan)
    json.dumps(report.as_dict())  # JSON-able
