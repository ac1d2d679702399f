"""Turn benchmark results into a text table (terminal) or Markdown (docs/benchmarks.md).

    python bench/report.py results.json [more.json …] [--docs docs/benchmarks.md]

With several files, a benchmark found in a later file replaces the same benchmark from an
earlier one (the machine/date lines then come from the last file). Without ``--docs`` the
Markdown is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ORDER = ["sync1", "sync3", "async", "wake", "idle_cpu", "fill"]  # as numbered in DESIGN.md's brief
START = "<!-- bench:core:start -->"
END = "<!-- bench:core:end -->"

# The words for "ratekeeper is Nx better / worse than this peer", per benchmark.
WORDS = {
    "sync1": ("faster", "slower"),
    "sync3": ("faster", "slower"),
    "async": ("faster", "slower"),
    "wake": ("lower", "higher"),
    "idle_cpu": ("less CPU", "more CPU"),
    "fill": ("flatter", "steeper"),
}
NOISY = 0.25  # other processes using more CPUs than this during a measurement make it suspect
# Below these values a ratio between two numbers is noise, so none is printed.
NOISE = {"idle_cpu": 0.005}


def fmt(key: str, v: Any) -> str:
    if v is None:
        return ""
    if key == "acq_per_s":
        return f"{v / 1e3:,.0f}k"
    if key.startswith("ns"):
        return f"{v:,.0f}"
    if key.endswith("_ms"):
        return f"{v:,.2f}"
    if key == "cpu_per_wall":
        return f"{v:.4f}"
    if key == "ratio":
        return f"{v:,.2f}x"
    if key.startswith("kib") or key == "bytes_per_entry":
        return f"{max(v, 0.0):,.0f}"  # tracemalloc noise can dip a few bytes below zero
    if isinstance(v, float):
        return f"{v:,.3g}"
    return str(v)


def ours(bench: dict[str, Any]) -> dict[str, Any] | None:
    for c in bench["cases"]:
        if c.get("ours") and c["status"] == "ok":
            result: dict[str, Any] = c["result"]
            return result
    return None


def versus(bench: dict[str, Any], case: dict[str, Any]) -> str:
    """How ratekeeper compares with this row, e.g. ``3.10x faster``."""
    mine = ours(bench)
    if mine is None or case.get("ours") or case.get("reference") or case.get("variant") or case["status"] != "ok":
        return ""
    key = bench["metric"]
    a, b = mine.get(key), case["result"].get(key)
    if a is None or b is None:
        return ""
    floor = NOISE.get(bench["name"], 0.0)
    if abs(a) <= floor and abs(b) <= floor:
        return "both ≈ 0"
    if a <= 0 or b <= 0:
        return ""
    x = b / a if bench["better"] == "lower" else a / b
    good, bad = WORDS.get(bench["name"], ("better", "worse"))
    return f"{x:.2f}x {good}" if x >= 1 else f"{1 / x:.2f}x {bad}"


def verdict(bench: dict[str, Any]) -> str:
    """Whether ratekeeper meets the DESIGN.md target in this run."""
    r = ours(bench)
    if r is None:
        return "not measured"
    name = bench["name"]
    if name == "sync1":
        ok = r["ns_per_op"] <= 1500
    elif name == "sync3":
        ok = r["ns_per_op"] <= 3000
    elif name == "async":
        peer = next(
            (c["result"] for c in bench["cases"] if c["status"] == "ok" and c["impl"].startswith("aiolimiter")), None
        )
        if peer is None:
            return "not measured (aiolimiter missing)"
        ratio = r["acq_per_s"] / peer["acq_per_s"]
        return ("met" if ratio >= 1.0 else "**missed**") + f" ({ratio:.2f}x aiolimiter)"
    elif name == "wake":
        ok = r["lag_p99_ms"] <= 2.0
    elif name == "idle_cpu":
        ok = r["cpu_per_wall"] <= 0.01  # "~0": at most 1 % of one core
    elif name == "fill":
        ok = r["ratio"] <= 2.0
        detail = f" (ratio {r['ratio']:.2f}x; memory {r['kib_100k']:,.0f} KiB at 100k entries)"
        return ("met" if ok else "**missed**") + detail
    else:
        return ""
    return "met" if ok else "**missed**"


def _rows(bench: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    extra = [tuple(e) for e in bench.get("extra", [])]
    head = ["implementation", bench["unit"], *[label for _, label in extra], "ratekeeper vs this", "notes"]
    rows = []
    for c in bench["cases"]:
        name = c["impl"]
        if c["status"] != "ok":
            why = c.get("reason", "")
            rows.append([name, c["status"], *["" for _ in extra], "", why])
            continue
        r = c["result"]
        note = r.get("note", "")
        load = c.get("other_load")
        if load is not None and load >= NOISY:
            name += " †"
            busy = f"† other processes kept {load:.2f} CPUs busy during this measurement"
            note = f"{note}; {busy}" if note else busy
        rounds = r.get("rounds") or []
        if len(rounds) > 1:
            spread = "rounds: " + ", ".join(fmt(bench["metric"], x) for x in rounds)
            note = f"{note}; {spread}" if note else spread
        rows.append(
            [
                name,
                fmt(bench["metric"], r.get(bench["metric"])),
                *[fmt(k, r.get(k)) for k, _ in extra],
                versus(bench, c),
                note,
            ]
        )
    return head, rows


def render_text(results: dict[str, Any]) -> str:
    out = []
    m = results["meta"]
    out.append(
        f"ratekeeper benchmarks — {m['date']} — {m['python']} — {m['platform']} ({m['cpus']} CPUs) — {m['mode']} run"
    )
    for b in results["benches"]:
        head, rows = _rows(b)
        head, rows = head[:-1], [r[:-1] for r in rows]  # notes are long; see the JSON / docs
        widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
        out.append("")
        out.append(f"== {b['name']}: {b['title']}")
        out.append(f"   target {b['target']}: {verdict(b)}".replace("**", ""))
        for r in [head, *rows]:
            cells = [r[0].ljust(widths[0]), *(x.rjust(w) for x, w in zip(r[1:], widths[1:], strict=True))]
            out.append("   " + "  ".join(cells))
        for c in b["cases"]:
            if c["status"] != "ok":
                out.append(f"   ({c['impl']}: {c['status']} — {c.get('reason', '')})")
    return "\n".join(out)


def render_markdown(results: dict[str, Any]) -> str:
    m = results["meta"]
    v = m.get("versions", {})
    runs = {(b["run"]["date"], b["run"]["command"]) for b in results["benches"] if b.get("run")}
    if len(runs) > 1:
        intro = (
            "Measured in several invocations (each benchmark, with all of its peers, comes from one "
            "invocation; see the line under each heading)."
        )
    else:
        intro = f"Measured {m['date']} with `{m['command']}` ({m['mode']} run, {m.get('seconds', '?')} s)."
    lines = [
        intro,
        "",
        f"- ratekeeper commit: {m.get('commit', 'unknown')}",
        f"- Python: {m['python']}",
        f"- Machine: `{m['platform']}`, {m['machine']}, {m['cpus']} CPUs ({m['cpu'] or 'unknown CPU'})",
        "- Versions: " + ", ".join(f"{k} {v[k] or 'not installed'}" for k in v),
        "",
        "Ratios read “ratekeeper is Nx better/worse than this peer” on the headline number, "
        "from the same run. Rows in parentheses are floors/ceilings without any limiter, for scale. "
        f"† marks a measurement during which other processes kept more than {NOISY} CPUs busy "
        f"(the run waited up to {m.get('quiet_wait', '?')} s per case for the machine to go quiet first).",
        "",
        "| benchmark | target | ratekeeper | verdict |",
        "|---|---|---:|---|",
    ]
    for b in results["benches"]:
        r = ours(b)
        shown = f"{fmt(b['metric'], r[b['metric']])} {b['unit']}" if r else "not measured"
        lines.append(f"| [{b['name']}](#{b['name']}) | {b['target']} | {shown} | {verdict(b)} |")
    for b in results["benches"]:
        head, rows = _rows(b)
        run = f" Measured {b['run']['date']} with `{b['run']['command']}`." if len(runs) > 1 else ""
        lines += [
            "",
            f"### {b['name']}",
            "",
            b["title"] + "." + run,
            "",
            "| " + " | ".join(head) + " |",
            "|" + "|".join(["---", *["---:"] * (len(head) - 3), "---", "---"]) + "|",
        ]
        for c, row in zip(b["cases"], rows, strict=True):
            if c.get("ours"):
                row = [f"**{row[0]}**", *(f"**{x}**" if x and i < len(row) - 3 else x for i, x in enumerate(row[1:]))]
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in row) + " |")
    return "\n".join(lines)


def update_docs(path: Path, results: dict[str, Any]) -> None:
    text = path.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{path}: markers {START} … {END} not found")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    path.write_text(f"{before}{START}\n{render_markdown(results)}\n{END}{after}")


def merge(files: list[Path]) -> dict[str, Any]:
    merged: dict[str, Any] = {"meta": {}, "benches": []}
    for f in files:
        data = json.loads(f.read_text())
        merged["meta"] = data["meta"]
        names = {b["name"] for b in data["benches"]}
        for b in data["benches"]:
            b["run"] = {k: data["meta"].get(k) for k in ("date", "command", "mode")}
        merged["benches"] = [b for b in merged["benches"] if b["name"] not in names] + data["benches"]
    merged["benches"].sort(key=lambda b: ORDER.index(b["name"]) if b["name"] in ORDER else len(ORDER))
    return merged


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+", type=Path)
    ap.add_argument("--docs", type=Path, help="rewrite the results section of this Markdown file")
    args = ap.parse_args(argv)
    results = merge(args.json)
    if args.docs:
        update_docs(args.docs, results)
    else:
        print(render_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
