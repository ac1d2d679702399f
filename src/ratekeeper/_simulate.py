"""The simulator: a workload run through the pure decision functions in simulated time.

Nothing sleeps and nothing is sent. Requests arrive when the workload says; they are admitted
the way one process's :class:`~ratekeeper.Limiter` admits them (one queue per set of
budgets, higher priorities first, then arrival order; the head of a queue books the earliest
slot every limit admits, and the next one takes its turn when that slot comes); responses
settle estimated weights at the moment the request starts. The result says how long the work
takes, which limit made it wait, the rate each type could sustain, and how full every budget
was over time.

A workload is a mapping (YAML or JSON):

* ``requests:`` request types offered at a steady ``rate`` per second for ``seconds``; or
* ``log:`` a recorded list of requests, each with a time ``t`` in seconds.

See ``docs/cli.md`` for the format.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _algorithms as algo
from ._errors import WorkloadError
from ._limits import CHARGE_PRIORITY, Limit, resolve_scope
from .venues import InvalidRequest, Venue

__all__ = [
    "KeyReport",
    "Report",
    "RequestType",
    "Simulation",
    "TypeReport",
    "Workload",
    "WorkloadError",
    "analyse",
    "load_workload",
    "parse_workload",
    "plot",
    "simulate",
]

MAX_REQUESTS = 2_000_000
"""A workload larger than this is refused: shorten ``seconds`` or lower the rates."""
DEFAULT_SECONDS = 60.0
MAX_SAMPLES = 1600
"""Budget-use samples kept per run; beyond that every other one is dropped and the step doubles."""

Key = tuple[str, "str | None"]
"""One budget: (limit name, scope value)."""


# ---------------------------------------------------------------------------------------
# the workload
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestType:
    """One kind of request: what it is charged when admitted and what its response settles.

    ``actual`` is the cost once the response is in (``None``: as charged); ``items`` the
    budgets it charges as ``(limit name, scope value, units)``.
    """

    name: str
    cost: Mapping[str, float]
    actual: Mapping[str, float] | None
    items: tuple[tuple[str, str | None, float], ...]
    priority: int = 0
    rate: float = 0.0


@dataclass(frozen=True, slots=True)
class Workload:
    """Request types, the moments requests of each arrive, and the limits they spend."""

    venue: str
    limits: Mapping[str, Limit]
    types: tuple[RequestType, ...]
    arrivals: tuple[tuple[float, int], ...]
    seconds: float
    recorded: bool


def load_workload(path: str | Path, venue: Venue, seconds: float | None = None) -> Workload:
    """Read a workload file (``.json``, ``.jsonl`` for a recorded log, ``.yaml``/``.yml``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkloadError(f"cannot read workload {str(p)!r}: {exc.strerror or exc}") from exc
    suffix = p.suffix.lower()
    data: Any
    if suffix in (".jsonl", ".ndjson"):
        try:
            data = {"log": [json.loads(line) for line in text.splitlines() if line.strip()]}
        except ValueError as exc:
            raise WorkloadError(f"{p.name}: not JSON lines: {exc}") from exc
    elif suffix in (".yaml", ".yml"):
        data = _yaml(text, p.name)
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            if suffix == ".json":
                raise WorkloadError(f"{p.name}: not valid JSON: {exc}") from exc
            data = _yaml(text, p.name)
    return parse_workload(data, venue, seconds)


def _yaml(text: str, name: str) -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise WorkloadError(
            f"{name}: reading YAML needs PyYAML: pip install 'ratekeeper[cli]' (or write the workload as JSON)"
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkloadError(f"{name}: not valid YAML: {exc}") from exc


def _number(where: str, value: object, *, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise WorkloadError(f"{where} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or (positive and v <= 0) or (minimum is not None and v < minimum):
        bound = "> 0" if positive else f">= {minimum:g}"
        raise WorkloadError(f"{where} must be a finite number {bound}, got {value!r}")
    return v


def _mapping(where: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise WorkloadError(f"{where} must be a mapping, got {value!r}")
    return value


def _cost_map(where: str, value: object, limits: Mapping[str, Limit]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, amount in _mapping(where, value).items():
        if name not in limits:
            raise WorkloadError(f"{where}: unknown limit {name!r}; this venue has {', '.join(sorted(limits))}")
        if limits[name].algorithm == "concurrent":
            raise WorkloadError(
                f"{where}: {name!r} is a concurrent limit (units held at once, through leases): "
                "requests are not charged to it, so a workload cannot simulate it"
            )
        out[str(name)] = _number(f"{where}.{name}", amount, minimum=0.0)
    return out


def _scope_arg(where: str, value: object) -> dict[str, str] | str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return {str(k): str(v) for k, v in _mapping(where, value).items()}


class _Pricer:
    """Turns workload entries into request types, pricing each distinct request once."""

    def __init__(self, venue: Venue, limits: Mapping[str, Limit], scope: dict[str, str] | str | None) -> None:
        self.venue = venue
        self.limits = limits
        self.scope = scope
        self.types: list[RequestType] = []
        self._index: dict[str, int] = {}
        # types whose booking is learned from their answers: (rule, scope), base, estimated names
        self.learned: dict[int, tuple[str, dict[str, float], tuple[str, ...]]] = {}

    def add(self, where: str, entry: Mapping[str, Any], rate: float) -> int:
        scope = self.scope
        own = _scope_arg(f"{where}.scope", entry.get("scope"))
        if isinstance(own, str) or (own is not None and not isinstance(scope, dict)):
            scope = own
        elif own is not None and isinstance(scope, dict):
            scope = {**scope, **own}
        priority = entry.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise WorkloadError(f"{where}.priority must be an integer, got {priority!r}")
        actual: dict[str, float] | None = None
        scope_map: Mapping[str, str] | str | None
        learn: tuple[str, dict[str, float], tuple[str, ...]] | None = None
        if "cost" in entry:
            cost = _cost_map(f"{where}.cost", entry["cost"], self.limits)
            name = str(entry.get("name") or "cost " + ", ".join(f"{k} {v:g}" for k, v in cost.items()))
            scope_map = scope
        elif "path" in entry:
            method = str(entry.get("method") or ("POST" if entry.get("body") is not None else "GET"))
            params = entry.get("params")
            if params is not None:
                params = dict(_mapping(f"{where}.params", params))
            try:
                weighed = self.venue.weigh(method, str(entry["path"]), entry.get("body"), params, now=0.0)
            except InvalidRequest as exc:
                raise WorkloadError(f"{where}: {exc}") from exc
            cost = dict(weighed.cost)
            name = str(entry.get("name") or _label(weighed.name, weighed.known, method, str(entry["path"])))
            scope_map = weighed.scope_for(scope if isinstance(scope, dict) else None)
            if isinstance(scope, str):
                scope_map = scope
            if "items" in entry:
                n = int(_number(f"{where}.items", entry["items"], minimum=0.0))
                actual = self.venue.settle(weighed, int(entry.get("status", 200)), None, [{}] * n, now=0.0)
                if weighed.rule.learn and weighed.estimate:
                    group = json.dumps([weighed.name, sorted(weighed.scope.items())])
                    learn = (group, dict(weighed.rule.base), weighed.estimate)
        else:
            raise WorkloadError(f"{where}: give either a cost or a method and path")
        if "actual_cost" in entry:
            actual = {**cost, **_cost_map(f"{where}.actual_cost", entry["actual_cost"], self.limits)}
        if actual is not None and all(abs(actual.get(k, 0.0) - v) < 1e-12 for k, v in cost.items()):
            actual = None
        items: list[tuple[str, str | None, float]] = []
        for limit_name, amount in cost.items():
            limit = self.limits[limit_name]
            if amount <= 0:
                continue
            if limit.algorithm != "quota" and amount > limit.capacity_for(priority) * (1 + 1e-9):
                raise WorkloadError(
                    f"{where} ({name}): costs {amount:g} on {limit_name!r}, which holds at most "
                    f"{limit.capacity_for(priority):g}: it can never be admitted"
                )
            items.append((limit_name, resolve_scope(limit.scope, scope_map), amount))
        rtype = RequestType(name, cost, actual, tuple(items), priority, rate)
        key = json.dumps([rtype.name, rtype.cost, rtype.actual, rtype.items, priority], sort_keys=True)
        found = self._index.get(key)
        if found is not None:
            if rate:
                old = self.types[found]
                self.types[found] = RequestType(
                    old.name, old.cost, old.actual, old.items, old.priority, old.rate + rate
                )
            return found
        self._index[key] = len(self.types)
        self.types.append(rtype)
        if learn is not None:
            self.learned[len(self.types) - 1] = learn
        return len(self.types) - 1

    def learn(self) -> None:
        """Book each learned type as the HTTP clients do once they have seen its answers: its
        base plus the largest extra the answers of its rule and scope carry (never more than
        the documented bound it was priced at)."""
        largest: dict[tuple[str, str], float] = {}
        for idx, (group, base, names) in self.learned.items():
            actual = self.types[idx].actual or self.types[idx].cost
            for name in names:
                extra = actual.get(name, 0.0) - base.get(name, 0.0)
                largest[(group, name)] = max(largest.get((group, name), 0.0), extra)
        for idx, (group, base, names) in self.learned.items():
            t = self.types[idx]
            cost = dict(t.cost)
            for name in names:
                cost[name] = max(base.get(name, 0.0), min(cost[name], base.get(name, 0.0) + largest[(group, name)]))
            items = tuple((n, sc, cost[n]) for n, sc, _ in t.items)
            answered = t.actual if t.actual is not None else dict(t.cost)
            same = all(abs(answered.get(k, 0.0) - v) < 1e-12 for k, v in cost.items())
            self.types[idx] = RequestType(t.name, cost, None if same else answered, items, t.priority, t.rate)


def _label(rule_name: str, known: bool, method: str, path: str) -> str:
    return rule_name if known else f"{method.upper()} {path} (unknown: default cost)"


def _limits_with(venue: Venue, overrides: object) -> Venue:
    if overrides is None:
        return venue
    table: dict[str, Limit | tuple[float, float]] = {}
    for name, value in _mapping("limits", overrides).items():
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise WorkloadError(f"limits.{name} must be [capacity, period], got {value!r}")
        capacity = _number(f"limits.{name}[0]", value[0], positive=True)
        period = _number(f"limits.{name}[1]", value[1], positive=True)
        table[str(name)] = (capacity, period)
    try:
        return venue.with_limits(**table)
    except (TypeError, ValueError) as exc:
        raise WorkloadError(f"limits: {exc}") from exc


def parse_workload(data: Any, venue: Venue, seconds: float | None = None) -> Workload:
    """Build a :class:`Workload` from parsed YAML/JSON (see the module docstring).

    ``seconds`` bounds the workload: how long steady rates are offered, or where a recorded
    log is cut (``None``: the file's ``seconds``, else 60 s for rates and the whole log).
    """
    if isinstance(data, list):
        looks_recorded = bool(data) and isinstance(data[0], Mapping) and ("t" in data[0] or "time" in data[0])
        data = {"log": data} if looks_recorded else {"requests": data}
    spec = _mapping("the workload", data)
    unknown = set(spec) - {"requests", "log", "seconds", "scope", "limits", "venue", "description", "estimates"}
    if unknown:
        raise WorkloadError(f"unknown workload keys: {', '.join(sorted(map(str, unknown)))}")
    venue = _limits_with(venue, spec.get("limits"))
    limits = dict(venue.limits)
    pricer = _Pricer(venue, limits, _scope_arg("scope", spec.get("scope")))
    if seconds is None and spec.get("seconds") is not None:
        seconds = _number("seconds", spec["seconds"], positive=True)
    arrivals: list[tuple[float, int]] = []
    if "log" in spec:
        if "requests" in spec:
            raise WorkloadError("give either requests (steady rates) or log (recorded requests), not both")
        log = spec["log"]
        if not isinstance(log, list) or not log:
            raise WorkloadError("log must be a non-empty list of requests, each with a time t")
        times = []
        for i, entry in enumerate(log):
            e = _mapping(f"log[{i}]", entry)
            raw = e.get("t", e.get("time"))
            times.append(_number(f"log[{i}].t", raw))
        origin = min(times)
        for i, (entry, t) in enumerate(zip(log, times, strict=True)):
            at = t - origin
            if seconds is not None and at > seconds:
                continue
            arrivals.append((at, pricer.add(f"log[{i}]", entry, 0.0)))
        if len(arrivals) > MAX_REQUESTS:
            raise WorkloadError(f"the log holds {len(arrivals)} requests; at most {MAX_REQUESTS} are simulated")
        arrivals.sort(key=lambda a: a[0])
        span = seconds if seconds is not None else max(a for a, _ in arrivals)
        recorded = True
        counts: dict[int, int] = {}
        for _, idx in arrivals:
            counts[idx] = counts.get(idx, 0) + 1
        if span > 0:
            pricer.types = [
                RequestType(t.name, t.cost, t.actual, t.items, t.priority, counts.get(i, 0) / span)
                for i, t in enumerate(pricer.types)
            ]
    else:
        requests = spec.get("requests")
        if not isinstance(requests, list) or not requests:
            raise WorkloadError("requests must be a non-empty list of request types, each with a rate per second")
        span = seconds if seconds is not None else DEFAULT_SECONDS
        total = 0.0
        for i, entry in enumerate(requests):
            e = _mapping(f"requests[{i}]", entry)
            raw_rate = e.get("rate", e.get("per_second"))
            if raw_rate is None:
                raise WorkloadError(f"requests[{i}] needs a rate (requests per second)")
            rate = _number(f"requests[{i}].rate", raw_rate, positive=True)
            start = _number(f"requests[{i}].start", e.get("start", 0.0), minimum=0.0)
            count = None
            if e.get("count") is not None:
                count = int(_number(f"requests[{i}].count", e["count"], minimum=0.0))
            n = max(0, math.ceil((span - start) * rate - 1e-9))
            if count is not None:
                n = min(n, count)
            total += n
            if total > MAX_REQUESTS:
                raise WorkloadError(
                    f"the workload offers more than {MAX_REQUESTS} requests; lower the rates or the seconds"
                )
            idx = pricer.add(f"requests[{i}]", e, rate)
            arrivals.extend((start + k / rate, idx) for k in range(n))
        arrivals.sort(key=lambda a: a[0])
        recorded = False
    if not arrivals:
        raise WorkloadError("the workload offers no requests within the time given")
    estimates = spec.get("estimates", "learned")
    if estimates not in ("learned", "max"):
        raise WorkloadError(f"estimates must be 'learned' or 'max', got {estimates!r}")
    if estimates == "learned":
        pricer.learn()
    return Workload(venue.name, limits, tuple(pricer.types), tuple(arrivals), span, recorded)


# ---------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------


@dataclass
class Simulation:
    """What happened to every request, and how full every budget was over time."""

    workload: Workload
    keys: list[Key]
    arrival: list[float]
    start: list[float]
    kind: list[int]
    binding: list[int]
    """Per request: the index into ``keys`` of the budget that set its start (-1: no wait)."""
    charged: dict[Key, float]
    sample_t: list[float] = field(default_factory=list)
    sample_use: list[list[float]] = field(default_factory=list)
    """Per key (same order as ``keys``): the share of its capacity in use at each sample time."""

    @property
    def makespan(self) -> float:
        """Seconds from the first arrival until the last request started."""
        return max(self.start) if self.start else 0.0


_SETTLE, _ADMIT, _ARRIVE, _TURN = 0, 1, 2, 3


def _used(st: algo.State, now: float, limit: Limit) -> float:
    """The share of ``limit``'s capacity in use at ``now`` (admitted units only)."""
    if isinstance(st, algo.SlidingState):
        used = algo.sliding_used(st, now, limit.period)[0]
    elif isinstance(st, algo.FixedState):
        used = st.windows.get(math.floor((now - limit.offset) / limit.period), 0.0)
    elif isinstance(st, algo.TokenState):
        used = algo.token_level(st, now, limit)
    else:
        cap = st.cap if st.cap is not None else limit.capacity
        return st.used / cap if cap > 0 else 0.0
    return used / limit.capacity


def simulate(workload: Workload, *, sample: bool = True) -> Simulation:
    """Run every request of ``workload`` through the decision functions (simulated time)."""
    limits = workload.limits
    types = workload.types
    keys: list[Key] = []
    key_index: dict[Key, int] = {}
    for t in types:
        for name, scope, _ in t.items:
            if (name, scope) not in key_index:
                key_index[(name, scope)] = len(keys)
                keys.append((name, scope))
    states = [algo.new_state(limits[name]) for name, _ in keys]
    key_limits = [limits[name] for name, _ in keys]
    # per type: the budgets it charges (indices into keys) and the units
    type_keys = [tuple(key_index[(n, s)] for n, s, _ in t.items) for t in types]
    type_costs = [tuple(a for _, _, a in t.items) for t in types]

    n = len(workload.arrivals)
    arrival = [a for a, _ in workload.arrivals]
    kind = [k for _, k in workload.arrivals]
    start = [math.nan] * n
    binding = [-1] * n
    placed: list[tuple[float, ...]] = [()] * n
    generation = [0] * n
    charged: dict[Key, float] = dict.fromkeys(keys, 0.0)

    # one queue per set of budgets: the holder's index (or -1) and a heap of (-priority, seq)
    qkey_of = [tuple(sorted(tk)) for tk in type_keys]
    holders: dict[tuple[int, ...], int] = {}
    queues: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    reserved: set[int] = set()

    events: list[tuple[float, int, int, int, int]] = []  # (time, phase, seq, request, generation)
    seq = 0

    def push(t: float, phase: int, i: int) -> None:
        nonlocal seq
        heapq.heappush(events, (t, phase, seq, i, generation[i]))
        seq += 1

    for i in range(n):
        push(arrival[i], _ARRIVE, i)

    sample_t: list[float] = []
    sample_use: list[list[float]] = [[] for _ in keys]
    step = max(workload.seconds, 1e-3) / (MAX_SAMPLES / 4)
    next_sample = 0.0

    def take_samples(until: float) -> None:
        nonlocal next_sample, step
        while next_sample <= until:
            sample_t.append(next_sample)
            for j, st in enumerate(states):
                sample_use[j].append(_used(st, next_sample, key_limits[j]))
            if len(sample_t) >= MAX_SAMPLES:
                del sample_t[1::2]
                for series in sample_use:
                    del series[1::2]
                step *= 2
                next_sample = sample_t[-1]
            next_sample += step

    def take_turn(i: int, now: float) -> None:
        t = kind[i]
        ks = type_keys[t]
        d = algo.decide(
            [states[k] for k in ks],
            [key_limits[k] for k in ks],
            type_costs[t],
            now,
            types[t].priority,
            None,
            0.0,
        )
        placed[i] = d.placed
        if d.start > arrival[i] + 1e-12:
            binding[i] = ks[d.binding]
        reserved.add(i)
        push(d.start, _ADMIT, i)

    def hand_off(q: tuple[int, ...], now: float) -> None:
        heap = queues.get(q)
        if heap:
            _, nxt = heapq.heappop(heap)
            holders[q] = nxt
            take_turn(nxt, now)
        else:
            holders.pop(q, None)

    while events:
        t_ev, phase, _, i, gen = heapq.heappop(events)
        if gen != generation[i]:
            continue  # a displaced head's stale admission
        if sample:
            take_samples(t_ev if phase != _SETTLE else t_ev - 1e-12)
        q = qkey_of[kind[i]]
        if phase == _ARRIVE:
            holder = holders.get(q)
            prio = types[kind[i]].priority
            if holder is None:
                holders[q] = i
                take_turn(i, t_ev)
            elif holder in reserved and types[kind[holder]].priority < prio:
                # a higher priority displaces the sleeping head, whose booking is given back
                _refund(states, key_limits, type_keys[kind[holder]], type_costs[kind[holder]], placed[holder], t_ev)
                reserved.discard(holder)
                generation[holder] += 1
                binding[holder] = -1
                heapq.heappush(queues.setdefault(q, []), (-types[kind[holder]].priority, holder))
                holders[q] = i
                take_turn(i, t_ev)
            else:
                heapq.heappush(queues.setdefault(q, []), (-prio, i))
        elif phase == _ADMIT:
            reserved.discard(i)
            start[i] = t_ev
            rt = types[kind[i]]
            for k, amount in zip(type_keys[kind[i]], type_costs[kind[i]], strict=True):
                charged[keys[k]] += amount
            if rt.actual is not None:
                push(t_ev, _SETTLE, i)
            hand_off(q, t_ev)
        elif phase == _SETTLE:
            _settle(states, key_limits, keys, charged, types[kind[i]], type_keys[kind[i]], placed[i], t_ev)
    if sample and n:
        end = max(start)
        take_samples(end + max(step, 0.05 * end))
    return Simulation(workload, keys, arrival, start, kind, binding, charged, sample_t, sample_use)


def _refund(
    states: Sequence[algo.State],
    limits: Sequence[Limit],
    ks: Sequence[int],
    costs: Sequence[float],
    placed: Sequence[float],
    now: float,
) -> None:
    for k, amount, at in zip(ks, costs, placed, strict=True):
        algo.refund(states[k], now, at, amount, limits[k], 0.0)


def _settle(
    states: Sequence[algo.State],
    limits: Sequence[Limit],
    keys: Sequence[Key],
    charged: dict[Key, float],
    rt: RequestType,
    ks: Sequence[int],
    placed: Sequence[float],
    now: float,
) -> None:
    actual = rt.actual or {}
    for k, (name, _, amount), at in zip(ks, rt.items, placed, strict=True):
        delta = actual.get(name, amount) - amount
        limit = limits[k]
        if delta < 0:
            algo.refund(states[k], now, at, -delta, limit, 0.0)
        elif delta > 0:  # the venue has counted it: charged at once, as Grant.settle does
            algo.decide([states[k]], [limit], [delta], now, CHARGE_PRIORITY, None, 0.0)
        charged[keys[k]] += delta


# ---------------------------------------------------------------------------------------
# what it means
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeReport:
    """One request type: how many, how fast they were offered and admitted, what it could sustain."""

    name: str
    requests: int
    offered_rate: float
    achieved_rate: float
    sustainable_rate: float | None
    """At this mix: the rate every renewing budget can keep up with forever."""
    alone_rate: float | None
    """This type alone, on an empty budget."""
    cost: Mapping[str, float]
    wait_p50: float
    wait_p99: float
    wait_max: float


@dataclass(frozen=True, slots=True)
class KeyReport:
    """One budget: its demand at the offered mix, the waits it caused, when a quota runs out."""

    limit: str
    scope: str | None
    capacity: float
    period: float
    algorithm: str
    demand: float
    """Units per second the workload offers (after settlement)."""
    utilisation: float
    """Demand over what the limit renews per second (quota limits: 0)."""
    waits: float
    """Seconds of waiting this budget set (summed over requests)."""
    charged: float
    lasts: float | None
    """Quota limits: seconds the allowance lasts at this demand (``None``: not a quota)."""
    peak: float
    """The largest share of the capacity in use at any sample."""

    @property
    def label(self) -> str:
        return self.limit if self.scope is None else f"{self.limit}[{self.scope}]"


@dataclass(frozen=True, slots=True)
class Report:
    venue: str
    requests: int
    offered_seconds: float
    makespan: float
    total_wait: float
    binding: str | None
    """The budget whose waits dominate; or, when nothing waited, the fullest renewing one."""
    binding_share: float
    """Its share of all waiting (0 when nothing waited)."""
    headroom: float
    """How many times the offered mix could be scaled before a renewing budget saturates."""
    saturates: str | None
    """The renewing budget that sets :attr:`headroom` (the one asked for most of what it renews)."""
    types: tuple[TypeReport, ...]
    keys: tuple[KeyReport, ...]

    def as_dict(self) -> dict[str, Any]:
        def clean(x: Any) -> Any:
            if isinstance(x, float) and not math.isfinite(x):
                return None
            if isinstance(x, Mapping):
                return {str(k): clean(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            return x

        data: dict[str, Any] = clean(
            {
                "venue": self.venue,
                "requests": self.requests,
                "offered_seconds": self.offered_seconds,
                "makespan": self.makespan,
                "total_wait": self.total_wait,
                "binding": self.binding,
                "binding_share": self.binding_share,
                "headroom": self.headroom,
                "saturates": self.saturates,
                "types": [
                    {
                        "name": t.name,
                        "requests": t.requests,
                        "offered_rate": t.offered_rate,
                        "achieved_rate": t.achieved_rate,
                        "sustainable_rate": t.sustainable_rate,
                        "alone_rate": t.alone_rate,
                        "cost": dict(t.cost),
                        "wait_p50": t.wait_p50,
                        "wait_p99": t.wait_p99,
                        "wait_max": t.wait_max,
                    }
                    for t in self.types
                ],
                "limits": [
                    {
                        "limit": k.limit,
                        "scope": k.scope,
                        "capacity": k.capacity,
                        "period": k.period,
                        "algorithm": k.algorithm,
                        "demand_per_second": k.demand,
                        "utilisation": k.utilisation,
                        "waits": k.waits,
                        "charged": k.charged,
                        "lasts": k.lasts,
                        "peak": k.peak,
                    }
                    for k in self.keys
                ],
            }
        )
        return data


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def analyse(sim: Simulation) -> Report:
    """Turn a run into the numbers people ask for."""
    w = sim.workload
    limits = w.limits
    n = len(sim.start)
    waits_by_type: dict[int, list[float]] = {}
    starts_by_type: dict[int, list[float]] = {}
    key_waits = [0.0] * len(sim.keys)
    for i in range(n):
        wait = sim.start[i] - sim.arrival[i]
        waits_by_type.setdefault(sim.kind[i], []).append(wait)
        starts_by_type.setdefault(sim.kind[i], []).append(sim.start[i])
        if sim.binding[i] >= 0:
            key_waits[sim.binding[i]] += wait
    # demand per budget at the offered mix, after settlement
    demand = dict.fromkeys(sim.keys, 0.0)
    for t in w.types:
        actual = t.actual or {}
        for name, scope, amount in t.items:
            demand[(name, scope)] += t.rate * actual.get(name, amount)
    renew: dict[Key, float] = {}
    key_reports: list[KeyReport] = []
    for j, key in enumerate(sim.keys):
        limit = limits[key[0]]
        lasts = None
        util = 0.0
        if limit.algorithm == "quota":
            lasts = limit.capacity / demand[key] if demand[key] > 0 else math.inf
        else:
            renew[key] = limit.capacity / limit.period
            util = demand[key] / renew[key]
        peak = max(sim.sample_use[j]) if j < len(sim.sample_use) and sim.sample_use[j] else 0.0
        key_reports.append(
            KeyReport(
                key[0],
                key[1],
                limit.capacity,
                limit.period,
                limit.algorithm,
                demand[key],
                util,
                key_waits[j],
                sim.charged[key],
                lasts,
                peak,
            )
        )
    top_util = max((k.utilisation for k in key_reports), default=0.0)
    headroom = 1.0 / top_util if top_util > 0 else math.inf
    type_reports: list[TypeReport] = []
    span = max(sim.makespan, w.seconds)
    for idx, t in enumerate(w.types):
        waits = sorted(waits_by_type.get(idx, []))
        starts = starts_by_type.get(idx, [])
        count = len(starts)
        alone: float | None = None
        actual = t.actual or {}
        for name, scope, amount in t.items:
            key = (name, scope)
            unit = actual.get(name, amount)
            if key in renew and unit > 0:
                r = renew[key] / unit
                alone = r if alone is None else min(alone, r)
        achieved = count / span if span > 0 else float(count)
        sustainable = t.rate * headroom if math.isfinite(headroom) else None
        type_reports.append(
            TypeReport(
                t.name,
                count,
                t.rate,
                achieved,
                sustainable,
                alone,
                dict(actual) if actual else dict(t.cost),
                _quantile(waits, 0.5),
                _quantile(waits, 0.99),
                waits[-1] if waits else 0.0,
            )
        )
    total_wait = sum(key_waits)
    binding: str | None = None
    share = 0.0
    if total_wait > 1e-9:
        j = max(range(len(key_waits)), key=lambda k: key_waits[k])
        binding, share = key_reports[j].label, key_waits[j] / total_wait
    fullest = max((k for k in key_reports if k.algorithm != "quota"), key=lambda k: k.utilisation, default=None)
    saturates = fullest.label if fullest is not None and top_util > 0 else None
    if binding is None:
        binding = saturates
    return Report(
        w.venue,
        n,
        w.seconds,
        sim.makespan,
        total_wait,
        binding,
        share,
        headroom,
        saturates,
        tuple(type_reports),
        tuple(key_reports),
    )


def plot(sim: Simulation, report: Report, path: str | Path) -> None:
    """Write a PNG: budget use over time per limit (the binding one marked) and the waits."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("--plot needs matplotlib: pip install 'ratekeeper[cli]'") from exc
    fig = Figure(figsize=(10, 6.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    labels = {j: r.label for j, r in enumerate(report.keys)}
    t = sim.sample_t
    for j, series in enumerate(sim.sample_use):
        label = labels[j]
        is_binding = label == report.binding
        top.plot(
            t,
            [100 * v for v in series],
            label=label + ("  (binding)" if is_binding else ""),
            linewidth=2.6 if is_binding else 1.2,
            color="tab:red" if is_binding else None,
            zorder=3 if is_binding else 2,
        )
        if is_binding and series:
            k = max(range(len(series)), key=lambda x: series[x])
            top.annotate(
                f"binds: {label}",
                xy=(t[k], 100 * series[k]),
                xytext=(0, 12),
                textcoords="offset points",
                ha="center",
                color="tab:red",
                fontweight="bold",
            )
    top.axhline(100, color="black", linewidth=0.8, linestyle="--")
    top.axvline(report.offered_seconds, color="grey", linewidth=0.8, linestyle=":")
    top.set_ylabel("budget in use (% of capacity)")
    top.set_ylim(0, max(110.0, 100 * max((max(s) for s in sim.sample_use if s), default=1.0) + 10))
    top.set_title(
        f"{report.venue}: {report.requests} requests offered over {report.offered_seconds:g} s; "
        f"all started after {report.makespan:.1f} s"
    )
    top.legend(loc="lower right", fontsize=8)
    top.grid(alpha=0.3)
    # waits: one point per request (thinned to at most ~4000)
    n = len(sim.start)
    stride = max(1, n // 4000)
    names = [tt.name for tt in sim.workload.types]
    by_type: dict[int, tuple[list[float], list[float]]] = {}
    for i in range(0, n, stride):
        xs, ys = by_type.setdefault(sim.kind[i], ([], []))
        xs.append(sim.arrival[i])
        ys.append(sim.start[i] - sim.arrival[i])
    for k, (xs, ys) in sorted(by_type.items()):
        bottom.scatter(xs, ys, s=4, label=names[k])
    bottom.axvline(report.offered_seconds, color="grey", linewidth=0.8, linestyle=":")
    bottom.set_xlabel("seconds (dotted: end of the offered work)")
    bottom.set_ylabel("wait (s), by arrival")
    bottom.legend(loc="upper left", fontsize=7, markerscale=3)
    bottom.grid(alpha=0.3)
    fig.savefig(str(path), format="png")
