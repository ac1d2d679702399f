"""What fair shares cost Redis: server time per reservation script, busy budget or not.

A reservation that finds its budget at least half full counts its client's share (one small
hash per budget: read the level and the client's count, add the grant); one that finds it
emptier touches nothing more. This measures the server's time per ``EVALSHA`` (``INFO
commandstats``: the time Redis spent running the script, read before and after) for one
unit on a sliding limit of 100,000 per 10 s, pipelined from one connection so that the
client's speed does not matter:

* ``idle``: the budget nearly empty (nothing counted);
* ``busy``: the budget 60% full (every call counts its share; one client, so nobody is
  ever deferred).

With ``--before REV`` the package as it was at the git revision ``REV`` is measured too,
round after round in turns with this working tree, each in a fresh interpreter, so both see
the same moments of the machine. Other clients of the same Redis add to the server's
counters: run it on a quiet server.

``--mixes`` measures instead what fair shares do to a busy budget's use: processes with
mixed demands (one ``RedisStore`` and one ``Limiter`` each, a thread per loop acquiring one
unit after another, some pausing between acquires) share ``weight`` (100 per 1 s) and
``orders`` (10 per 1 s) for 10 s; seconds 3 to 9 are measured (store time). Each mix's use
of the weight budget, and each process's rate:

* ``heavy+3light``: one process as fast as admitted, three pausing 0.1 s (~10/s each);
* ``fast+slow``: one as fast as admitted, one pausing 25 ms (at most ~40/s);
* ``orders+weight``: one process whose every request also spends an order (bound by the
  orders budget, 10/s), beside one that wants all the weight;
* ``two loops``: one process with two loops (weight alone, and weight with an order, each
  pausing 66 ms), beside one that wants all the weight.

    python bench/bench_fair.py                      # this tree
    python bench/bench_fair.py --before fc4fe6f     # against a revision, in turns
    python bench/bench_fair.py --mixes [--before fc4fe6f]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPACITY = 100_000.0


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def measure(fill: float, calls: int) -> float:
    """Server µs per reservation script with the budget ``fill`` full (run in a child)."""
    import redis

    import ratekeeper as rk
    from ratekeeper.stores.redis import RedisStore

    server = redis.Redis.from_url(redis_url())
    store = RedisStore.from_url(redis_url(), prefix=f"rkbench-fair:{uuid.uuid4().hex[:10]}")
    limit = rk.Limit("w", CAPACITY, 10.0)
    try:
        if fill > 0:
            store.reserve(((limit, None, CAPACITY * fill),), 0, None)
        store.reserve(((limit, None, 1.0),), 0, None)  # the script loaded, the generation known
        args = store._reserve_cmd(((limit, None, 1.0),), 0, None).args()
        pipe = server.pipeline(transaction=False)
        for _ in range(calls):
            pipe.execute_command(*args)
        before = server.info("commandstats")["cmdstat_evalsha"]
        pipe.execute()
        after = server.info("commandstats")["cmdstat_evalsha"]
        return float(after["usec"] - before["usec"]) / float(after["calls"] - before["calls"])
    finally:
        store.clear()
        store.close()
        server.close()


LIMITS = {"weight": (100, 1.0), "orders": (10, 1.0)}
MIXES: dict[str, list[list[tuple[dict[str, int], float]]]] = {
    # per process, its loops: (cost, pause after each acquire)
    "heavy+3light": [[({"weight": 1}, 0.0)]] + [[({"weight": 1}, 0.1)]] * 3,
    "fast+slow": [[({"weight": 1}, 0.0)], [({"weight": 1}, 0.025)]],
    "orders+weight": [[({"weight": 1, "orders": 1}, 0.0)], [({"weight": 1}, 0.0)]],
    "two loops": [[({"weight": 1}, 0.066), ({"weight": 1, "orders": 1}, 0.066)], [({"weight": 1}, 0.0)]],
}
MIX_SECONDS, MEASURED = 10.0, (3.0, 9.0)


def mix_worker(prefix: str, loops: list[tuple[dict[str, int], float]], start: float) -> list[list[float]]:
    """One process of a mix (run in a child): every grant's store time, per loop."""
    import threading
    import time

    import ratekeeper as rk
    from ratekeeper.stores.redis import RedisStore

    store = RedisStore.from_url(redis_url(), prefix=prefix)
    limiter = rk.Limiter([rk.Limit(n, c, p) for n, (c, p) in LIMITS.items()], store=store)
    out: list[list[float]] = [[] for _ in loops]
    time.sleep(max(0.0, start - time.time()))

    def loop(i: int, cost: dict[str, int], pause: float) -> None:
        while time.time() < start + MIX_SECONDS:
            grant = limiter.acquire(cost, timeout=5.0)
            out[i].append(grant.at if grant.at is not None else time.time())
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=loop, args=(i, c, p)) for i, (c, p) in enumerate(loops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limiter.close()
    return out


def mix(src: Path, name: str) -> tuple[float, list[float]]:
    """The weight budget's use and each process's rate (per second) in one run of a mix."""
    import time

    prefix = f"rkbench-fair:{uuid.uuid4().hex[:10]}"
    start = time.time() + 2.0
    code = (
        "import json, sys; import bench_fair; "
        "print(json.dumps(bench_fair.mix_worker(sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]))))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(ROOT / "bench")]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, prefix, json.dumps(loops), repr(start)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for loops in MIXES[name]
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    import redis

    server = redis.Redis.from_url(redis_url())
    for key in server.scan_iter(match="{" + prefix + "}*"):
        server.delete(key)
    server.close()
    lo, hi = start + MEASURED[0], start + MEASURED[1]
    weight, rates = 0.0, []
    for loops, out in zip(MIXES[name], results, strict=True):
        n_proc = 0
        for (cost, _), times in zip(loops, out, strict=True):
            n = sum(1 for t in times if lo <= t < hi)
            weight += n * cost.get("weight", 0)
            n_proc += n
        rates.append(n_proc / (hi - lo))
    return weight / (hi - lo) / LIMITS["weight"][0], rates


def child(src: Path, fill: float, calls: int) -> float:
    code = (
        "import json, sys; import bench_fair; "
        "print(json.dumps(bench_fair.measure(float(sys.argv[1]), int(sys.argv[2]))))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(ROOT / "bench")]))
    done = subprocess.run(
        [sys.executable, "-c", code, str(fill), str(calls)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"the measurement failed with ratekeeper from {src}:\n{done.stderr}")
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", help="a git revision to measure in turns with this tree")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=3000, help="scripts per measurement")
    ap.add_argument("--mixes", action="store_true", help="the weight budget's use with mixed demands instead")
    args = ap.parse_args(argv)
    sides = {"this tree": ROOT / "src"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.before:
            archive = subprocess.run(
                ["git", "archive", args.before, "src"], cwd=ROOT, check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            sides = {f"before ({args.before})": Path(tmp) / "src", **sides}
        if args.mixes:
            print("Weight budget used (seconds 3 to 9), and each process's acquires per second")
            print("| mix | " + " | ".join(sides) + " |")
            print("|---|" + "---|" * len(sides))
            for name in MIXES:
                cells = []
                for src in sides.values():
                    used, rates = mix(src, name)
                    cells.append(f"{used:.0%} ({', '.join(f'{r:.1f}' for r in rates)})")
                print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
            return 0
        results: dict[tuple[str, str], list[float]] = {}
        for rnd in range(args.rounds):
            for case, fill in (("idle", 0.0), ("busy", 0.6)):
                for side, src in sides.items():
                    results.setdefault((side, case), []).append(child(src, fill, args.calls))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)
    print(f"Redis server time per reservation script, µs (median of {args.rounds} rounds of {args.calls} calls)")
    print("| | " + " | ".join(sides) + " |")
    print("|---|" + "---:|" * len(sides))
    for case in ("idle", "busy"):
        row = [f"{statistics.median(results[(side, case)]):.1f}" for side in sides]
        print(f"| {case} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
