"""ratekeeper before and after a change, in one run: the same benchmarks, taking turns.

A change that should not change speed (a restructuring) is checked here: the package as it
was at ``--before`` (a git revision, checked out into a temporary folder) and as it is in
this working tree are measured by the same harness (``bench/run.py``), one after the other,
round after round, so both meet the same moments of a busy machine. Each case runs in a
fresh interpreter whose ``PYTHONPATH`` points at one side's ``src``. Only ratekeeper's own
rows are compared; the report gives each side's median over the rounds and the ratio.

    python bench/compare.py --before 3e89e45                       # sync1, sync3, async
    python bench/compare.py --before main~5 --only sync3 --rounds 7
    python bench/compare.py --before 3e89e45 --markdown            # a table for docs/benchmarks.md

Lower is better for ``ns/acquire``, higher for ``acquires/s``; "after/before" is the ratio
of the headline numbers, and "change" says which way is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def _checkout(rev: str, into: Path) -> Path:
    """The package sources of ``rev`` (``src/`` only) under ``into``."""
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def _measure(src: Path, only: str, out: Path, quick: bool) -> dict[str, tuple[float, str, str]]:
    """One pass of ``bench/run.py`` over ``only`` with ratekeeper from ``src``:
    ``{(bench, impl): (value, unit, better)}`` for ratekeeper's rows."""
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, str(RUN), "--only", only, "--impl", "ratekeeper", "--quiet-wait", "0", "--json", str(out)]
    if quick:
        cmd.append("--quick")
    done = subprocess.run(cmd, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"bench/run.py failed with ratekeeper from {src}:\n{done.stdout}{done.stderr}")
    data = json.loads(out.read_text(encoding="utf-8"))
    found: dict[str, tuple[float, str, str]] = {}
    for bench in data["benches"]:
        metric = bench["metric"]
        for case in bench["cases"]:
            if case.get("status") == "ok" and str(case["impl"]).startswith("ratekeeper"):
                value = float(case["result"][metric])
                found[f"{bench['name']}: {case['impl']}"] = (value, bench["unit"], bench["better"])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git revision to compare against (e.g. main~3, a hash)")
    parser.add_argument("--only", default="sync1,sync3,async", help="benchmarks of bench/run.py (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="turns per side (default: %(default)s)")
    parser.add_argument("--full", action="store_true", help="bench/run.py's full counts instead of --quick")
    parser.add_argument("--markdown", action="store_true", help="print the result as a markdown table")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.before], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"before": _checkout(args.before, Path(tmp)), "after": ROOT / "src"}
        values: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
        units: dict[str, tuple[str, str]] = {}
        for n in range(args.rounds):
            order = ("before", "after") if n % 2 == 0 else ("after", "before")
            for side in order:
                got = _measure(sides[side], args.only, Path(tmp) / f"{side}.json", not args.full)
                for key, (value, unit, better) in got.items():
                    values[side].setdefault(key, []).append(value)
                    units[key] = (unit, better)
            print(f"round {n + 1} of {args.rounds} done", file=sys.stderr)
    rows = []
    for key in sorted(units):
        before, after = values["before"].get(key), values["after"].get(key)
        if not before or not after:
            continue
        unit, better = units[key]
        b, a = statistics.median(before), statistics.median(after)
        faster = a < b if better == "lower" else a > b
        speed = (b / a) if better == "lower" else (a / b)
        word = "faster" if faster else "as fast" if speed == 1 else "slower"
        rows.append((key, unit, b, a, a / b, f"{speed:.2f}x {word}"))
    title = f"ratekeeper at {rev} (before) and in this tree (after), {args.rounds} turns each, medians"
    if args.markdown:
        print(f"{title}.\n")
        print("| case | unit | before | after | after/before | change |")
        print("|---|---|---:|---:|---:|---|")
        for key, unit, b, a, ratio, change in rows:
            print(f"| {key} | {unit} | {b:,.0f} | {a:,.0f} | {ratio:.2f} | {change} |")
    else:
        print(title)
        for key, unit, b, a, _ratio, change in rows:
            print(f"  {key:<60} {b:>12,.0f} -> {a:>12,.0f} {unit:<12} {change}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
