"""The venue model: a venue's limits and its rules as immutable data.

A :class:`Venue` answers four questions without doing any I/O:

* what will this request cost? (:meth:`Venue.weigh` / :meth:`Venue.cost`)
* what did it actually cost, now that the response is here? (:meth:`Venue.settle`)
* what did the server say about our budgets? (:meth:`Venue.feedback`)
* which limits exist, with which numbers and where do they come from? (:attr:`Venue.limits`)

Rules live in an ordered registry (:class:`Rules`): the first rule that matches a request wins.
A new endpoint is one more :class:`Rule` in a venue module's table; nothing else changes.
A request no rule matches is charged the venue's default cost, never zero, and logged once per
(venue, endpoint).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Union
from urllib.parse import parse_qsl, urlsplit

from .._errors import InvalidRequest
from .._estimates import Estimates, estimate_key
from .._limits import DEFAULT_SCOPE, Limit, Observation

__all__ = [
    "CostFn",
    "Feedback",
    "FeedbackFn",
    "Headers",
    "InvalidRequest",
    "Kind",
    "LimitOverride",
    "Request",
    "Response",
    "Rule",
    "Rules",
    "ScopeFn",
    "SettleFn",
    "Venue",
    "Weighed",
    "by_name",
]

logger = logging.getLogger("ratekeeper.venues")

Kind = Literal["read", "action"]
KINDS: tuple[str, ...] = ("read", "action")

Headers = Union[Mapping[str, str], Iterable[tuple[str, str]], None]  # noqa: UP007
"""Response headers: a mapping (any case) or ``(name, value)`` pairs; names are matched
case-insensitively."""

LimitOverride = Union[Limit, tuple[float, float]]  # noqa: UP007
"""An override for one limit: a whole :class:`Limit`, or ``(capacity, period)`` keeping the rest."""

CostFn = Callable[["Request"], Mapping[str, float]]
ScopeFn = Callable[["Request"], Mapping[str, str]]
SettleFn = Callable[["Weighed", "Response"], Union[Mapping[str, float], None]]  # noqa: UP007
FeedbackFn = Callable[["Feedback"], list[Observation]]


# --------------------------------------------------------------------------------------------
# requests and responses as the rules see them


def _parse_body(body: object) -> Any:
    """A JSON (or form-encoded) body as Python values; anything else as given."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(body, str):
        text = body.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            if "=" in text and not text.startswith(("{", "[")):
                return dict(parse_qsl(text, keep_blank_values=True))
            return None
    return body


def _normalize_path(path: str) -> str:
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def _split_target(path: str) -> tuple[str, dict[str, str]]:
    """Split a path (or full URL) into its path and its query parameters."""
    if "://" in path:
        parts = urlsplit(path)
        return _normalize_path(parts.path or "/"), dict(parse_qsl(parts.query, keep_blank_values=True))
    if "?" in path:
        head, _, query = path.partition("?")
        return _normalize_path(head), dict(parse_qsl(query, keep_blank_values=True))
    return _normalize_path(path), {}


@dataclass(frozen=True, slots=True)
class Request:
    """One request, normalized: upper-case method, path without query string, parsed body,
    query parameters (from the path's query string and ``params``), and the path parameters the
    matching rule's template captured (``{orderId}`` …)."""

    method: str
    path: str
    body: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    path_params: Mapping[str, str] = field(default_factory=dict)
    now: float | None = None

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        body: object = None,
        params: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> Request:
        clean, query = _split_target(path)
        merged: dict[str, Any] = dict(query)
        if params:
            merged.update(params)
        return cls(method.upper(), clean, _parse_body(body), merged, {}, now)

    def field(self, name: str) -> Any:
        """The value of ``name`` (dotted for nested fields, e.g. ``"action.type"``) from the
        body, then the query parameters, then the path parameters; ``None`` when absent."""
        for source in (self.body, self.params, self.path_params):
            value = _dig(source, name)
            if value is not None:
                return value
        return None

    def wall_now(self) -> float:
        """The wall-clock time (UNIX seconds) the rules use to interpret relative ranges."""
        return time.time() if self.now is None else self.now


def _dig(source: object, dotted: str) -> Any:
    current: Any = source
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
        if current is None:
            return None
    return current


