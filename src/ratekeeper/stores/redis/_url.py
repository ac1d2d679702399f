"""Store URLs, the redis-py clients they build, and the connections those hand out."""

from __future__ import annotations

import dataclasses
import select
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff

DEFAULT_PREFIX = "ratekeeper"
DEFAULT_TIMEOUT = 1.0
"""Seconds a connect or a reply may take before the store reports itself unavailable."""

OPTIONS = ("prefix", "fallback", "retry_interval", "cluster")
"""Query parameters of a store URL that are ours, not redis-py's."""

Client = Any
"""A ``redis.Redis`` or ``redis.cluster.RedisCluster`` (sync), or their asyncio twins."""


@dataclasses.dataclass(frozen=True)
class Url:
    plain: str  # the URL redis-py sees
    shown: str  # the URL without credentials or options, for messages
    cluster: bool
    prefix: str
    fallback: float | None
    retry_interval: float


def parse_url(
    url: str, prefix: str | None, fallback: float | None, retry_interval: float | None, cluster: bool | None
) -> Url:
    parts = urlsplit(url)
    scheme = parts.scheme
    is_cluster = scheme.endswith("+cluster")
    scheme = scheme.removesuffix("+cluster")
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"not a Redis URL: {url!r} (redis://, rediss://, redis+cluster://, unix://)")
    ours: dict[str, str] = {}
    theirs = []
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if k in OPTIONS:
            ours[k] = v
        else:
            theirs.append((k, v))
    if cluster is not None:
        is_cluster = cluster
    elif ours.get("cluster", "").lower() in ("1", "true", "yes"):
        is_cluster = True
    return Url(
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


def client_kwargs(kwargs: dict[str, Any], retry_cls: Any) -> dict[str, Any]:
    """redis-py settings that bound every call: 1 s to connect, 1 s for a reply, one quick
    retry of a connection attempt that broke (a restarted server) and none on a timeout (a
    hung server). ``retry_cls``: redis-py's ``Retry`` of the client's world (sync, asyncio)."""
    kw = dict(kwargs)
    kw.setdefault("socket_timeout", DEFAULT_TIMEOUT)
    kw.setdefault("socket_connect_timeout", DEFAULT_TIMEOUT)
    if "retry" not in kw:
        kw["retry"] = retry_cls(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
    return kw


def describe(client: Client) -> str:
    try:
        kw = client.connection_pool.connection_kwargs
        return f"redis://{kw.get('host', '?')}:{kw.get('port', '?')}/{kw.get('db', 0)}"
    except AttributeError:
        return type(client).__name__


def closed_while_idle(conn: Any) -> bool:
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
