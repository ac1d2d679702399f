"""The venue model: registry, overrides, rule matching, unknown endpoints, scope values."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

import ratekeeper as rk
from ratekeeper.venues import InvalidRequest, Request, Rule, Rules, Venue, Weighed, _model, venue, venue_names

ALL = [
    "binance",
    "binance_coinm",
    "binance_usdm",
    "bitmex",
    "bybit",
    "htx",
    "htx_coinm",
    "htx_usdtm",
    "hyperliquid",
    "kucoin",
    "kucoin_futures",
    "okx",
]


@pytest.fixture(autouse=True)
def _fresh_unknown_log() -> None:
    _model._forget_unknown()


def test_venue_names_lists_every_registered_venue() -> None:
    assert venue_names() == sorted(ALL)


def test_unknown_venue_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown venue 'nope'"):
        venue("nope")


def test_public_entry_point_and_contract_example() -> None:
    hl = rk.venue("hyperliquid", ip_weight=(1200, 3.0))
    assert isinstance(hl, Venue)
    assert hl.limits["ip_weight"].capacity == 1200
    assert hl.limits["ip_weight"].period == 3.0
    cost = hl.cost("POST", "/info", {"type": "l2Book", "coin": "BTC"})
    assert cost == {"ip_weight": 2}
    assert type(cost) is dict


@pytest.mark.parametrize("name", ALL)
def test_every_limit_has_a_source_and_every_rule_too(name: str) -> None:
    v = venue(name)
    assert v.limits, name
    for limit in v.limits.values():
        assert "read 2026-" in limit.source or "exchangeInfo" in limit.source, limit
    for rule in v.rules:
        assert rule.source, rule.name
    assert v.default.source
    assert v.mainnet is not None and v.mainnet.startswith("https://")


@pytest.mark.parametrize("name", ALL)
def test_every_fixed_rule_cost_names_a_known_limit_or_group(name: str) -> None:
    v = venue(name)
    for rule in [*v.rules, v.default]:
        if callable(rule.cost):
            continue
        for key in rule.cost:
            assert key in v.limits or key in v.groups, (rule.name, key)


@pytest.mark.parametrize("name", ALL)
def test_unknown_endpoint_costs_the_default_never_zero_and_is_logged_once(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    v = venue(name)
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        first = v.weigh("POST", "/no/such/endpoint/for/tests", {"x": 1})
        second = v.weigh("POST", "/no/such/endpoint/for/tests", {"x": 2})
    assert not first.known and not second.known
    assert first.cost == second.cost
    assert sum(first.cost.values()) > 0
    assert first.idempotent is False
    logged = [r for r in caplog.records if "no rule for POST /no/such/endpoint/for/tests" in r.getMessage()]
    assert len(logged) == 1


def test_unknown_endpoints_are_logged_once_per_venue_and_endpoint(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        venue("okx").weigh("GET", "/x/one")
        venue("bybit").weigh("GET", "/x/one")
        venue("okx").weigh("GET", "/x/two")
        venue("okx").weigh("GET", "/x/one")
    assert len([r for r in caplog.records if "no rule for" in r.getMessage()]) == 3


def test_unknown_endpoints_are_priced_by_class_when_the_venue_tells_private_from_public(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = {"ip": rk.Limit("ip", 100, 1, scope="ip"), "acct": rk.Limit("acct", 10, 1, scope="account")}
    v = Venue(
        name="classy",
        limits=limits,
        rules=Rules([Rule("GET", "/known", {"ip": 1})]),
        default=Rule("*", "*", {"ip": 5}),
        private_default=Rule("*", "*", {"acct": 2}, kind="action"),
        is_private=lambda request: request.path.startswith("/private/"),
    )
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        public = v.weigh("GET", "/public/ticker")
        private = v.weigh("POST", "/private/order", {"x": 1})
    assert (public.known, dict(public.cost)) == (False, {"ip": 5.0})
    assert (private.known, dict(private.cost)) == (False, {"acct": 2.0})
    assert private.idempotent is False
    assert v.weigh("GET", "/known").cost == {"ip": 1.0}
    messages = [r.getMessage() for r in caplog.records]
    assert any("/private/order" in m and "'acct': 2.0" in m for m in messages)


def test_overrides_take_a_limit_or_a_pair_and_keep_the_rest() -> None:
    v = venue("binance", request_weight=(100, 1.0), orders_10s=rk.Limit("other-name", 5, 10, algorithm="fixed"))
    assert v.limits["request_weight"].capacity == 100
    assert v.limits["request_weight"].period == 1.0
    assert v.limits["request_weight"].algorithm == "fixed"
    assert v.limits["request_weight"].scope == "ip"
    assert v.limits["orders_10s"].capacity == 5
    assert v.limits["orders_10s"].name == "orders_10s"


def test_override_of_an_unknown_limit_with_a_pair_is_an_error() -> None:
    with pytest.raises(ValueError, match="no limit 'nope'"):
        venue("okx", nope=(1, 1))


def test_override_of_a_new_limit_with_a_limit_value_adds_it() -> None:
    v = venue("okx", extra=rk.Limit("extra", 3, 1))
    assert v.limits["extra"].capacity == 3


def test_override_rejects_other_values() -> None:
    with pytest.raises(TypeError):
        venue("okx", balance=5)


def test_venue_is_immutable() -> None:
    v = venue("hyperliquid")
    with pytest.raises(AttributeError):
        v.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        v.limits["ip_weight"] = rk.Limit("ip_weight", 1, 1)  # type: ignore[index]


def test_full_url_and_query_string_are_understood() -> None:
    v = venue("binance")
    by_url = v.cost("GET", "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5000")
    by_params = v.cost("get", "/api/v3/depth/", params={"symbol": "BTCUSDT", "limit": 5000})
    assert by_url == by_params == {"request_weight": 250, "raw_requests": 1}


def test_json_text_and_bytes_bodies_are_parsed() -> None:
    v = venue("hyperliquid")
    assert v.cost("POST", "/info", '{"type": "userRole", "user": "0x1"}') == {"ip_weight": 60}
    assert v.cost("POST", "/info", b'{"type": "allMids"}') == {"ip_weight": 2}
    assert v.cost("POST", "/info", b"\xff\xfe not json") == {"ip_weight": 20}


def test_rules_first_match_wins_in_registration_order() -> None:
    first = Rule("GET", "/a/{x}", {"l": 1}, name="template")
    second = Rule("GET", "/a/b", {"l": 2}, name="exact")
    rules = Rules([first, second])
    found = rules.find(Request.build("GET", "/a/b"))
    assert found is not None and found[0].name == "template" and found[1] == {"x": "b"}
    rules = Rules([second, first])
    found = rules.find(Request.build("GET", "/a/b"))
    assert found is not None and found[0].name == "exact"


def test_rule_templates_where_and_wildcards() -> None:
    rules = Rules(
        [
            Rule("POST", "/info", {"l": 2}, where={"type": "a"}),
            Rule("POST", "/x/*", {"l": 3}),
            Rule("*", "/y", {"l": 4}),
        ]
    )
    assert rules.find(Request.build("POST", "/info", {"type": "b"})) is None
    hit = rules.find(Request.build("POST", "/info", {"type": "a"}))
    assert hit is not None and hit[0].cost == {"l": 2}
    hit = rules.find(Request.build("POST", "/x/1/2/3"))
    assert hit is not None and hit[0].path == "/x/*"
    hit = rules.find(Request.build("DELETE", "/y"))
    assert hit is not None and hit[0].method == "*"
    assert len(rules) == 3


def test_rule_validates_its_fields() -> None:
    with pytest.raises(ValueError):
        Rule("GET", "/a", {"l": -1})
    with pytest.raises(ValueError):
        Rule("GET", "/a", {"l": 1}, kind="write")  # type: ignore[arg-type]
    assert Rule("GET", "/a", {"l": 1}).is_idempotent
    assert not Rule("POST", "/a", {"l": 1}, kind="action").is_idempotent
    assert Rule("POST", "/a", {"l": 1}, kind="action", idempotent=True).is_idempotent


def test_request_field_reads_nested_body_then_params() -> None:
    request = Request.build("POST", "/p?b=2", {"action": {"type": "order"}}, {"c": 3})
    assert request.field("action.type") == "order"
    assert request.field("b") == "2"
    assert request.field("c") == 3
    assert request.field("missing.deep") is None


def test_scope_for_combines_request_values_with_callers_values() -> None:
    okx = venue("okx")
    weighed = okx.weigh("POST", "/api/v5/trade/order", {"instId": "BTC-USDT-SWAP", "side": "buy"})
    assert weighed.scope == {"instrument": "BTC-USDT-SWAP"}
    scope = weighed.scope_for(account="uid7", ip="1.2.3.4")
    assert scope["account+instrument"] == "uid7|BTC-USDT-SWAP"
    assert scope["account"] == "uid7"
    # a part the caller does not know is the default scope value
    assert weighed.scope_for()["account+instrument"] == "*|BTC-USDT-SWAP"


def test_scope_for_lowercases_addresses() -> None:
    weighed = venue("hyperliquid").weigh("POST", "/exchange", {"action": {"type": "order", "orders": [{}]}})
    assert weighed.scope_for(address="0xAbC")["address"] == "0xabc"


def test_weighed_is_a_frozen_value_with_the_rule_name() -> None:
    weighed = venue("hyperliquid").weigh("POST", "/info", {"type": "l2Book"})
    assert isinstance(weighed, Weighed)
    assert weighed.name == "POST /info type=l2Book"
    assert weighed.kind == "read" and weighed.idempotent and weighed.known
    with pytest.raises(AttributeError):
        weighed.kind = "action"  # type: ignore[misc]
    assert isinstance(weighed.cost, Mapping)


def test_invalid_request_is_a_value_error_and_a_ratekeeper_error() -> None:
    assert issubclass(InvalidRequest, ValueError)
    assert issubclass(InvalidRequest, rk.RateKeeperError)


@pytest.mark.parametrize("name", ALL)
def test_feedback_never_raises_on_garbage(name: str, caplog: pytest.LogCaptureFixture) -> None:
    v = venue(name)
    weighed = v.weigh("GET", "/whatever")
    samples: list[tuple[object, object, object]] = [
        (429, {"Retry-After": "soon"}, "<html>"),
        (418, [("Retry-After", "-3")], None),
        (200, {"X-MBX-USED-WEIGHT-1M": "NaN", "x-ratelimit-remaining": "many"}, {"code": None}),
        ("abc", None, None),
        (403, 12, b"\x00"),
        (200, {"gw-ratelimit-limit": "inf", "X-Bapi-Limit-Status": "-1"}, [1, 2]),
    ]
    with caplog.at_level(logging.WARNING, logger="ratekeeper.venues"):
        for status, headers, body in samples:
            observations = v.feedback(status, headers, body, weighed)  # type: ignore[arg-type]
            assert isinstance(observations, list)
            for o in observations:
                assert o.limit in v.limits


@pytest.mark.parametrize("name", ALL)
def test_settle_returns_the_same_keys_and_never_raises(name: str) -> None:
    v = venue(name)
    weighed = v.weigh("GET", "/whatever")
    for status, body in ((200, None), (500, "x"), (200, {"a": 1})):
        settled = v.settle(weighed, status, {}, body)
        assert set(settled) == set(weighed.cost)
