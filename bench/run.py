"""Run ratekeeper's benchmarks side by side with its peers, in one run on one machine.

    python bench/run.py                       # full run (a few minutes)
    python bench/run.py --quick               # smaller counts (about a minute)
    python bench/run.py --only sync1,wake     # some benchmarks (see --list)
    python bench/run.py --json out.json       # also write the raw results
    python bench/run.py --docs                # also rewrite the results section of docs/benchmarks.md

Each (benchmark, implementation) case runs in a fresh interpreter, one after another, so no
library's background threads or heap are present while another is measured. A peer whose
installed API differs from what the case expects is skipped with the reason printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases_async  # noqa: E402,F401  (registers benchmarks)
import cases_sync  # noqa: E402,F401
from _harness import BENCHES, Sizes, Skip  # noqa: E402

RESULT_TAG = "@@bench-result@@ "


def run_case_here(key: str, quick: bool) -> None:
    """Child side: run one case and print its outcome as one tagged JSON line."""
    name, _, idx = key.partition(":")
    c = BENCHES[name].cases[int(idx)]
    try:
        out: dict[str, Any] = {"status": "ok", "result": c.fn(Sizes(quick))}
    except Skip as exc:
        out = {"status": "skipped", "reason": str(exc)}
    except Exception as exc:  # a broken case must not stop the suite
        out = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    sys.stdout.flush()
    print(RESULT_TAG + json.dumps(out), flush=True)


NOISY = 0.25
"""Other processes using more than this many CPUs during a measurement make it suspect."""


def busy_cpu_seconds() -> float | None:
    """CPU seconds spent busy by the whole machine so far (Linux ``/proc/stat``), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    jiffies = [int(x) for x in fields[:8]]
    idle = jiffies[3] + jiffies[4]  # idle + iowait
    return (sum(jiffies) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def other_load(sample: float = 0.5) -> float | None:
    """CPUs kept busy by other processes over the next ``sample`` seconds (we sit idle)."""
    b0 = busy_cpu_seconds()
    time.sleep(sample)
    b1 = busy_cpu_seconds()
    return None if b0 is None or b1 is None else (b1 - b0) / sample


class Quiet:
    """Before each case, wait (a bounded time) for other processes to go quiet."""

    def __init__(self, per_case: float, total: float) -> None:
        self.per_case, self.left = per_case, total

    def wait(self) -> None:
        deadline = time.monotonic() + min(self.per_case, self.left)
        t0 = time.monotonic()
        while True:
            load = other_load(0.3)
            if load is None or load < NOISY or time.monotonic() >= deadline:
                break
        self.left = max(0.0, self.left - (time.monotonic() - t0))


def run_case_child(name: str, idx: int, quick: bool, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_case", f"{name}:{idx}"]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, PYTHONHASHSEED="0")
    b0, c0 = busy_cpu_seconds(), children_cpu_seconds()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "error", "reason": f"timed out after {timeout:.0f} s", "seconds": timeout}
    seconds = time.perf_counter() - t0
    b1, c1 = busy_cpu_seconds(), children_cpu_seconds()
    # CPUs used by everything else on the machine while the case ran (its own use taken out)
    other = None if b0 is None or b1 is None else max(0.0, (b1 - b0) - (c1 - c0)) / seconds
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            out: dict[str, Any] = json.loads(line[len(RESULT_TAG) :])
            out["seconds"] = round(seconds, 2)
            out["other_load"] = None if other is None else round(other, 2)
            return out
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "error", "reason": f"exit {proc.returncode}: {tail}", "seconds": round(seconds, 2)}


