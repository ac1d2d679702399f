"""The venues' WebSocket tables and message readers (no network, no server)."""

from __future__ import annotations

import dataclasses

import pytest

import ratekeeper as rk
from ratekeeper.websockets._rules import (
    LEASED,
    WsMessage,
    WsRules,
    WsTopic,
    binance_message,
    binance_url_topics,
    bitmex_message,
    bybit_message,
    htx_message,
    hyperliquid_message,
    hyperliquid_response_id,
    kucoin_message,
    okx_message,
    ws_rule_names,
    ws_rules,
)


def test_hyperliquid_messages() -> None:
    sub = hyperliquid_message({"method": "subscribe", "subscription": {"type": "trades", "coin": "BTC"}})
    assert sub == WsMessage("subscribe", (WsTopic('{"coin":"BTC","type":"trades"}'),))
    user = hyperliquid_message({"method": "subscribe", "subscription": {"type": "userFills", "user": "0xAbC"}})
    assert user.topics == (WsTopic('{"type":"userFills","user":"0xabc"}', "0xabc"),)
    # the same subscription, however the address is spelled, is one topic
    again = hyperliquid_message({"method": "unsubscribe", "subscription": {"user": "0xabc", "type": "userFills"}})
    assert again.kind == "unsubscribe" and again.topics == user.topics
    assert hyperliquid_message({"method": "post", "id": 7, "request": {}}) == WsMessage("post", post_id="7")
    assert hyperliquid_message({"method": "post", "id": 7.0}).post_id == "7"
    assert hyperliquid_message({"method": "post", "id": "a"}).post_id == '"a"'
    assert hyperliquid_message({"method": "post"}).post_id is None
    assert hyperliquid_message({"method": "ping"}).kind == "ping"
    assert hyperliquid_message({"method": "subscribe"}) == WsMessage("subscribe")
    assert hyperliquid_message("not json").kind == "other"
    assert hyperliquid_message([1, 2]).kind == "other"
    assert hyperliquid_response_id({"channel": "post", "data": {"id": 7, "response": {}}}) == "7"
    assert hyperliquid_response_id({"channel": "trades", "data": []}) is None
    assert hyperliquid_response_id({"channel": "post", "data": {"id": True}}) is None


def test_binance_messages_and_url_streams() -> None:
    m = binance_message({"method": "SUBSCRIBE", "params": ["BTCUSDT@trade", "btcusdt@trade", "ethusdt@depth"], "id": 1})
    assert m.kind == "subscribe" and [t.key for t in m.topics] == ["btcusdt@trade", "ethusdt@depth"]
    assert binance_message({"method": "UNSUBSCRIBE", "params": ["a@trade"]}).kind == "unsubscribe"
    assert binance_message({"method": "LIST_SUBSCRIPTIONS", "id": 3}).kind == "request"
    assert binance_message({"id": 3}).kind == "other"
    assert [t.key for t in binance_url_topics("wss://stream.binance.com:9443/ws/BTCUSDT@trade")] == ["btcusdt@trade"]
    combined = binance_url_topics("wss://stream.binance.com:9443/stream?streams=a@trade/b@depth/a@trade")
    assert [t.key for t in combined] == ["a@trade", "b@depth"]
    assert binance_url_topics("wss://stream.binance.com:9443/ws") == ()


