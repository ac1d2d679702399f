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

    python bench/bench_fair.py                      # this tree
    python bench/bench_fair.py --before fc4fe6f     # against a revision, in turns
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
    args = ap.parse_args(argv)
    sides = {"this tree": ROOT / "src"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.before:
            archive = subprocess.run(
                ["git", "archive", args.before, "src"], cwd=ROOT, check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            sides = {f"before ({args.before})": Path(tmp) / "src", **sides}
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
