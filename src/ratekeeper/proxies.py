"""Proxy pools: each proxy its own per-IP budget, least-wait routing, shared failure records.

A venue limits requests per IP; a pool of proxies is a pool of IPs. Given
``proxy_pool=[...]``, every HTTP integration (``ratekeeper.requests``, ``ratekeeper.httpx``,
``ratekeeper.aiohttp``, the hyperliquid-python-sdk adapter) sends each request to the venue
through one member of the pool:

* **one budget per proxy** — each proxy is a value of the venue's ``ip`` scope (its label:
  ``host:port``, or a label you give), so each egress IP spends its own ``ip_weight``, shared
  through the store with every thread, process and host that uses the same pool;
* **least-wait routing** — a request goes to the healthy member whose budget admits it
  soonest (the store reports each start without booking; the booking itself is the
  limiter's usual atomic one), so N proxies carry about N times the traffic of one IP;
* **failures are shared** — a connection error or timeout through a proxy is recorded in the
  store as a lease that expires after ``grace`` seconds: every worker, host and later run
  skips the proxy until then (or until a health check passes). Concurrent failures of one
  proxy make one record: the grace period is not extended by every thread that hits it;
* **requests move on** — a request whose proxy failed goes through another (at most
  ``max_rotations`` times), then directly if ``fallback_direct``. An action that moves
  money is re-sent only when it certainly never left (the connection was never made):
  after it may have reached the venue it raises ``ActionOutcomeUnknown``, as without a pool;
* **credentials stay secret** — ``user:password`` never appears in logs, statistics, labels
  or error messages: proxies show as ``http://***@host:port``.

This module does no network I/O of its own: the integrations send (and probe) through their
HTTP library; the router here asks the limiter's store, through thin sync and async shells
around decisions that are shared.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import itertools
import logging
import math
import os
import re
import socket
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, cast
from urllib.parse import quote, unquote, urlsplit

from ._errors import RateKeeperError, StoreError
from ._limits import DEFAULT_SCOPE, Limit, resolve_scope
from .stores import AsyncStore, Item, KeySnapshot, LeaseResult, Store
from .stores._base import call_async

if TYPE_CHECKING:
    from ._algorithms import Decision
    from ._http import Gate, Plan, RetryPolicy
    from ._limiter import AsyncGrant, AsyncLimiter, Grant, Limiter

__all__ = [
    "DOWN_LIMIT",
    "SCHEMES",
    "AsyncProbe",
    "HealthCheck",
    "Probe",
    "Proxy",
    "ProxyConnectionError",
    "ProxyPool",
    "ProxyPoolArg",
    "ProxyRouter",
    "ProxyStatistics",
    "ProxyUnavailable",
    "Trip",
    "as_pool",
    "redact",
]

log = logging.getLogger("ratekeeper.proxies")

MIN_SECRET = 4
"""A password shorter than this is not searched for on its own in text to scrub (it would
match ordinary words); ``user:password`` and URLs' ``user:password@`` still are."""

SCHEMES: Mapping[str, int] = {
    "http": 80,
    "https": 443,
    "socks4": 1080,
    "socks4a": 1080,
    "socks5": 1080,
    "socks5h": 1080,
}
"""Proxy URL schemes and their default ports. Which ones an integration can use depends on its
HTTP library: requests every one, SOCKS with PySocks; httpx http, https, socks5 and socks5h,
SOCKS with socksio (``pip install 'ratekeeper[socks]'`` brings both); aiohttp http and https."""

DIRECT = "direct"
"""The key of the direct connection (no proxy) in statistics and routing."""

DOWN_LIMIT = Limit("proxy_down", 1, 3600.0, algorithm="concurrent", scope="proxy")
"""The store record of a failed proxy: a lease on this limit under the proxy's label, held for
the pool's ``grace`` seconds. Capacity 1: a second failure of the same proxy while the record
lives is refused by the store, so one episode makes one record, however many threads, processes
and hosts see it fail (``ratekeeper status`` lists the records of a SQLite store)."""

_RESERVED_LABELS = frozenset({DIRECT, DEFAULT_SCOPE})


# --------------------------------------------------------------------------------------------
# redaction


_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^\s/@]*@")


