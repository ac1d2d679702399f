"""A pool of proxies as values: parsing (lists, files, variables), redaction, statistics.

Nothing here routes, reads a store or touches the network: :class:`Proxy` and
:class:`ProxyPool` are immutable values the integrations' ``proxy_pool=`` option becomes
(:func:`as_pool`), and :func:`redact` keeps their credentials out of every message.
"""

from __future__ import annotations

import base64
import math
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union
from urllib.parse import quote, unquote, urlsplit

from .._limits import DEFAULT_SCOPE

__all__ = [
    "DIRECT",
    "MIN_SECRET",
    "SCHEMES",
    "AsyncProbe",
    "HealthCheck",
    "Probe",
    "Proxy",
    "ProxyPool",
    "ProxyPoolArg",
    "ProxyStatistics",
    "as_pool",
    "redact",
]

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
# statistics


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