def combine(runs: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """One row from several rounds: the round whose headline number is the median (so the
    other numbers of the row stay consistent with it), plus every round's headline."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return runs[-1]
    ok.sort(key=lambda r: r["result"][metric])
    mid = dict(ok[(len(ok) - 1) // 2])
    mid["result"] = dict(mid["result"], rounds=[r["result"][metric] for r in runs if r["status"] == "ok"])
    mid["seconds"] = round(sum(r.get("seconds", 0.0) for r in runs), 2)
    return mid


def metadata(quick: bool, argv: list[str]) -> dict[str, Any]:
    import platform
    from datetime import datetime, timezone
    from importlib import metadata as md

    versions: dict[str, str | None] = {}
    for dist in ("ratekeeper", "pyrate-limiter", "limits", "aiolimiter", "throttled-py"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if commit and git("status", "--porcelain", "--", "src"):
        commit += " + uncommitted changes in src/"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mode": "quick" if quick else "full",
        "command": "python bench/run.py" + "".join(f" {a}" for a in argv),
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller counts (about a minute in all)")
    ap.add_argument("--json", metavar="PATH", help="write the raw results here")
    ap.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these benchmarks (comma-separated or repeated)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        metavar="N",
        help="interleaved rounds per timing benchmark (default: 1 with --quick, else 3)",
    )
    ap.add_argument("--impl", metavar="TEXT", help="run only implementations whose name contains TEXT")
    ap.add_argument(
        "--docs",
        nargs="?",
        const=str(HERE.parent / "docs" / "benchmarks.md"),
        metavar="PATH",
        help="rewrite the results section of docs/benchmarks.md (or PATH)",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=None,
        metavar="S",
        help="before each case wait up to S seconds (6 S per run at most) for other processes to go quiet; 0 disables "
        "(default: 2 with --quick, else 10)",
    )
    ap.add_argument("--list", action="store_true", help="list benchmarks and implementations")
    ap.add_argument("--_case", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._case:
        run_case_here(args._case, args.quick)
        return 0

    if args.list:
        for b in BENCHES.values():
            print(f"{b.name:9} {b.title}")
            for c in b.cases:
                print(f"{'':9}   {c.impl}")
        return 0

    only = [n for chunk in args.only for n in chunk.split(",") if n]
    unknown = [n for n in only if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHES)}")
    timeout = 120.0 if args.quick else 300.0

    from report import ORDER, render_text, update_docs

    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    results: dict[str, Any] = {"meta": metadata(args.quick, argv), "benches": []}
    results["meta"]["rounds"] = rounds
    quiet_wait = args.quiet_wait if args.quiet_wait is not None else (2.0 if args.quick else 10.0)
    results["meta"]["quiet_wait"] = quiet_wait
    quiet = Quiet(quiet_wait, 6 * quiet_wait)
    t_start = time.perf_counter()
    for b in sorted(BENCHES.values(), key=lambda b: ORDER.index(b.name) if b.name in ORDER else len(ORDER)):
        if only and b.name not in only:
            continue
        entry: dict[str, Any] = {
            "name": b.name,
            "title": b.title,
            "metric": b.metric,
            "unit": b.unit,
            "better": b.better,
            "target": b.target,
            "extra": [list(e) for e in b.extra],
            "cases": [],
        }
        picked = [
            (i, c) for i, c in enumerate(b.cases) if not args.impl or args.impl.lower() in c.impl.lower() or c.ours
        ]
        n_rounds = rounds if b.repeat else 1
        print(
            f"[{b.name}] {b.title}" + (f" — {n_rounds} interleaved rounds" if n_rounds > 1 else ""),
            file=sys.stderr,
            flush=True,
        )
        runs: dict[int, list[dict[str, Any]]] = {i: [] for i, _ in picked}
        for r in range(n_rounds):
            for idx, c in picked:
                if runs[idx] and runs[idx][-1]["status"] != "ok":
                    continue  # skipped or broken once: no point asking again
                quiet.wait()
                out = run_case_child(b.name, idx, args.quick, timeout)
                runs[idx].append(out)
                tag = f"[{r + 1}/{n_rounds}] " if n_rounds > 1 else ""
                if out["status"] == "ok":
                    shown = out["result"].get(b.metric)
                    load = out.get("other_load")
                    busy = f", other processes: {load:.2f} CPUs" if load is not None and load >= NOISY else ""
                    print(
                        f"    {tag}{c.impl:60} {shown:>14,.2f} {b.unit}  ({out['seconds']} s{busy})",
                        file=sys.stderr,
                        flush=True,
                    )
                else:
                    print(f"    {tag}{c.impl:60} {out['status'].upper()}: {out['reason']}", file=sys.stderr, flush=True)
        for idx, c in picked:
            out = combine(runs[idx], b.metric)
            out.update(impl=c.impl, ours=c.ours, reference=c.reference, variant=c.variant)
            entry["cases"].append(out)
        results["benches"].append(entry)
    results["meta"]["seconds"] = round(time.perf_counter() - t_start, 1)

    print(render_text(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"raw results written to {args.json}", file=sys.stderr)
    if args.docs:
        update_docs(Path(args.docs), results)
        print(f"results section of {args.docs} rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
