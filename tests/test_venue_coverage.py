"""Every venue's rules against its table of documented endpoints (``ratekeeper.venues.documented``).

The tables are written from the venues' documents, endpoint by endpoint; these tests weigh each
example with the rules and require >= 95% of a venue's endpoints to match capacity, period,
scope and weight of every pool the document names.
"""

from __future__ import annotations

import json

import pytest

import ratekeeper as rk
from ratekeeper.venues import venue_names
from ratekeeper.venues._coverage import Documented, Pool, check, coverage, coverage_data
from ratekeeper.venues.documented import table

from .test_cli import run_cli

MIN_SHARE = 0.95
HL = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits"


def _entry(pools: tuple[Pool, ...], body: object, path: str = "/info") -> Documented:
    return Documented("info", "POST", path, pools, HL, "l2Book ... weight 2", body=body)


def test_check_matches_limits_by_capacity_period_scope_and_weight() -> None:
    venue = rk.venue("hyperliquid")
    l2 = {"type": "l2Book", "coin": "BTC"}
    ok = check(venue, _entry((Pool(2, 1200, 60, "ip"),), l2))
    assert ok.ok and ok.known and ok.charged == {"ip_weight": 2.0}

    wrong_weight = check(venue, _entry((Pool(3, 1200, 60, "ip"),), l2))
    assert not wrong_weight.ok
    assert wrong_weight.problems == ("ip_weight: charged 2, documented 3",)

    wrong_scope = check(venue, _entry((Pool(2, 1200, 60, "account"),), l2))
    assert wrong_scope.problems[0] == "no limit of 1200/60s per account"
    assert "ip_weight: charged 2, not documented for this endpoint" in wrong_scope.problems

    allowed = check(venue, Documented("info", "POST", "/info", (), HL, "q", body=l2, extra_ok=("ip_weight",)))
    assert allowed.ok


def test_an_endpoint_no_rule_prices_is_not_encoded(caplog: pytest.LogCaptureFixture) -> None:
    venue = rk.venue("hyperliquid")
    result = check(venue, _entry((Pool(20, 1200, 60, "ip"),), None, path="/nowhere"))
    assert not result.known and not result.ok
    assert result.charged == {"ip_weight": 20.0}


def test_coverage_groups_by_section_and_counts() -> None:
    venue = rk.venue("hyperliquid")
    entries = [
        Documented("a", "POST", "/info", (Pool(2, 1200, 60, "ip"),), HL, "q", body={"type": "l2Book"}),
        Documented("b", "POST", "/info", (Pool(9, 1200, 60, "ip"),), HL, "q", body={"type": "l2Book"}),
        Documented("a", "POST", "/nowhere", (Pool(20, 1200, 60, "ip"),), HL, "q"),
    ]
    sections = coverage(venue, entries)
    assert [(s.name, s.documented, s.encoded, s.matching) for s in sections] == [("a", 2, 1, 1), ("b", 1, 1, 0)]
    data = coverage_data(venue, entries)
    assert (data["documented"], data["encoded"], data["matching"]) == (3, 2, 1)
    assert data["share"] == pytest.approx(1 / 3)


WITH_TABLES = [name for name in venue_names() if table(name)]


def test_every_venue_has_a_table() -> None:
    assert venue_names() == WITH_TABLES


@pytest.mark.parametrize("name", WITH_TABLES)
def test_table_entries_name_their_source(name: str) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for entry in table(name):
        assert entry.source.startswith("http"), (name, entry.endpoint)
        assert entry.quote.strip(), (name, entry.endpoint)
        assert entry.method.upper() in {"GET", "POST", "PUT", "DELETE", "PATCH"}, (name, entry.endpoint)
        for pool in entry.pools:
            assert pool.weight >= 0 and pool.capacity > 0 and pool.period > 0, (name, entry.endpoint)
        key = (entry.section, entry.endpoint, repr(entry.params), repr(entry.body))
        assert key not in seen, f"{name}: {entry.endpoint} twice in section {entry.section}"
        seen.add(key)


@pytest.mark.parametrize("name", WITH_TABLES)
def test_rules_match_the_documents(name: str) -> None:
    data = coverage_data(rk.venue(name), table(name))
    differ = [
        f"{e['endpoint']}: {'; '.join(e['problems']) or 'not encoded'}"
        for s in data["sections"]
        for e in s["endpoints"]
        if not e["ok"]
    ]
    assert data["share"] >= MIN_SHARE, f"{name}: {data['matching']}/{data['documented']} match:\n" + "\n".join(differ)


def test_cli_prints_coverage() -> None:
    name = WITH_TABLES[0] if WITH_TABLES else "hyperliquid"
    out = run_cli("rules", name, "--coverage", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["documented"] == len(table(name))
    text = run_cli("rules", name, "--coverage")
    assert text.returncode == 0, text.stderr
    assert "documented endpoints" in text.stdout or "no table" in text.stdout