def redact(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


def _shown(raw: str) -> str:
    """Bad proxy input as an error message may show it: URL credentials and the last two fields
    of a ``host:port:user:password`` line masked."""
    if "://" in raw:
        scheme, _, rest = raw.partition("://")
        if "@" in rest:
            rest = "***@" + rest.rpartition("@")[2]
        return f"{scheme}://{rest}"
    if "@" in raw:
        return "***@" + raw.rpartition("@")[2]
    parts = raw.split(":")
    if len(parts) > 2:
        return ":".join(parts[:2] + ["***"] * (len(parts) - 2))
    return raw


# --------------------------------------------------------------------------------------------
# one proxy


@dataclass(frozen=True, slots=True)
class Proxy:
    """One proxy of a pool: where it is, how to log in, and the label its budget goes by.

    ``url`` holds the credentials (``http://user:password@host:port``) and is never shown:
    ``str()``, ``repr()`` and :attr:`redacted` give ``http://***@host:port``. ``label`` is the
    value of the venue's ``ip`` scope this proxy spends (default ``host:port``); every process
    that lists the same proxy under the same label shares its budget. Build one with
    :meth:`parse`.
    """

    url: str
    label: str
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, text: str, label: str | None = None, *, where: str = "proxy_pool") -> Proxy:
        """A proxy from ``scheme://[user:password@]host[:port]``, ``host:port`` (HTTP) or the
        ``host:port:user:password`` lines proxy providers hand out. ``where`` names the input
        in error messages (which never show a password)."""
        if not isinstance(text, str):
            raise TypeError(f"{where}: a proxy must be a string, got {type(text).__name__}")
        raw = text.strip()
        if not raw:
            raise ValueError(f"{where}: an empty proxy entry")

        def bad(why: str) -> ValueError:
            return ValueError(f"{where}: {_shown(raw)!r} is not a proxy: {why}")

        user: str | None
        password: str | None
        if "://" in raw:
            try:
                parts = urlsplit(raw)
                port_opt = parts.port
            except ValueError as e:
                raise bad(f"bad port or address ({e})") from None
            scheme = parts.scheme.lower()
            if scheme not in SCHEMES:
                raise bad(f"unsupported scheme {scheme!r} (use one of {', '.join(SCHEMES)})")
            if parts.path not in ("", "/") or parts.query or parts.fragment:
                raise bad("a proxy URL has no path, query or fragment")
            host = parts.hostname or ""
            port = port_opt if port_opt is not None else SCHEMES[scheme]
            user = unquote(parts.username) if parts.username is not None else None
            password = unquote(parts.password) if parts.password is not None else None
        else:
            fields = raw.split(":")
            if len(fields) == 2:
                host, port_text = fields
                user = password = None
            elif len(fields) == 4:
                host, port_text, user, password = fields
            else:
                raise bad("expected scheme://[user:password@]host:port, host:port or host:port:user:password")
            scheme = "http"
            if not port_text.isdigit():
                raise bad("the port must be a number")
            port = int(port_text)
        if not host or any(c.isspace() for c in host) or "@" in host:
            raise bad("no host")
        if not 0 < port < 65536:
            raise bad(f"port {port} is out of range")
        if user == "":
            user = None
        host = host.lower()
        netloc_host = f"[{host}]" if ":" in host else host
        auth = ""
        if user is not None:
            auth = quote(user, safe="")
            if password is not None:
                auth += ":" + quote(password, safe="")
            auth += "@"
        url = f"{scheme}://{auth}{netloc_host}:{port}"
        return cls(url, label or f"{netloc_host}:{port}", scheme, host, port, user, password)

    def __post_init__(self) -> None:
        label = self.label
        if not isinstance(label, str) or not label or any(c.isspace() for c in label) or len(label) > 200:
            raise ValueError(
                f"proxy label must be a non-empty string without spaces (200 characters at most), got {label!r}"
            )
        if label in _RESERVED_LABELS:
            raise ValueError(f"proxy label {label!r} is reserved (it names the direct connection)")
        for secret in (self.username, self.password):
            if secret and len(secret) >= 3 and secret in label:
                raise ValueError(f"the label of proxy {self.redacted} contains its credentials; pick another label")

    @property
    def redacted(self) -> str:
        """The URL as logs and statistics show it: ``http://***@host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        auth = "***@" if self.username is not None else ""
        return f"{self.scheme}://{auth}{host}:{self.port}"

    @property
    def has_credentials(self) -> bool:
        return self.username is not None

    def secrets(self) -> tuple[str, ...]:
        """The strings that must never be shown: the password (as given, percent-encoded, and
        inside a Basic header) and ``user:password``."""
        if self.password is None or self.username is None:
            return ()
        pair = f"{self.username}:{self.password}"
        out = {pair, base64.b64encode(pair.encode()).decode()}
        # the password alone only when it is long enough not to match ordinary text: an empty
        # or 1-3 character one would garble every message (``user:pw`` and the URL's
        # ``user:password@`` form are still caught)
        for form in (self.password, quote(self.password, safe="")):
            if len(form) >= MIN_SECRET:
                out.add(form)
        return tuple(sorted(out, key=len, reverse=True))

    def __repr__(self) -> str:
        return f"Proxy({self.redacted!r}, label={self.label!r})"

    def __str__(self) -> str:
        return self.redacted


# --------------------------------------------------------------------------------------------
# the pool: a list of proxies and how to use them


Probe = Callable[["Proxy", str, float], int]
"""How an integration checks a URL through a proxy: ``(proxy, url, timeout) -> HTTP status``
(raising on a connection error)."""

AsyncProbe = Callable[["Proxy", str, float], Awaitable[int]]

HealthCheck = Callable[["Proxy"], bool] | Callable[["Proxy"], Awaitable[bool]]
"""A function that says whether a proxy works (an async one for the asyncio integrations)."""


def _number(owner: str, name: str, value: object, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    if value < minimum or (strict and value == minimum):
        op = ">" if strict else ">="
        raise ValueError(f"{owner}: {name} must be {op} {minimum:g}, got {value!r}")
    return float(value)


def _strip_comment(line: str) -> str:
    """A line without its ``#`` comment (a ``#`` at the start or after a space)."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return ""
    found = re.search(r"\s#", line)
    return line[: found.start()] if found else line


def _parse_entries(text: str, source: str, *, numbered: bool = False) -> list[Proxy]:
    """Proxies from text: one per line or comma-separated, each ``PROXY [LABEL]``. Errors name
    the line when ``numbered`` (a file) or when the text has several lines."""
    out: list[Proxy] = []
    numbered = numbered or "\n" in text.strip()
    for lineno, line in enumerate(text.splitlines(), 1):
        for entry in _strip_comment(line).split(","):
            fields = entry.split()
            if not fields:
                continue
            where = f"{source} line {lineno}" if numbered else source
            if len(fields) > 2:
                shown = " ".join(_shown(f) for f in fields)
                raise ValueError(f"{where}: expected 'PROXY [LABEL]', got {len(fields)} fields: {shown!r}")
            out.append(Proxy.parse(fields[0], fields[1] if len(fields) == 2 else None, where=where))
    return out