def _lower_headers(headers: Headers) -> dict[str, str]:
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    try:
        for name, value in items:
            out[str(name).lower()] = str(value)
    except (TypeError, ValueError):
        logger.warning("ratekeeper: headers of an unexpected shape were ignored: %r", headers)
        return {}
    return out


@dataclass(frozen=True, slots=True)
class Response:
    """A response as settlers see it: status, lower-cased headers, parsed body, wall time."""

    status: int
    headers: Mapping[str, str]
    body: Any
    now: float


@dataclass(frozen=True, slots=True)
class Feedback:
    """What a feedback parser gets: the response, the venue and (if known) the weighed request."""

    venue: Venue
    response: Response
    request: Weighed | None

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    @property
    def body(self) -> Any:
        return self.response.body

    @property
    def now(self) -> float:
        return self.response.now


# --------------------------------------------------------------------------------------------
# rules


def _compile(path: str) -> tuple[tuple[str, ...], bool, bool]:
    """Segments of a path template, whether it has placeholders, whether it ends in ``*``."""
    segments = tuple(s for s in path.split("/") if s)
    wildcard = bool(segments) and segments[-1] == "*"
    if wildcard:
        segments = segments[:-1]
    templated = wildcard or any(s.startswith("{") and s.endswith("}") for s in segments)
    return segments, templated, wildcard


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of a venue's rule registry: which requests it matches and what they cost.

    * ``method`` — HTTP method, or ``"*"`` for any;
    * ``path`` — exact path, or a template: ``{name}`` matches one segment (captured as a path
      parameter), a final ``*`` matches any rest;
    * ``where`` — fields the request must carry with these values (dotted names look into the
      JSON body, then the query parameters), e.g. ``{"type": "l2Book"}``;
    * ``cost`` — a fixed cost, or a function of the :class:`Request`;
    * ``kind`` — ``"read"`` or ``"action"`` (moves money or state: orders, cancels, transfers);
    * ``idempotent`` — safe to retry blindly; defaults to ``kind == "read"``;
    * ``scope`` — scope values the request itself carries (``{"address": "0x…"}``);
    * ``settle`` — response → actual cost (``None`` keeps the charged cost);
    * ``estimate`` — limit names whose charge is an estimate the settler corrects; an estimate
      is capped at the limit's capacity but never below ``base``, the part that is certain;
    * ``learn`` — the estimate is a documented bound, not a figure read from the request: a
      caller with :class:`Estimates` books ``base`` plus what recent answers of this rule
      and scope carried instead (never more than the bound);
    * ``detail`` — request → what the settler and the feedback parser need later;
    * ``primary`` — the limit that endpoint-level headers and errors describe (or a function
      of the request, when it depends on a parameter such as the product category);
    * ``source`` — where the numbers come from (link and date read);
    * ``fallback`` — the rule prices a whole class of endpoints the venue has not listed one
      by one (a path prefix): a request it matches is still unknown (``Weighed.known`` is
      ``False``) and logged once, like one the venue's default prices.
    """

    method: str
    path: str
    cost: Mapping[str, float] | CostFn
    kind: Kind = "read"
    where: Mapping[str, object] = field(default_factory=dict)
    name: str = ""
    source: str = ""
    primary: str | Callable[[Request], str | None] | None = None
    scope: ScopeFn | None = None
    settle: SettleFn | None = None
    estimate: tuple[str, ...] = ()
    base: Mapping[str, float] = field(default_factory=dict)
    learn: bool = False
    detail: Callable[[Request], Mapping[str, Any]] | None = None
    idempotent: bool | None = None
    note: str = ""
    fallback: bool = False
    _segments: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _templated: bool = field(default=False, init=False, repr=False, compare=False)
    _wildcard: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.method, str) or not self.method:
            raise ValueError(f"Rule: method must be a non-empty string, got {self.method!r}")
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "path", _normalize_path(self.path))
        if self.kind not in KINDS:
            raise ValueError(f"Rule {self.path!r}: kind must be 'read' or 'action', got {self.kind!r}")
        if not callable(self.cost):
            for key, value in self.cost.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"Rule {self.path!r}: cost of {key!r} must be >= 0, got {value!r}")
            object.__setattr__(self, "cost", MappingProxyType(dict(self.cost)))
        object.__setattr__(self, "where", MappingProxyType(dict(self.where)))
        object.__setattr__(self, "base", MappingProxyType({k: float(v) for k, v in self.base.items()}))
        if not self.name:
            label = f"{self.method} {self.path}"
            if self.where:
                label += " " + ",".join(f"{k}={v}" for k, v in self.where.items())
            object.__setattr__(self, "name", label)
        segments, templated, wildcard = _compile(self.path)
        object.__setattr__(self, "_segments", segments)
        object.__setattr__(self, "_templated", templated)
        object.__setattr__(self, "_wildcard", wildcard)

    @property
    def is_idempotent(self) -> bool:
        return self.kind == "read" if self.idempotent is None else self.idempotent

    def match_path(self, path: str) -> dict[str, str] | None:
        """The captured path parameters if ``path`` matches this rule's path, else ``None``."""
        if not self._templated:
            return {} if path == self.path else None
        parts = [s for s in path.split("/") if s]
        if self._wildcard:
            if len(parts) < len(self._segments):
                return None
        elif len(parts) != len(self._segments):
            return None
        captured: dict[str, str] = {}
        for pattern, part in zip(self._segments, parts, strict=False):
            if pattern.startswith("{") and pattern.endswith("}"):
                captured[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return captured

    def matches(self, request: Request) -> bool:
        """Whether the method and the ``where`` fields match (the path is matched separately)."""
        if self.method != "*" and self.method != request.method:
            return False
        return all(request.field(name) == expected for name, expected in self.where.items())

    def charge(self, request: Request) -> dict[str, float]:
        cost = self.cost(request) if callable(self.cost) else self.cost
        return {k: float(v) for k, v in cost.items()}


class Rules:
    """An ordered rule registry: the first rule (in registration order) that matches wins.

    Exact paths are indexed, templates scanned; registration order decides between both.
    """

    __slots__ = ("_exact", "_rules", "_templates")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: tuple[Rule, ...] = tuple(rules)
        exact: dict[str, list[tuple[int, Rule]]] = {}
        templates: list[tuple[int, Rule]] = []
        for position, rule in enumerate(self._rules):
            if rule._templated:
                templates.append((position, rule))
            else:
                exact.setdefault(rule.path, []).append((position, rule))
        self._exact: dict[str, tuple[tuple[int, Rule], ...]] = {k: tuple(v) for k, v in exact.items()}
        self._templates: tuple[tuple[int, Rule], ...] = tuple(templates)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"Rules({len(self._rules)} rules)"

    def find(self, request: Request) -> tuple[Rule, dict[str, str]] | None:
        """The first matching rule and the path parameters it captured."""
        best: tuple[int, Rule, dict[str, str]] | None = None
        for position, rule in self._exact.get(request.path, ()):
            if rule.matches(request):
                best = (position, rule, {})
                break
        for position, rule in self._templates:
            if best is not None and position > best[0]:
                break
            captured = rule.match_path(request.path)
            if captured is None:
                continue
            probe = dataclasses.replace(request, path_params=captured) if captured else request
            if rule.matches(probe):
                best = (position, rule, captured)
                break
        if best is None:
            return None
        return best[1], best[2]


# --------------------------------------------------------------------------------------------
# the weighed request


@dataclass(frozen=True, slots=True)
class Weighed:
    """What :meth:`Venue.weigh` says about one request.

    ``cost`` is what to acquire; ``scope`` the scope values the request itself carries (e.g.
    ``{"address": "0x…"}``, ``{"instrument": "BTC-USDT"}``); use :meth:`scope_for` to add the
    ones only the caller knows (its IP, account…). ``estimate`` names the limits whose charge
    is an estimate that :meth:`Venue.settle` corrects from the response; ``detail`` carries
    what the settler needs (the info type, the items estimated…). ``known`` is ``False`` when
    no rule matched and the venue's default cost was charged.
    """

    venue: str
    rule: Rule = field(repr=False, compare=False)
    method: str
    path: str
    cost: Mapping[str, float]
    scope: Mapping[str, str]
    kind: Kind
    idempotent: bool
    known: bool = True
    primary: str | None = None
    estimate: tuple[str, ...] = ()
    dimensions: Mapping[str, str | None] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name of the rule that priced this request."""
        return self.rule.name

    def scope_for(self, known: Mapping[str, str] | None = None, **values: str) -> dict[str, str]:
        """The scope argument for ``limiter.acquire(cost, scope=…)``.

        Combines what the request carries (:attr:`scope`) with what the caller knows
        (``ip=``, ``account=``, ``address=``…; the caller's values win). Compound dimensions
        such as ``"account+instrument"`` get their parts joined with ``"|"``; a missing part
        is ``"*"``. An ``address`` is lower-cased (hex addresses are case-insensitive).
        """
        merged: dict[str, str] = dict(self.scope)
        if known:
            merged.update(known)
        merged.update(values)
        if "address" in merged:  # on-chain hex addresses are case-insensitive
            merged["address"] = str(merged["address"]).lower()
        out: dict[str, str] = {}
        for dimension in {d for d in self.dimensions.values() if d}:
            parts = dimension.split("+")
            if len(parts) == 1:
                if dimension in merged:
                    out[dimension] = str(merged[dimension])
                continue
            out[dimension] = "|".join(str(merged.get(p, DEFAULT_SCOPE)) for p in parts)
        for key, value in merged.items():
            out.setdefault(key, str(value))
        return out


# --------------------------------------------------------------------------------------------
# unknown endpoints: charged the default, logged once

_UNKNOWN_LOCK = threading.Lock()
_UNKNOWN_SEEN: set[tuple[str, str]] = set()
_UNKNOWN_CAP = 4096


def _log_unknown_once(venue: str, endpoint: str, cost: Mapping[str, float]) -> None:
    key = (venue, endpoint)
    with _UNKNOWN_LOCK:
        if key in _UNKNOWN_SEEN:
            return
        if len(_UNKNOWN_SEEN) >= _UNKNOWN_CAP:
            return
        _UNKNOWN_SEEN.add(key)
        full = len(_UNKNOWN_SEEN) >= _UNKNOWN_CAP
    logger.warning(
        "ratekeeper: %s has no rule for %s; charged the default %s (logged once per endpoint)",
        venue,
        endpoint,
        dict(cost),
    )
    if full:
        logger.warning("ratekeeper: %d unknown endpoints logged; further ones are not", _UNKNOWN_CAP)


def _forget_unknown() -> None:
    """Test helper: forget which unknown endpoints were already logged."""
    with _UNKNOWN_LOCK:
        _UNKNOWN_SEEN.clear()


# --------------------------------------------------------------------------------------------
# the venue


def _no_feedback(_: Feedback) -> list[Observation]:
    return []


def by_name(limits: Iterable[Limit]) -> dict[str, Limit]:
    """A limit table keyed by name (duplicates are an error)."""
    table: dict[str, Limit] = {}
    for limit in limits:
        if limit.name in table:
            raise ValueError(f"Venue: duplicate limit {limit.name!r}")
        table[limit.name] = limit
    return table


def _freeze_limits(limits: Mapping[str, Limit] | Iterable[Limit]) -> Mapping[str, Limit]:
    items = limits.values() if isinstance(limits, Mapping) else limits
    table: dict[str, Limit] = {}
    for limit in items:
        if not isinstance(limit, Limit):
            raise TypeError(f"Venue: limits must be Limit values, got {type(limit).__name__}")
        if limit.name in table:
            raise ValueError(f"Venue: duplicate limit {limit.name!r}")
        table[limit.name] = limit
    return MappingProxyType(table)


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue's rate-limit rules as one immutable value.

    Build one with :func:`ratekeeper.venues.venue`; derive variants with :meth:`with_limits`.
    A request no rule matches is charged ``default``, or ``private_default`` when the venue
    can tell a private (signed, per-account) endpoint from a public one (``is_private``), and
    a warning names the endpoint and the charge (once per endpoint).
    """

    name: str
    limits: Mapping[str, Limit]
    rules: Rules
    default: Rule
    urls: Mapping[str, str] = field(default_factory=dict)
    every_request: Mapping[str, float] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parser: FeedbackFn = _no_feedback
    source: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    private_default: Rule | None = None
    is_private: Callable[[Request], bool] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "limits", _freeze_limits(self.limits))
        object.__setattr__(self, "urls", MappingProxyType(dict(self.urls)))
        object.__setattr__(self, "every_request", MappingProxyType(dict(self.every_request)))
        object.__setattr__(self, "groups", MappingProxyType({k: tuple(v) for k, v in self.groups.items()}))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        if not isinstance(self.rules, Rules):
            object.__setattr__(self, "rules", Rules(self.rules))

    # -- urls --------------------------------------------------------------------------------

    @property
    def mainnet(self) -> str | None:
        """The mainnet REST base URL."""
        return self.urls.get("mainnet")

    @property
    def testnet(self) -> str | None:
        """The testnet REST base URL, where the venue has one."""
        return self.urls.get("testnet")

    # -- overrides ---------------------------------------------------------------------------

    def with_limits(self, **overrides: LimitOverride) -> Venue:
        """A copy with some limits replaced: a :class:`Limit`, or ``(capacity, period)``."""
        if not overrides:
            return self
        table = dict(self.limits)
        for name, value in overrides.items():
            table[name] = _apply_override(self.name, table.get(name), name, value, list(self.limits))
        return dataclasses.replace(self, limits=table)

    # -- weighing ----------------------------------------------------------------------------

    def weigh(
        self,
        method: str,
        path: str,
        body: object = None,
        params: Mapping[str, Any] | None = None,
        *,
        now: float | None = None,
        estimates: Estimates | None = None,
    ) -> Weighed:
        """Price one request before it is sent.

        ``path`` may be a path or a full URL (its query string is read as parameters); ``body``
        a mapping, a list, or JSON / form-encoded text. ``now`` is the wall-clock time used to
        interpret open time ranges (defaults to ``time.time()`` when a rule needs it).
        ``estimates``: what answers taught (see :class:`Estimates`); without it, a rule whose
        weight depends on its answer charges its documented bound.
        Raises :class:`InvalidRequest` when the venue would refuse the request as a whole.
        """
        request = Request.build(method, path, body, params, now)
        found = self.rules.find(request)
        if found is None:
            rule, known = self._default_for(request), False
        else:
            rule, captured = found
            known = not rule.fallback
            if captured:
                request = dataclasses.replace(request, path_params=captured)
        raw = rule.charge(request)
        for name, amount in self.every_request.items():
            raw[name] = raw.get(name, 0.0) + float(amount)
        cost = {k: v for k, v in self._expand(raw).items() if k in self.limits}
        estimate = tuple(n for n in self._expand_names(rule.estimate) if n in cost)
        base = self._expand(rule.base)
        for name in estimate:
            limit = self.limits.get(name)
            if limit is not None and cost[name] > limit.capacity:
                cost[name] = max(base.get(name, 0.0), limit.capacity)
        if not known:
            endpoint = f"{request.method} {request.path}"
            label = _default_label(request)
            if label:
                endpoint += f" {label}"
            _log_unknown_once(self.name, endpoint, cost)
        scope = dict(rule.scope(request)) if rule.scope is not None else {}
        if estimates is not None and rule.learn and known:
            key = estimate_key(self.name, rule.name, scope)
            for name in estimate:
                extra = estimates.extra(key, name)
                if extra is not None:
                    floor = base.get(name, 0.0)
                    cost[name] = max(floor, min(cost[name], floor + extra))
        detail = dict(rule.detail(request)) if rule.detail is not None else {}
        return Weighed(
            venue=self.name,
            rule=rule,
            method=request.method,
            path=request.path,
            cost=MappingProxyType(cost),
            scope=MappingProxyType(scope),
            kind=rule.kind,
            idempotent=rule.is_idempotent,
            known=known,
            primary=rule.primary(request) if callable(rule.primary) else rule.primary,
            estimate=estimate,
            dimensions=MappingProxyType({n: self.limits[n].scope for n in cost if n in self.limits}),
            detail=MappingProxyType(detail),
        )

    def _default_for(self, request: Request) -> Rule:
        """The rule for a request no rule matches: the private class's default when the venue
        tells private endpoints apart (``is_private``) and this is one, else ``default``."""
        if self.private_default is not None and self.is_private is not None and self.is_private(request):
            return self.private_default
        return self.default

    def cost(
        self,
        method: str,
        path: str,
        body: object = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, float]:
        """The cost of one request, as a plain dict: ``{"ip_weight": 2}``."""
        return dict(self.weigh(method, path, body, params).cost)

    def _expand(self, cost: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, amount in cost.items():
            for target in self.groups.get(name, (name,)):
                out[target] = out.get(target, 0.0) + amount
        return out

    def _expand_names(self, names: Iterable[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            out.extend(self.groups.get(name, (name,)))
        return out

    # -- after the response ------------------------------------------------------------------

    def settle(
        self,
        weighed: Weighed,
        status: int,
        headers: Headers = None,
        body: object = None,
        *,
        now: float | None = None,
        estimates: Estimates | None = None,
    ) -> dict[str, float]:
        """The actual cost of a request once its response is in (same keys as the charge).

        Over-charges are refunded (a lower value), under-estimates charged (a higher one);
        without evidence the charged cost stands. ``estimates`` learns from the answer of a
        rule marked ``learn``. Never raises on a malformed response.
        """
        charged = dict(weighed.cost)
        if weighed.rule.settle is None:
            return charged
        response = Response(int(status), _lower_headers(headers), _parse_body(body), _now(now))
        try:
            actual = weighed.rule.settle(weighed, response)
        except Exception:  # a settler must never fail a successful response
            logger.warning("ratekeeper: %s settler for %s failed; charge kept", self.name, weighed.name, exc_info=True)
            return charged
        if actual is None:
            return charged
        expanded = self._expand(actual)
        out: dict[str, float] = {}
        for name, amount in charged.items():
            value = expanded.get(name, amount)
            out[name] = max(0.0, float(value)) if _finite(value) else amount
        if estimates is not None and weighed.rule.learn:
            base = self._expand(weighed.rule.base)
            names = [n for n in weighed.estimate if n in expanded and n in out]
            estimates.learn(
                estimate_key(self.name, weighed.name, weighed.scope),
                {n: out[n] - base.get(n, 0.0) for n in names},
                {n: charged[n] - base.get(n, 0.0) for n in names},
            )
        return out

    def feedback(
        self,
        status: int,
        headers: Headers = None,
        body: object = None,
        request: Weighed | None = None,
        *,
        now: float | None = None,
    ) -> list[Observation]:
        """What the server said about our limits, as observations for the store.

        ``request`` (the :class:`Weighed` of the request this answers) lets endpoint-level
        headers and errors be attributed to the right limit. Malformed values are ignored with
        a warning; this never raises.
        """
        try:
            code = int(status)
        except (TypeError, ValueError):
            logger.warning("ratekeeper: %s feedback with a malformed status %r ignored", self.name, status)
            return []
        response = Response(code, _lower_headers(headers), _parse_body(body), _now(now))
        try:
            observations = self.parser(Feedback(self, response, request))
        except Exception:
            logger.warning("ratekeeper: %s feedback parser failed; response ignored", self.name, exc_info=True)
            return []
        return [o for o in observations if o.limit in self.limits]


def _now(now: float | None) -> float:
    return time.time() if now is None else float(now)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _default_label(request: Request) -> str:
    """A short discriminator for unknown-endpoint logging (e.g. the info type)."""
    if isinstance(request.body, Mapping):
        value = request.body.get("type")
        if isinstance(value, str):
            return f"type={value}"
        action = request.body.get("action")
        if isinstance(action, Mapping) and isinstance(action.get("type"), str):
            return f"action={action['type']}"
    return ""


def _apply_override(venue: str, current: Limit | None, name: str, value: object, known: list[str]) -> Limit:
    if isinstance(value, Limit):
        if value.name != name:
            value = dataclasses.replace(value, name=name)
        return value
    if isinstance(value, tuple) and len(value) == 2:
        if current is None:
            raise ValueError(
                f"{venue}: no limit {name!r} to override with (capacity, period); "
                f"known limits: {', '.join(known)}; pass a Limit to add one"
            )
        capacity, period = value
        return dataclasses.replace(current, capacity=capacity, period=period)
    raise TypeError(f"{venue}: override {name}= must be a Limit or (capacity, period), got {value!r}")
