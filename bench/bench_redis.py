"""The shared stores, measured in one run on one machine.

* Redis: acquires per second from 1 and 4 processes, each as a ratio to a bare redis-py
  ``INCR`` round trip measured in the same round with the same number of processes, beside
  the peers' Redis limiters (pyrate-limiter, limits, throttled-py).
* SQLite: acquire latency, uncontended and with 4 processes acquiring at once.

    python bench/bench_redis.py                 # full run (a few minutes)
    python bench/bench_redis.py --quick         # one short round (under a minute)
    python bench/bench_redis.py --docs          # also rewrite the stores section of docs/benchmarks.md
    python bench/bench_redis.py --json out.json

``REDIS_URL`` picks the server (default redis://127.0.0.1:6379/0). Every case runs in fresh
interpreters (spawned), warms up, then all its processes start together; keys live under a
unique prefix and are deleted afterwards. Rounds interleave the cases, and each figure is
the median over rounds, so a noisy moment hits every case alike.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "benchmarks.md"
START = "<!-- bench:stores:start -->"
END = "<!-- bench:stores:end -->"
BIG = 10**9  # "never waits" capacity, per 1 s, as in the in-memory benchmarks
CTX = multiprocessing.get_context("spawn")

Op = Callable[[], object]
Setup = Callable[[str, str], tuple[Op, Callable[[], None]]]


class Skip(Exception):
    """A case that cannot run here (a peer missing or its API different); says why."""


@dataclass(frozen=True)
class Case:
    key: str
    impl: str
    setup: Setup
    kind: str  # "redis" or "sqlite"
    role: str = "peer"  # "ours", "reference", "variant" or "peer"
    note: str = ""


CASES: dict[str, Case] = {}


def case(key: str, impl: str, kind: str, role: str = "peer", note: str = "") -> Callable[[Setup], Setup]:
    def register(fn: Setup) -> Setup:
        CASES[key] = Case(key, impl, fn, kind, role, note)
        return fn

    return register


def need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Skip(f"{module} not importable: {exc}") from None


def admitted(ok: bool, what: str) -> None:
    if not ok:
        raise Skip(f"{what}: a call that should be admitted was refused (API mismatch?)")


# --------------------------------------------------------------------------------------------
# Redis cases: each builds its operation in the worker process, against the shared key(s)


@case("incr", "redis-py `INCR` (bare round trip)", "redis", role="reference")
def _incr(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    import redis

    r = redis.Redis.from_url(url)
    key = f"{prefix}:incr"
    return (lambda: r.incr(key)), r.close


def _rk_limiter(url: str, prefix: str, limits: list[Any]) -> tuple[Op, Callable[[], None]]:
    import ratekeeper as rk
    from ratekeeper.stores.redis import RedisStore

    store = RedisStore.from_url(url, prefix=prefix)
    limiter = rk.Limiter(limits, store=store)
    cost = {limit.name: 1 for limit in limits}
    admitted(limiter.try_acquire(cost) is not None, "ratekeeper")
    return (lambda: limiter.acquire(cost)), limiter.close


@case("rk", "ratekeeper `Limiter.acquire`, RedisStore, sliding", "redis", role="ours")
def _rk(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    import ratekeeper as rk

    return _rk_limiter(url, prefix, [rk.Limit("a", BIG, 1.0)])


@case("rk_reserve", "ratekeeper `RedisStore.reserve` (the store's round trip)", "redis", role="variant")
def _rk_reserve(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    import ratekeeper as rk
    from ratekeeper.stores.redis import RedisStore

    store = RedisStore.from_url(url, prefix=prefix)
    items = ((rk.Limit("a", BIG, 1.0), None, 1.0),)
    return (lambda: store.reserve(items, 0, None)), store.close


@case("rk3", "ratekeeper `Limiter.acquire`, 3 limits at once (sliding, fixed, token)", "redis", role="variant")
def _rk3(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    import ratekeeper as rk

    return _rk_limiter(
        url,
        prefix,
        [
            rk.Limit("a", BIG, 1.0),
            rk.Limit("b", BIG, 60.0, algorithm="fixed"),
            rk.Limit("c", BIG, 1.0, algorithm="token"),
        ],
    )


@case("pyrate", "pyrate-limiter `RedisBucket` `Limiter.try_acquire`", "redis")
def _pyrate(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    p = need("pyrate_limiter")
    import redis

    r = redis.Redis.from_url(url)
    limiter = p.Limiter(p.RedisBucket.init([p.Rate(BIG, p.Duration.SECOND)], r, f"{prefix}:pyrate"))
    admitted(limiter.try_acquire("a") is True, "pyrate")

    def close() -> None:
        limiter.close()
        r.close()

    return (lambda: limiter.try_acquire("a")), close


def _limits(url: str, prefix: str, strategy: str) -> tuple[Op, Callable[[], None]]:
    limits = need("limits")
    from limits.storage import RedisStorage

    cls = getattr(limits.strategies, strategy, None)
    if cls is None:
        raise Skip(f"limits.strategies.{strategy} does not exist in this version")
    lim = cls(RedisStorage(url, key_prefix=f"{prefix}:limits"))
    item = limits.RateLimitItemPerSecond(BIG)
    admitted(lim.hit(item, "k") is True, f"limits {strategy}")
    return (lambda: lim.hit(item, "k")), (lambda: None)


@case("limits_moving", "limits `RedisStorage` `MovingWindowRateLimiter.hit`", "redis")
def _limits_moving(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    return _limits(url, prefix, "MovingWindowRateLimiter")


@case("limits_fixed", "limits `RedisStorage` `FixedWindowRateLimiter.hit`", "redis")
def _limits_fixed(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    return _limits(url, prefix, "FixedWindowRateLimiter")


def _throttled(url: str, prefix: str, using: str) -> tuple[Op, Callable[[], None]]:
    throttled = need("throttled")
    t = throttled.Throttled(
        key=f"{prefix}:throttled", using=using, quota=throttled.per_sec(BIG), store=throttled.RedisStore(server=url)
    )
    admitted(not t.limit().limited, f"throttled {using}")
    return t.limit, (lambda: None)


@case("throttled_sliding", "throttled-py `RedisStore` sliding_window `.limit`", "redis")
def _throttled_sliding(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    return _throttled(url, prefix, "sliding_window")


@case("throttled_gcra", "throttled-py `RedisStore` gcra `.limit`", "redis")
def _throttled_gcra(url: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    return _throttled(url, prefix, "gcra")


# --------------------------------------------------------------------------------------------
# SQLite cases: the target is a database file shared by the case's processes


@case("rk_sqlite", "ratekeeper `Limiter.acquire`, SQLiteStore, sliding", "sqlite", role="ours")
def _rk_sqlite(path: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    import ratekeeper as rk

    limiter = rk.Limiter([rk.Limit("a", BIG, 1.0)], store=f"sqlite://{path}")
    return (lambda: limiter.acquire({"a": 1})), limiter.close


@case("pyrate_sqlite", "pyrate-limiter `SQLiteBucket` (file lock) `Limiter.try_acquire`", "sqlite")
def _pyrate_sqlite(path: str, prefix: str) -> tuple[Op, Callable[[], None]]:
    p = need("pyrate_limiter")
    factory = getattr(getattr(p, "limiter_factory", None), "create_sqlite_limiter", None)
    if factory is None:
        raise Skip("pyrate_limiter.limiter_factory.create_sqlite_limiter does not exist in this version")
    limiter = factory(rate_per_duration=BIG, duration=p.Duration.SECOND, db_path=path + ".pyrate", use_file_lock=True)
    admitted(limiter.try_acquire("a") is True, "pyrate sqlite")
    return (lambda: limiter.try_acquire("a")), limiter.close


# --------------------------------------------------------------------------------------------
# the runner


SLICE = 0.25
"""Seconds a worker spends on the case, then on the reference INCR, then on the case again…
Both see the same moments of a busy machine, so their ratio is fair even when the absolute
numbers move."""


def worker(
    key: str, target: str, prefix: str, warmup: float, seconds: float, ready: Any, go: Any, go_at: Any, out: Any
) -> None:
    """One process of one case: set up, warm up, then run from the common start. Redis
    cases alternate slices of the case and of a bare INCR; SQLite cases time every call."""
    try:
        op, close = CASES[key].setup(target, prefix)
        ref, ref_close = _incr(redis_url(), prefix) if CASES[key].kind == "redis" else (None, None)
    except Skip as exc:
        ready.put(("skip", str(exc)))
        return
    except Exception as exc:  # a broken peer must not stop the run
        ready.put(("skip", f"{type(exc).__name__}: {exc}"))
        return
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        op()
        if ref is not None:
            ref()
    ready.put(("ready", ""))
    go.wait(120)
    time.sleep(max(0.0, go_at.value - time.time()))
    counts = {"case": 0, "ref": 0}
    spent = {"case": 0.0, "ref": 0.0}
    samples: list[int] = []
    clock = time.perf_counter_ns
    t0 = time.perf_counter()
    stop = t0 + seconds * (2 if ref is not None else 1)
    while True:
        now = time.perf_counter()
        if now >= stop:
            break
        which = "ref" if ref is not None and int((now - t0) / SLICE) % 2 else "case"
        call = ref if which == "ref" else op
        assert call is not None
        slice_end = min(stop, t0 + (int((now - t0) / SLICE) + 1) * SLICE)
        n = 0
        if ref is None:
            while time.perf_counter() < slice_end:
                a = clock()
                call()
                samples.append(clock() - a)
                n += 1
        else:
            while time.perf_counter() < slice_end:
                for _ in range(16):
                    call()
                n += 16
        counts[which] += n
        spent[which] += time.perf_counter() - now
    close()
    if ref_close is not None:
        ref_close()
    out.put((counts, spent, samples[:: max(1, len(samples) // 20000)]))


def run_case(key: str, target: str, procs: int, warmup: float, seconds: float) -> dict[str, Any]:
    prefix = f"rkbench:{uuid.uuid4().hex[:10]}"
    ready, out = CTX.Queue(), CTX.Queue()
    go, go_at = CTX.Event(), CTX.Value("d", 0.0)
    ps = [
        CTX.Process(target=worker, args=(key, target, prefix, warmup, seconds, ready, go, go_at, out))
        for _ in range(procs)
    ]
    for p in ps:
        p.start()
    states = [ready.get(timeout=120) for _ in ps]
    skipped = [why for state, why in states if state == "skip"]
    go_at.value = time.time() + 0.1  # every process starts its slices at the same moment
    go.set()
    if skipped:
        for p in ps:
            p.join(30)
            if p.is_alive():
                p.kill()
        cleanup(target, prefix)
        return {"status": "skipped", "reason": skipped[0]}
    results = [out.get(timeout=2 * seconds + 120) for _ in ps]
    for p in ps:
        p.join(30)
    cleanup(target, prefix)
    rate = sum(c["case"] / s["case"] for c, s, _ in results)
    res: dict[str, Any] = {
        "status": "ok",
        "ops_per_s": rate,
        "per_process": [round(c["case"] / s["case"]) for c, s, _ in results],
    }
    if CASES[key].kind == "redis":
        res["ref_ops_per_s"] = sum(c["ref"] / s["ref"] for c, s, _ in results)
        res["ratio"] = rate / res["ref_ops_per_s"]
    else:
        lat = sorted(x for _, _, smp in results for x in smp)
        res["p50_us"] = lat[len(lat) // 2] / 1e3
        res["p99_us"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e3
    return res


def cleanup(target: str, prefix: str) -> None:
    if target.startswith(("redis://", "rediss://")):
        import redis

        r = redis.Redis.from_url(target)
        for pattern in (f"{prefix}*", f"*{prefix}*", f"{{{prefix}}}*"):
            for k in r.scan_iter(match=pattern, count=1000):
                r.delete(k)
        r.close()
    else:
        for p in Path(target).parent.glob(Path(target).name + "*"):
            p.unlink(missing_ok=True)


def metadata() -> dict[str, Any]:
    from importlib import metadata as md

    versions = {}
    for dist in ("ratekeeper", "redis", "pyrate-limiter", "limits", "throttled-py"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    server = "?"
    try:
        import redis

        info = redis.Redis.from_url(redis_url()).info("server")
        server = (
            f"{'valkey' if 'valkey_version' in info else 'redis'} {info.get('valkey_version') or info['redis_version']}"
        )
    except Exception:
        pass
    return {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "server": server,
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one short round")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None, help="measured seconds per case and round")
    ap.add_argument("--only", default="", help="comma-separated case keys")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--docs", action="store_true", help=f"rewrite the stores section of {DOCS}")
    args = ap.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (1.0 if args.quick else 2.0)
    warmup = 0.3 if args.quick else 0.6
    keys = [k for k in CASES if not args.only or k in args.only.split(",")]
    url = redis_url()
    tmp = Path(tempfile.mkdtemp(prefix="rkbench-"))

    plan = [(k, procs) for k in keys if k != "incr" for procs in (1, 4)]
    raw: dict[str, list[dict[str, Any]]] = {}
    for rnd in range(rounds):
        for k, procs in plan:
            target = url if CASES[k].kind == "redis" else str(tmp / f"{k}-{rnd}-{procs}.db")
            res = run_case(k, target, procs, warmup, seconds)
            raw.setdefault(f"{k}/{procs}", []).append(res)
            if res["status"] != "ok":
                shown = res["status"] + ": " + res["reason"]
            elif "ratio" in res:
                shown = f"{res['ops_per_s']:,.0f}/s  (INCR {res['ref_ops_per_s']:,.0f}/s: {res['ratio']:.0%})"
            else:
                shown = f"{res['ops_per_s']:,.0f}/s  p50 {res['p50_us']:,.0f} µs"
            print(f"round {rnd + 1}/{rounds}  {procs}p  {CASES[k].impl:72s} {shown}", file=sys.stderr, flush=True)

    summary = summarize(raw, keys)
    report = {"meta": metadata(), "rounds": rounds, "seconds": seconds, "summary": summary, "raw": raw}
    text = markdown(report)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if args.docs:
        write_docs(text)
    return 0


def summarize(raw: dict[str, list[dict[str, Any]]], keys: list[str]) -> dict[str, Any]:
    """Median figures per case and process count; Redis ratios to INCR taken per round."""
    out: dict[str, Any] = {}
    for k in keys:
        for procs in (1, 4):
            if k == "incr":
                refs = [r["ref_ops_per_s"] for c in keys for r in raw.get(f"{c}/{procs}", []) if "ref_ops_per_s" in r]
                if refs:
                    out[f"incr/{procs}"] = {"status": "ok", "ops_per_s": statistics.median(refs)}
                continue
            runs = raw.get(f"{k}/{procs}", [])
            ok = [r for r in runs if r["status"] == "ok"]
            if not ok:
                out[f"{k}/{procs}"] = {"status": "skipped", "reason": runs[0].get("reason", "") if runs else ""}
                continue
            entry: dict[str, Any] = {"status": "ok", "ops_per_s": statistics.median(r["ops_per_s"] for r in ok)}
            if CASES[k].kind == "redis":
                entry["ratio"] = statistics.median(r["ratio"] for r in ok)
                entry["ref_ops_per_s"] = statistics.median(r["ref_ops_per_s"] for r in ok)
            if "p50_us" in ok[0]:
                entry["p50_us"] = statistics.median(r["p50_us"] for r in ok)
                entry["p99_us"] = statistics.median(r["p99_us"] for r in ok)
            entry["per_process"] = ok[len(ok) // 2]["per_process"]
            out[f"{k}/{procs}"] = entry
    return out


def markdown(report: dict[str, Any]) -> str:
    meta, summary = report["meta"], report["summary"]
    v = meta["versions"]
    lines = [
        "## Shared stores: Redis and SQLite",
        "",
        f"Measured {meta['date']} on {meta['machine']} (load average {meta['load']:.1f} at the end), "
        f"Python {meta['python']}, {meta['server']} on loopback, redis-py {v['redis']}; peers: "
        f"pyrate-limiter {v['pyrate-limiter']}, limits {v['limits']}, throttled-py {v['throttled-py']}. "
        f"{report['rounds']} round(s) of {report['seconds']:g} s per case, cases interleaved, medians shown. "
        "Reproduce: `python bench/bench_redis.py --docs`.",
        "",
        "### Redis: acquires per second, as a share of a bare `INCR` round trip",
        "",
        "Every limiter checks a limit of 10⁹ per second (it never waits), all processes on one key. "
        "The share is this case's throughput over redis-py `INCR`'s with the same number of processes, "
        "in the same round. Target: ≥ 90 %.",
        "",
        "| implementation | 1 process | vs INCR | 4 processes | vs INCR |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, c in CASES.items():
        if c.kind != "redis":
            continue
        cells = []
        for procs in (1, 4):
            e = summary.get(f"{key}/{procs}")
            if e is None:
                cells += ["", ""]
            elif e["status"] != "ok":
                cells += ["skipped", ""]
            else:
                ratio = e.get("ratio")
                cells += [f"{e['ops_per_s']:,.0f}/s", "" if c.role == "reference" else f"{ratio:.0%}" if ratio else ""]
        name = f"**{c.impl}**" if c.role == "ours" else c.impl
        if summary.get(f"{key}/1", {}).get("status") == "skipped" and summary[f"{key}/1"].get("reason"):
            name += f" (skipped: {summary[f'{key}/1']['reason']})"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### SQLite: acquire latency",
        "",
        "A limit of 10⁹ per second in one database file; every acquire is one `BEGIN IMMEDIATE` "
        "transaction. With 4 processes, all acquire as fast as they can on the same file; the last "
        "column is the share of all acquires the least and the most served process got (25 % / 25 % "
        "is perfectly even).",
        "",
        "| implementation | 1 process: p50 / p99 | acquires/s | 4 processes: p50 / p99 | acquires/s (total) "
        "| fewest / most of the 4 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, c in CASES.items():
        if c.kind != "sqlite":
            continue
        cells = []
        for procs in (1, 4):
            e = summary.get(f"{key}/{procs}")
            if e is None or e["status"] != "ok":
                cells += ["skipped" if e else "", ""]
            else:
                cells += [f"{e['p50_us']:,.0f} µs / {e['p99_us']:,.0f} µs", f"{e['ops_per_s']:,.0f}"]
        four = summary.get(f"{key}/4", {})
        shares = sorted(four.get("per_process", []))
        cells.append(
            f"{shares[0] / sum(shares):.0%} / {shares[-1] / sum(shares):.0%}" if shares and sum(shares) else ""
        )
        name = f"**{c.impl}**" if c.role == "ours" else c.impl
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    block = f"{START}\n{text}{END}"
    if DOCS.exists():
        doc = DOCS.read_text(encoding="utf-8")
        if START in doc and END in doc:
            head, _, rest = doc.partition(START)
            _, _, tail = rest.partition(END)
            doc = head + block + tail
        else:
            doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    else:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        doc = "# Benchmarks\n\n" + block + "\n"
    DOCS.write_text(doc, encoding="utf-8")
    print(f"wrote the stores section of {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