class ProxyPool:
    """A list of proxies and the rules for using them. Immutable; change it with :meth:`with_`.

    ``proxies``: proxy URLs (see :meth:`Proxy.parse` for the forms) or :class:`Proxy`
    objects. Or build one from a file or an environment variable: :meth:`from_file`,
    :meth:`from_env` (the integrations also accept ``proxy_pool="file:/path"`` and
    ``proxy_pool="env:VAR"``).

    * ``grace`` (300 s) — how long a failed proxy is skipped by everyone sharing the store;
    * ``max_rotations`` (3) — how many times one request moves to another member after a
      connection error or timeout (so at most ``1 + max_rotations`` members are tried);
    * ``direct`` (False) — the direct connection is one more member of the pool, with its own
      budget (the ``ip=`` option of the client, else the budget of clients without a pool);
    * ``fallback_direct`` (False) — a request that ran out of rotations, or finds every proxy
      failed, goes directly instead of failing;
    * ``health_check`` — a URL fetched through a proxy (healthy: any answer below 500 except
      407), or a function ``(Proxy) -> bool`` (async for the asyncio clients). Run on the
      failed proxies by the clients' ``check_proxies()``, and automatically when every
      proxy is failed; a passing proxy's record is cleared for everyone;
    * ``health_timeout`` (5 s) — the timeout of one URL check;
    * ``check_interval`` (30 s) — the automatic check runs on a proxy at most this often;
    * ``refresh`` (1 s) — how often a client re-reads the shared failure records.
    """

    __slots__ = (
        "_check_interval",
        "_direct",
        "_fallback_direct",
        "_grace",
        "_health_check",
        "_health_timeout",
        "_max_rotations",
        "_proxies",
        "_refresh",
        "_source",
    )

    def __init__(
        self,
        proxies: Iterable[str | Proxy],
        *,
        grace: float = 300.0,
        max_rotations: int = 3,
        direct: bool = False,
        fallback_direct: bool = False,
        health_check: str | HealthCheck | None = None,
        health_timeout: float = 5.0,
        check_interval: float = 30.0,
        refresh: float = 1.0,
        source: str = "proxy_pool",
    ) -> None:
        if isinstance(proxies, (str, bytes)):
            raise TypeError(
                "ProxyPool takes a list of proxies; for a file, an environment variable or a comma-separated "
                "string use ProxyPool.from_file / from_env / from_spec"
            )
        parsed: list[Proxy] = []
        for i, item in enumerate(proxies):
            if isinstance(item, Proxy):
                parsed.append(item)
            elif isinstance(item, str):
                parsed.append(Proxy.parse(item, where=f"{source}[{i}]"))
            else:
                raise TypeError(f"{source}[{i}]: a proxy must be a URL string or a Proxy, got {type(item).__name__}")
        if not parsed:
            raise ValueError(f"{source}: the pool holds no proxies")
        seen: dict[str, Proxy] = {}
        for p in parsed:
            other = seen.get(p.label)
            if other is not None:
                same = other.url == p.url
                raise ValueError(
                    f"{source}: proxy {p.redacted} is listed twice"
                    if same
                    else f"{source}: two proxies have the label {p.label!r} ({other.redacted} and {p.redacted}, "
                    "perhaps one endpoint with different users): give each its own label"
                )
            seen[p.label] = p
        owner = "ProxyPool"
        self._proxies = tuple(parsed)
        self._grace = _number(owner, "grace", grace, strict=True)
        if isinstance(max_rotations, bool) or not isinstance(max_rotations, int) or max_rotations < 0:
            raise ValueError(f"{owner}: max_rotations must be an int >= 0, got {max_rotations!r}")
        self._max_rotations = max_rotations
        self._direct = bool(direct)
        self._fallback_direct = bool(fallback_direct)
        if health_check is not None and not isinstance(health_check, str) and not callable(health_check):
            raise TypeError(f"{owner}: health_check must be a URL or a function (Proxy) -> bool, got {health_check!r}")
        if isinstance(health_check, str):
            parts = urlsplit(health_check)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{owner}: health_check must be an absolute http(s) URL, got {redact(health_check)!r}")
        self._health_check = health_check
        self._health_timeout = _number(owner, "health_timeout", health_timeout, strict=True)
        self._check_interval = _number(owner, "check_interval", check_interval)
        self._refresh = _number(owner, "refresh", refresh)
        self._source = source

    # -- constructors --------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> ProxyPool:
        """The proxies listed in a text file: one per line (``PROXY [LABEL]``), ``#`` comments
        and blank lines ignored. ``options`` are the constructor's."""
        where = f"file:{os.fspath(path)}"
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"proxy_pool: cannot read {where}: {e.strerror or e}") from e
        except UnicodeDecodeError as e:
            raise ValueError(f"proxy_pool: {where} is not UTF-8 text") from e
        proxies = _parse_entries(text, where, numbered=True)
        if not proxies:
            raise ValueError(f"proxy_pool: {where} lists no proxies (one per line: PROXY [LABEL])")
        return cls(proxies, source=where, **options)

    @classmethod
    def from_env(cls, name: str, **options: Any) -> ProxyPool:
        """The proxies in environment variable ``name``: separated by commas or newlines, each
        ``PROXY [LABEL]``."""
        where = f"env:{name}"
        value = os.environ.get(name)
        if value is None:
            raise ValueError(f"proxy_pool: environment variable {name} is not set")
        proxies = _parse_entries(value, where)
        if not proxies:
            raise ValueError(f"proxy_pool: environment variable {name} is empty")
        return cls(proxies, source=where, **options)

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> ProxyPool:
        """``"file:/path"``, ``"env:VAR"``, or the proxies themselves, comma-separated."""
        if not isinstance(spec, str):
            raise TypeError(f"proxy_pool: expected a string, got {type(spec).__name__}")
        text = spec.strip()
        if text.startswith("file:"):
            path = text[len("file:") :]
            if path.startswith("//"):
                path = path[2:]
            if not path:
                raise ValueError("proxy_pool: 'file:' names no file; use file:/path/to/proxies.txt")
            return cls.from_file(path, **options)
        if text.startswith("env:"):
            name = text[len("env:") :]
            if not name:
                raise ValueError("proxy_pool: 'env:' names no variable; use env:VARIABLE")
            return cls.from_env(name, **options)
        proxies = _parse_entries(text, "proxy_pool")
        if not proxies:
            raise ValueError("proxy_pool: an empty string lists no proxies")
        return cls(proxies, **options)

    def with_(self, **changes: Any) -> ProxyPool:
        """A copy with some options changed (``proxies=`` replaces the list)."""
        options: dict[str, Any] = {
            "grace": self._grace,
            "max_rotations": self._max_rotations,
            "direct": self._direct,
            "fallback_direct": self._fallback_direct,
            "health_check": self._health_check,
            "health_timeout": self._health_timeout,
            "check_interval": self._check_interval,
            "refresh": self._refresh,
            "source": self._source,
        }
        proxies = changes.pop("proxies", self._proxies)
        unknown = set(changes) - set(options)
        if unknown:
            raise TypeError(f"ProxyPool.with_: unknown option(s) {', '.join(sorted(unknown))}")
        options.update(changes)
        return ProxyPool(proxies, **options)

    # -- reading -------------------------------------------------------------------------

    @property
    def proxies(self) -> tuple[Proxy, ...]:
        return self._proxies

    @property
    def grace(self) -> float:
        return self._grace

    @property
    def max_rotations(self) -> int:
        return self._max_rotations

    @property
    def direct(self) -> bool:
        return self._direct

    @property
    def fallback_direct(self) -> bool:
        return self._fallback_direct

    @property
    def health_check(self) -> str | HealthCheck | None:
        return self._health_check

    @property
    def health_timeout(self) -> float:
        return self._health_timeout

    @property
    def check_interval(self) -> float:
        return self._check_interval

    @property
    def refresh(self) -> float:
        return self._refresh

    @property
    def source(self) -> str:
        """Where the proxies came from (``file:…``, ``env:…``), for messages."""
        return self._source

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self._proxies)

    def __len__(self) -> int:
        return len(self._proxies)

    def __iter__(self) -> Iterator[Proxy]:
        return iter(self._proxies)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProxyPool):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash(self._proxies)

    def __repr__(self) -> str:
        listed = ", ".join(p.redacted for p in self._proxies)
        return (
            f"ProxyPool([{listed}], grace={self._grace:g}, max_rotations={self._max_rotations}, "
            f"direct={self._direct}, fallback_direct={self._fallback_direct})"
        )