def test_okx_bybit_bitmex_kucoin_htx_messages() -> None:
    okx = okx_message({"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}, "junk"]})
    assert okx.kind == "subscribe" and okx.topics == (WsTopic('{"channel":"tickers","instId":"BTC-USDT"}'),)
    assert okx_message({"op": "login", "args": []}).kind == "login"
    assert okx_message("ping").kind == "ping"
    assert okx_message({"op": "order", "args": []}).kind == "request"

    bybit = bybit_message({"op": "unsubscribe", "args": ["orderbook.1.BTCUSDT"]})
    assert bybit == WsMessage("unsubscribe", (WsTopic("orderbook.1.BTCUSDT"),))
    assert bybit_message({"op": "auth", "args": []}).kind == "login"
    assert bybit_message({"op": "ping"}).kind == "ping"

    assert bitmex_message({"op": "subscribe", "args": ["trade:XBTUSD"]}).topics == (WsTopic("trade:XBTUSD"),)
    assert bitmex_message({"op": "authKeyExpires", "args": []}).kind == "login"
    assert bitmex_message("ping").kind == "ping"

    ku = kucoin_message({"type": "subscribe", "topic": "/market/ticker:BTC-USDT, ETH-USDT,BTC-USDT", "id": "1"})
    assert [t.key for t in ku.topics] == ["/market/ticker:BTC-USDT", "/market/ticker:ETH-USDT"]
    assert kucoin_message({"type": "unsubscribe", "topic": "/market/snapshot"}).topics == (WsTopic("/market/snapshot"),)
    assert kucoin_message({"type": "ping", "id": "1"}).kind == "ping"

    assert htx_message({"sub": "market.btcusdt.kline.1min", "id": "1"}).topics == (
        WsTopic("market.btcusdt.kline.1min"),
    )
    assert htx_message({"unsub": "market.btcusdt.kline.1min"}).kind == "unsubscribe"
    assert htx_message({"req": "market.btcusdt.kline.1min"}).kind == "request"
    assert htx_message({"action": "sub", "ch": "orders#btcusdt"}).topics == (WsTopic("orders#btcusdt"),)
    assert htx_message({"action": "req", "ch": "auth"}).kind == "login"
    assert htx_message({"pong": 123}).kind == "ping"


@pytest.mark.parametrize("name", ws_rule_names())
def test_every_table_cites_its_sources(name: str) -> None:
    rules = ws_rules(name)
    assert rules.venue == name
    assert "http" in rules.source
    for limit in [*rules.limits.values(), *rules.connection_limits.values()]:
        assert "http" in limit.source, limit
        if limit.name in LEASED:
            assert limit.algorithm == "concurrent"
    # every limit a cost names exists in the table or in the venue's own limits
    venue_limits = rk.venue(name).limits
    for cost in rules.costs.values():
        for limit_name in cost:
            assert limit_name in rules.limits or limit_name in rules.connection_limits or limit_name in venue_limits


def test_hyperliquid_limits_are_the_venues_concurrent_ones() -> None:
    limits = rk.venue("hyperliquid").limits
    for name in LEASED:
        assert limits[name].algorithm == "concurrent", name
    assert limits["ws_connections"].capacity == 10
    assert limits["ws_subscriptions"].capacity == 1000
    assert limits["ws_users"].capacity == 10
    assert limits["ws_inflight_posts"].capacity == 100
    assert (limits["ws_messages"].capacity, limits["ws_messages"].period) == (2000, 60)
    assert (limits["ws_new_connections"].capacity, limits["ws_new_connections"].period) == (30, 60)
    # overrides keep the algorithm: a test can shorten the lease
    short = rk.venue("hyperliquid", ws_connections=(3, 1.0)).limits["ws_connections"]
    assert (short.capacity, short.period, short.algorithm) == (3, 1.0, "concurrent")


def test_costs_by_kind() -> None:
    assert ws_rules("hyperliquid").cost("post") == {"ws_messages": 1.0}
    okx = ws_rules("okx")
    assert okx.cost("subscribe") == {"ws_connection_requests": 1.0}
    assert okx.cost("ping") == {}
    assert ws_rules("binance").cost("other") == {"ws_connection_messages": 1.0}
    assert ws_rules("htx").cost("request") == {"ws_requests": 1.0, "ws_connection_requests": 1.0}


def test_unknown_venue_gets_empty_rules() -> None:
    rules = ws_rules("somewhere")
    assert rules.venue == "somewhere" and not rules.limits and rules.parse({"method": "subscribe"}).kind == "other"
    with pytest.raises(TypeError):
        ws_rules(3)  # type: ignore[arg-type]


def test_with_limits() -> None:
    b = ws_rules("binance").with_limits(ws_connection_messages=(2, 0.5), ws_new_connections=(5, 1.0))
    assert (
        b.connection_limits["ws_connection_messages"].capacity,
        b.connection_limits["ws_connection_messages"].period,
    ) == (
        2,
        0.5,
    )
    assert b.limits["ws_new_connections"].capacity == 5
    added = b.with_limits(ws_messages=rk.Limit("x", 10, 1.0, scope="ip"))
    assert added.limits["ws_messages"].name == "ws_messages"
    with pytest.raises(ValueError, match="no WebSocket limit 'nope'"):
        b.with_limits(nope=(1, 1.0))
    with pytest.raises(TypeError):
        b.with_limits(ws_new_connections=5)  # type: ignore[arg-type]


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="held through leases"):
        WsRules("x", costs={"*": {"ws_connections": 1}})
    with pytest.raises(ValueError, match="unknown message kind"):
        WsRules("x", costs={"publish": {"ws_messages": 1}})
    with pytest.raises(ValueError, match=">= 0"):
        WsRules("x", costs={"*": {"ws_messages": -1}})
    with pytest.raises(ValueError, match="must be a rate"):
        WsRules("x", connection_limits={"c": rk.Limit("c", 1, 1.0, algorithm="concurrent")})
    with pytest.raises(ValueError, match="both"):
        WsRules("x", limits={"a": rk.Limit("a", 1, 1.0)}, connection_limits={"a": rk.Limit("a", 1, 1.0)})
    with pytest.raises(ValueError, match="max_topics"):
        WsRules("x", max_topics=0)
    with pytest.raises(TypeError):
        WsRules("x", limits={"a": "nope"})  # type: ignore[dict-item]
    assert dataclasses.replace(ws_rules("kucoin"), max_topics=None).max_topics is None