ProxyPoolArg = Union[ProxyPool, str, "os.PathLike[str]", Sequence[str | Proxy], None]
"""What the integrations' ``proxy_pool=`` accepts: a :class:`ProxyPool`, a list of proxies, a
string (``"file:/path"``, ``"env:VAR"`` or comma-separated proxies), a path, or ``None``."""


def as_pool(arg: ProxyPoolArg) -> ProxyPool | None:
    """The pool ``proxy_pool=`` names; ``None`` (no pool) for ``None`` or an empty list.

    Raises ``ValueError`` naming the bad entry, file or variable (never with its password)."""
    if arg is None:
        return None
    if isinstance(arg, ProxyPool):
        return arg
    if isinstance(arg, str):
        return ProxyPool.from_spec(arg)
    if isinstance(arg, os.PathLike):
        return ProxyPool.from_file(arg)
    if isinstance(arg, (bytes, bytearray)) or not isinstance(arg, Iterable):
        raise TypeError(f"proxy_pool must be a list of proxy URLs, a ProxyPool, or 'file:…'/'env:…'; got {arg!r}")
    items = list(arg)
    if not items:
        return None
    return ProxyPool(items)


# --------------------------------------------------------------------------------------------
# statistics and errors


@dataclass(frozen=True, slots=True)
class ProxyStatistics:
    """What one client knows about one member of its pool (frozen).

    ``label``: the ``ip`` scope value the member spends (its budget in
    ``limiter.statistics()``); ``proxy``: the redacted URL, or ``"direct"``. ``healthy`` and
    ``down_for`` (seconds left of its failure record) come from the shared store, as last
    read; the counters are this client's: ``sent`` requests sent through it, ``errors``
    connection errors and timeouts, ``failures`` failure records it wrote (one per episode,
    whoever else saw it fail), ``rotations`` requests moved off it, ``rate_limited``
    rate-limit answers through it, ``waiting`` requests waiting for its budget now.
    """

    label: str
    proxy: str
    healthy: bool
    down_for: float
    sent: int
    errors: int
    failures: int
    rotations: int
    rate_limited: int
    waiting: int


class ProxyConnectionError(RateKeeperError, ConnectionError):
    """A connection error or timeout through a proxy, re-raised in place of the HTTP library's
    own exception when that one's message would have shown the proxy's credentials."""


class ProxyUnavailable(RateKeeperError):
    """No member of the proxy pool may be used now: every proxy is marked failed (by this or
    another process sharing the store) and neither ``direct`` nor ``fallback_direct`` is set.
    Nothing was sent. ``retry_after``: the seconds until the first failure record expires;
    ``proxies``: the labels of the pool."""

    def __init__(self, message: str, *, retry_after: float | None, proxies: tuple[str, ...]) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.proxies = proxies


# --------------------------------------------------------------------------------------------
# routing: the per-client runtime of a pool


@dataclass(frozen=True, slots=True)
class _Member:
    key: str
    """``label`` of a proxy, ``"direct"`` for the direct connection."""
    scope: str
    """The ``ip`` scope value the member spends."""
    proxy: Proxy | None


class _Counters:
    __slots__ = ("errors", "failures", "rate_limited", "rotations", "sent", "waiting")

    def __init__(self) -> None:
        self.sent = 0
        self.errors = 0
        self.failures = 0
        self.rotations = 0
        self.rate_limited = 0
        self.waiting = 0


class Trip:
    """The routing state of one request: the members that failed it, the ones to avoid, the
    rotations made, the direct fallback once taken."""

    __slots__ = ("avoid", "checked", "forced", "rotations", "tried")

    def __init__(self) -> None:
        self.tried: set[str] = set()
        self.avoid: set[str] = set()
        self.rotations = 0
        self.forced: _Member | None = None
        self.checked = False


def _ip_dimension(limit: Limit) -> bool:
    return limit.scope is not None and "ip" in limit.scope.split("+")


def _service(items: Sequence[Item]) -> float:
    """Seconds of budget one request of these items takes at the sustained rate (how long each
    request already waiting for a member delays the next)."""
    out = 0.0
    for limit, _, amount in items:
        if limit.algorithm in ("sliding", "fixed", "token"):
            out = max(out, amount * limit.period / limit.capacity)
    return out


def _healthy_status(status: int) -> bool:
    return status < 500 and status != 407


class ProxyRouter:
    """The runtime of a :class:`ProxyPool` for one client (one gate): which members are
    failed (read from the store, cached ``refresh`` seconds), which one each request goes to,
    what is recorded when one fails, and what health checks find. Thread-safe; the async
    methods (``a…``) belong to one event loop, like the client's ``AsyncLimiter``."""

    def __init__(self, pool: ProxyPool, limiter: Limiter | AsyncLimiter, *, direct_scope: str | None = None) -> None:
        self.pool = pool
        self._clock = limiter.clock
        self._store: Any = limiter.store
        self._limits: Mapping[str, Limit] = limiter.limits
        self._ip_limits = frozenset(
            n for n, lim in self._limits.items() if _ip_dimension(lim) and lim.algorithm != "concurrent"
        )
        self._members = tuple(_Member(p.label, p.label, p) for p in pool.proxies)
        self._direct = _Member(DIRECT, direct_scope or DEFAULT_SCOPE, None)
        self._routable = self._members + ((self._direct,) if pool.direct else ())
        self._by_label = {m.key: m for m in self._members}
        self._secrets = tuple(sorted({s for p in pool.proxies for s in p.secrets()}, key=len, reverse=True))
        self._down: dict[str, float] = {}
        self._refreshed = -math.inf
        self._checked: dict[str, float] = {}
        self._counters = {m.key: _Counters() for m in (*self._members, self._direct)}
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._rr = itertools.count()
        self._episode = itertools.count(1)
        self._holder = f"{socket.gethostname()}/{os.getpid()}/{id(self):x}"
        self._probe: Probe | None = None
        self._aprobe: AsyncProbe | None = None
        store = self._store
        self._async_store: AsyncStore | None = store if isinstance(store, AsyncStore) else None
        self._shared = isinstance(store, Store) or self._async_store is not None
        if not self._shared:
            log.warning(
                "ratekeeper: the store %s has no leases: proxy failures are remembered by this process only",
                type(store).__name__,
            )

    # -- facts ---------------------------------------------------------------------------

    @property
    def members(self) -> tuple[str, ...]:
        """The keys of the members requests may be routed to (labels, and ``"direct"``)."""
        return tuple(m.key for m in self._routable)

    @property
    def direct_scope(self) -> str:
        return self._direct.scope

    def bind_probe(self, probe: Probe) -> None:
        """How :meth:`check` fetches a health-check URL through a proxy (the client sets it)."""
        self._probe = probe

    def bind_aprobe(self, probe: AsyncProbe) -> None:
        """How :meth:`acheck` fetches a health-check URL through a proxy (the client sets it)."""
        self._aprobe = probe

    def scrub(self, text: str) -> str:
        """``text`` without any credential of the pool (for log lines and error messages)."""
        out = redact(text)
        for secret in self._secrets:
            out = out.replace(secret, "***")
        return out

    def leaks(self, text: str) -> bool:
        """Whether ``text`` shows a credential of the pool (or any URL's ``user:password@``)."""
        return any(s in text for s in self._secrets) or _USERINFO.search(text) is not None

    def is_down(self, key: str, now: float | None = None) -> bool:
        until = self._down.get(key)
        if until is None:
            return False
        return until > (self._clock.now() if now is None else now)

    def statistics(self) -> tuple[ProxyStatistics, ...]:
        """A frozen snapshot per member (failure records as last read from the store; the
        integrations' ``proxy_statistics()`` re-reads them first)."""
        now = self._clock.now()
        out = []
        for m in (*self._members, self._direct):
            if m.proxy is None and not self.pool.direct and not self.pool.fallback_direct:
                continue
            c = self._counters[m.key]
            left = max(0.0, self._down.get(m.key, now) - now)
            out.append(
                ProxyStatistics(
                    label=m.scope,
                    proxy=m.proxy.redacted if m.proxy is not None else DIRECT,
                    healthy=left <= 0,
                    down_for=left,
                    sent=c.sent,
                    errors=c.errors,
                    failures=c.failures,
                    rotations=c.rotations,
                    rate_limited=c.rate_limited,
                    waiting=c.waiting,
                )
            )
        return tuple(out)

    # -- decisions (no I/O) ----------------------------------------------------------------

    def _stale(self, now: float) -> bool:
        return now - self._refreshed >= self.pool.refresh

    def _apply(self, snaps: Iterable[KeySnapshot], now: float) -> None:
        down: dict[str, float] = {}
        for s in snaps:
            if s.limit.name == DOWN_LIMIT.name and s.scope in self._by_label and s.used > 0 and s.next_free > 0:
                down[s.scope] = now + s.next_free
        self._down = down
        self._refreshed = now

    def _candidates(self, trip: Trip, now: float) -> list[_Member]:
        if trip.forced is not None:
            return [trip.forced]
        out = [m for m in self._routable if m.key not in trip.tried and not (m.proxy and self.is_down(m.key, now))]
        preferred = [m for m in out if m.key not in trip.avoid]
        return preferred or out

    def _fallback(self, trip: Trip) -> _Member | None:
        if self.pool.fallback_direct and DIRECT not in trip.tried:
            return self._direct
        return None

    def _rotated(self, members: Sequence[_Member]) -> list[_Member]:
        if len(members) <= 1:
            return list(members)
        k = next(self._rr) % len(members)
        return [*members[k:], *members[:k]]

    def _items(self, plan: Plan) -> tuple[Item, ...]:
        """The items of ``plan`` whose budget depends on the member (its ``ip`` limits)."""
        items: list[Item] = []
        for name, amount in plan.cost.items():
            if name not in self._ip_limits:
                continue
            limit = self._limits[name]
            value = float(amount)
            if not 0 < value <= limit.capacity:
                continue  # nothing to compare (a cost that never fits is refused by acquire)
            items.append((limit, resolve_scope(limit.scope, plan.scope), value))
        return tuple(items)

    def _best(self, ordered: Sequence[_Member], waits: Sequence[float], service: float) -> _Member:
        """The member whose budget admits the request soonest: the store's start, plus the
        requests of this process already waiting for it; ties go to the rotation order."""
        best = ordered[0]
        best_score = math.inf
        for m, wait in zip(ordered, waits, strict=True):
            score = max(0.0, wait) + self._counters[m.key].waiting * service
            if score < best_score - 1e-9:
                best, best_score = m, score
        return best

    def _enter(self, m: _Member) -> None:
        with self._lock:
            self._counters[m.key].waiting += 1

    def _leave(self, m: _Member) -> None:
        with self._lock:
            self._counters[m.key].waiting -= 1

    def _unavailable(self, now: float) -> ProxyUnavailable:
        lefts = [(self._down[m.key] - now, m) for m in self._members if self.is_down(m.key, now)]
        first = min(lefts, key=lambda x: x[0]) if lefts else None
        when = f"; the first ({first[1].key}) is back in {first[0]:.3g} s" if first else ""
        return ProxyUnavailable(
            f"every proxy of the pool ({len(self._members)}, from {self.pool.source}) is marked failed{when}; "
            "nothing was sent (set fallback_direct=True to send directly meanwhile, or a health_check to "
            "bring proxies back as soon as they answer)",
            retry_after=first[0] if first else None,
            proxies=self.pool.labels,
        )

    def note_sent(self, member: _Member) -> None:
        """``member`` is about to send the request."""
        with self._lock:
            self._counters[member.key].sent += 1

    def note_answer(self, trip: Trip, member: _Member, *, rate_limited: bool, retry: bool) -> None:
        """What an answer through ``member`` means for routing: a rate limit or a server error
        steers this request's next attempt elsewhere (the block itself is in the store)."""
        if rate_limited:
            with self._lock:
                self._counters[member.key].rate_limited += 1
        if rate_limited or retry:
            trip.avoid.add(member.key)

    def _decide_after_failure(self, trip: Trip, member: _Member, sent: bool, plan: Plan, retry: RetryPolicy) -> bool:
        """After a connection error through ``member`` (already recorded): send the request
        again through another member (True), or not (False: the caller raises).

        A request that certainly never left may always go elsewhere; one that may have
        reached the venue only if it is an idempotent read and the retry policy retries reads
        after connection errors. An action is never re-sent once it may have been sent."""
        if sent and not (plan.retryable and retry.connection_errors):
            return False
        if trip.forced is not None:
            return False  # the direct fallback failed too
        now = self._clock.now()
        if trip.rotations < self.pool.max_rotations and self._candidates(trip, now):
            trip.rotations += 1
            with self._lock:
                self._counters[member.key].rotations += 1
            return True
        fallback = self._fallback(trip)
        if fallback is not None:
            trip.forced = fallback
            log.warning(
                "ratekeeper: %s: no proxy left to try (%d rotations); sending directly",
                plan.weighed.name,
                trip.rotations,
                extra={"rule": plan.weighed.name, "rotations": trip.rotations},
            )
            return True
        return False

    def _note_error(self, trip: Trip, member: _Member) -> None:
        trip.tried.add(member.key)
        with self._lock:
            self._counters[member.key].errors += 1

    def _recorded(self, member: _Member, result: LeaseResult | None, now: float, reason: str) -> None:
        """Fold the outcome of a failure record into the cache, count and log a new episode."""
        proxy = member.proxy
        assert proxy is not None
        if result is None or result.granted:
            self._down[member.key] = now + self.pool.grace
            with self._lock:
                self._counters[member.key].failures += 1
            shared = "every process sharing the store skips" if result is not None else "this process skips"
            log.warning(
                "ratekeeper: proxy %s (%s) failed: %s; %s it for %g s",
                member.key,
                proxy.redacted,
                reason,
                shared,
                self.pool.grace,
                extra={"proxy": member.key, "reason": reason, "grace": self.pool.grace},
            )
        else:
            self._down[member.key] = max(self._down.get(member.key, now), now + result.retry_after)
            log.debug(
                "ratekeeper: proxy %s failed again (%s); already recorded, back in %.3g s",
                member.key,
                reason,
                result.retry_after,
                extra={"proxy": member.key, "reason": reason},
            )

    def _local_record(self, member: _Member, now: float, reason: str) -> None:
        if self.is_down(member.key, now):
            self._recorded(member, LeaseResult(False, 1.0, self._down[member.key] - now), now, reason)
        else:
            self._recorded(member, None, now, reason)

    def _holder_id(self) -> str:
        return f"{self._holder}/{next(self._episode)}"

    def _reason(self, exc: BaseException | str) -> str:
        text = self.scrub(exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}")
        return text if len(text) <= 240 else text[:239] + "…"

    def _log_rotation(self, plan: Plan, member: _Member, reason: str) -> None:
        log.info(
            "ratekeeper: %s through %s failed (%s); trying another route",
            plan.weighed.name,
            member.key,
            reason,
            extra={"rule": plan.weighed.name, "proxy": member.key, "reason": reason},
        )

    # -- threads ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the failure records from the store now."""
        now = self._clock.now()
        if not self._shared:
            self._refreshed = now
            return
        try:
            snaps = cast(Store, self._store).snapshot([DOWN_LIMIT])
        except StoreError:
            log.warning("ratekeeper: cannot read the proxy failure records; keeping the last ones", exc_info=True)
            self._refreshed = now
            return
        self._apply(snaps, now)

    def _wait_for(self, plan: Plan, gate: Gate[Limiter], member: _Member) -> float:
        items = self._items(gate.with_ip(plan, member.scope))
        if not items:
            return 0.0
        d: Decision = cast(Store, self._store).reserve(items, plan.priority, -1.0)
        return d.start - d.now

    def route(
        self, gate: Gate[Limiter], plan: Plan, trip: Trip, probe: Probe | None = None
    ) -> tuple[_Member, Plan, Grant]:
        """Pick the member for this attempt and acquire its budget: ``(member, plan with its
        scope, grant)``. Raises :class:`ProxyUnavailable` when no member may be used."""
        limiter = gate.limiter
        clock = self._clock
        for _ in range(len(self._routable) + 3):
            now = clock.now()
            if self._stale(now):
                self.refresh()
            cands = self._candidates(trip, now)
            if not cands:
                fallback = self._fallback(trip)
                if fallback is not None:
                    trip.forced = fallback
                    continue
                if self.pool.health_check is not None and not trip.checked:
                    trip.checked = True
                    if any(self.check(probe, respect_interval=True).values()):
                        continue
                raise self._unavailable(now)
            ordered = self._rotated(cands)
            first = ordered[0]
            p = gate.with_ip(plan, first.scope)
            if not self._counters[first.key].waiting:
                grant = limiter.try_acquire(p.cost, scope=p.scope, priority=p.priority)
                if grant is not None:
                    return first, p, grant
            best = first
            if len(ordered) > 1:
                waits = [self._wait_for(plan, gate, m) for m in ordered]
                best = self._best(ordered, waits, _service(self._items(p)))
                p = gate.with_ip(plan, best.scope)
            self._enter(best)
            try:
                grant = limiter.acquire(p.cost, scope=p.scope, priority=p.priority)
            finally:
                self._leave(best)
            if best.proxy is not None and trip.forced is None and self.is_down(best.key):
                grant.release()  # it failed (elsewhere) while this request waited for it
                continue
            return best, p, grant
        raise self._unavailable(clock.now())

    def record_failure(self, member: _Member, exc: BaseException | str) -> None:
        """Record that ``member`` failed, once per episode for everyone sharing the store."""
        if member.proxy is None:
            return
        now = self._clock.now()
        reason = self._reason(exc)
        if not self._shared:
            self._local_record(member, now, reason)
            return
        try:
            result = cast(Store, self._store).lease(DOWN_LIMIT, member.key, self._holder_id(), 1.0, self.pool.grace)
        except StoreError:
            log.warning("ratekeeper: cannot record the failure of proxy %s in the store", member.key, exc_info=True)
            self._local_record(member, now, reason)
            return
        self._recorded(member, result, now, reason)

    def failed(
        self, trip: Trip, member: _Member, exc: BaseException | str, sent: bool, plan: Plan, retry: RetryPolicy
    ) -> bool:
        """A connection error or timeout through ``member``: record it, and say whether to send
        the request again through another member."""
        self._note_error(trip, member)
        self.record_failure(member, exc)
        again = self._decide_after_failure(trip, member, sent, plan, retry)
        if again:
            self._log_rotation(plan, member, self._reason(exc))
        return again

    def clear(self, label: str) -> None:
        """Remove the failure record of proxy ``label`` (for everyone sharing the store)."""
        member = self._by_label.get(label)
        if member is None:
            raise KeyError(f"no proxy labelled {label!r} in this pool")
        if self._shared:
            store = cast(Store, self._store)
            for holder in store.leases(DOWN_LIMIT, label):
                store.lease(DOWN_LIMIT, label, holder, 0.0)
        self._down.pop(label, None)

    def _check_targets(self, only_down: bool, respect_interval: bool, now: float) -> list[_Member]:
        out = []
        for m in self._members:
            if only_down and not self.is_down(m.key, now):
                continue
            if respect_interval and now - self._checked.get(m.key, -math.inf) < self.pool.check_interval:
                continue
            out.append(m)
        return out

    def _check_result(self, member: _Member, ok: bool, why: str) -> None:
        if ok:
            log.info("ratekeeper: proxy %s passed its health check", member.key, extra={"proxy": member.key})
        else:
            log.info("ratekeeper: proxy %s failed its health check (%s)", member.key, why, extra={"proxy": member.key})

    def check(
        self, probe: Probe | None = None, *, only_down: bool = True, respect_interval: bool = False
    ) -> dict[str, bool]:
        """Run the pool's health check on the failed proxies (every proxy with
        ``only_down=False``); clear the record of each that passes. Returns label -> passed."""
        hc = self.pool.health_check
        probe = probe if probe is not None else self._probe
        if hc is None:
            raise ValueError("this proxy pool has no health_check (a URL or a function) to run")
        if inspect.iscoroutinefunction(hc):
            raise TypeError("the health_check is an async function: use it with the asyncio clients")
        with self._check_lock:
            self.refresh()
            now = self._clock.now()
            results: dict[str, bool] = {}
            for m in self._check_targets(only_down, respect_interval, now):
                proxy = m.proxy
                assert proxy is not None
                self._checked[m.key] = now
                why = ""
                try:
                    if isinstance(hc, str):
                        if probe is None:
                            raise RuntimeError("this client cannot fetch a health-check URL")
                        status = probe(proxy, hc, self.pool.health_timeout)
                        ok, why = _healthy_status(status), f"HTTP {status}"
                    else:
                        ok = bool(hc(proxy))
                except Exception as e:
                    ok, why = False, self._reason(e)
                self._check_result(m, ok, why)
                if ok and self.is_down(m.key):
                    self.clear(m.key)
                results[m.key] = ok
            return results

    # -- asyncio ---------------------------------------------------------------------------

    async def _store_call(self, name: str, *args: Any) -> Any:
        """A store operation the asyncio way: the async store's ``a…`` method, the in-process
        store directly, any other in a thread."""
        return await call_async(self._store, name, *args)

    async def arefresh(self) -> None:
        """Re-read the failure records from the store now."""
        now = self._clock.now()
        if not self._shared:
            self._refreshed = now
            return
        try:
            snaps = await self._store_call("snapshot", [DOWN_LIMIT])
        except StoreError:
            log.warning("ratekeeper: cannot read the proxy failure records; keeping the last ones", exc_info=True)
            self._refreshed = now
            return
        self._apply(snaps, now)

    async def _await_for(self, plan: Plan, gate: Gate[AsyncLimiter], member: _Member) -> float:
        items = self._items(gate.with_ip(plan, member.scope))
        if not items:
            return 0.0
        # the limiter's own way to its store (async face, in process, or a thread); books nothing
        d: Decision = await gate.limiter._areserve(items, plan.priority, -1.0)
        return d.start - d.now

    async def aroute(
        self, gate: Gate[AsyncLimiter], plan: Plan, trip: Trip, probe: AsyncProbe | None = None
    ) -> tuple[_Member, Plan, AsyncGrant]:
        """See :meth:`route`."""
        limiter = gate.limiter
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
                    if any((await self.acheck(probe, respect_interval=True)).values()):
                        continue
                raise self._unavailable(now)
            ordered = self._rotated(cands)
            first = ordered[0]
            p = gate.with_ip(plan, first.scope)
            if not self._counters[first.key].waiting:
                grant = await limiter.try_acquire(p.cost, scope=p.scope, priority=p.priority)
                if grant is not None:
                    return first, p, grant
            best = first
            if len(ordered) > 1:
                waits = [await self._await_for(plan, gate, m) for m in ordered]
                best = self._best(ordered, waits, _service(self._items(p)))
                p = gate.with_ip(plan, best.scope)
            self._enter(best)
            try:
                grant = await limiter.acquire(p.cost, scope=p.scope, priority=p.priority)
            finally:
                self._leave(best)
            if best.proxy is not None and trip.forced is None and self.is_down(best.key):
                await grant.release()
                continue
            return best, p, grant
        raise self._unavailable(clock.now())

    async def arecord_failure(self, member: _Member, exc: BaseException | str) -> None:
        """See :meth:`record_failure`."""
        if member.proxy is None:
            return
        now = self._clock.now()
        reason = self._reason(exc)
        if not self._shared:
            self._local_record(member, now, reason)
            return
        try:
            result = await self._store_call("lease", DOWN_LIMIT, member.key, self._holder_id(), 1.0, self.pool.grace)
        except StoreError:
            log.warning("ratekeeper: cannot record the failure of proxy %s in the store", member.key, exc_info=True)
            self._local_record(member, now, reason)
            return
        self._recorded(member, result, now, reason)

    async def afailed(
        self, trip: Trip, member: _Member, exc: BaseException | str, sent: bool, plan: Plan, retry: RetryPolicy
    ) -> bool:
        """See :meth:`failed`."""
        self._note_error(trip, member)
        await self.arecord_failure(member, exc)
        again = self._decide_after_failure(trip, member, sent, plan, retry)
        if again:
            self._log_rotation(plan, member, self._reason(exc))
        return again

    async def aclear(self, label: str) -> None:
        """See :meth:`clear`."""
        if label not in self._by_label:
            raise KeyError(f"no proxy labelled {label!r} in this pool")
        if self._shared:
            holders = await self._store_call("leases", DOWN_LIMIT, label)
            for holder in holders:
                await self._store_call("lease", DOWN_LIMIT, label, holder, 0.0)
        self._down.pop(label, None)

    async def acheck(
        self, probe: AsyncProbe | None = None, *, only_down: bool = True, respect_interval: bool = False
    ) -> dict[str, bool]:
        """See :meth:`check`; a plain function health check runs in a thread."""
        hc = self.pool.health_check
        probe = probe if probe is not None else self._aprobe
        if hc is None:
            raise ValueError("this proxy pool has no health_check (a URL or a function) to run")
        await self.arefresh()
        now = self._clock.now()
        targets = self._check_targets(only_down, respect_interval, now)
        for m in targets:
            self._checked[m.key] = now

        async def one(m: _Member) -> tuple[_Member, bool, str]:
            proxy = m.proxy
            assert proxy is not None
            try:
                if isinstance(hc, str):
                    if probe is None:
                        raise RuntimeError("this client cannot fetch a health-check URL")
                    status = await probe(proxy, hc, self.pool.health_timeout)
                    return m, _healthy_status(status), f"HTTP {status}"
                if inspect.iscoroutinefunction(hc):
                    return m, bool(await hc(proxy)), ""
                return m, bool(await asyncio.to_thread(hc, proxy)), ""
            except Exception as e:
                return m, False, self._reason(e)

        results: dict[str, bool] = {}
        for m, ok, why in await asyncio.gather(*(one(m) for m in targets)):
            self._check_result(m, ok, why)
            if ok and self.is_down(m.key):
                await self.aclear(m.key)
            results[m.key] = ok
        return results
