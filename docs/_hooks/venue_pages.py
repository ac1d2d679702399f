"""mkdocs hook: one page per venue, generated from the venue data itself.

The numbers, weights and sources on these pages are read from ``ratekeeper.venues`` at build
time, so the documentation cannot drift from what the code charges.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

import ratekeeper as rk
from ratekeeper.venues import Venue, venue_names
from ratekeeper.venues._coverage import coverage_data
from ratekeeper.venues.documented import table


def _fmt(x: float) -> str:
    return f"{x:g}"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def venue_page(name: str) -> str:
    v = rk.venue(name)
    lines = [
        f"# {name}",
        "",
        "Generated from `ratekeeper.venues` when the documentation is built.",
        "",
        "## Limits",
        "",
        "| limit | capacity | period (s) | algorithm | scope | source |",
        "|---|---|---|---|---|---|",
    ]
    for lim in v.limits.values():
        lines.append(
            f"| `{lim.name}` | {_fmt(lim.capacity)} | {_fmt(lim.period)} | {lim.algorithm} | "
            f"{lim.scope or '—'} | {_cell(lim.source) or '—'} |"
        )
    urls = getattr(v, "urls", None)
    if urls:
        lines += ["", "## URLs", ""]
        for key, url in dict(urls).items():
            lines.append(f"- {key}: `{url}`")
    rules = list(getattr(v, "rules", []))
    if rules:
        lines += [
            "",
            "## Rules",
            "",
            "The first rule that matches a request prices it; a request no rule matches is charged the "
            "venue's default and logged once.",
            "",
            "| rule | kind | note | source |",
            "|---|---|---|---|",
        ]
        for rule in rules:
            note = getattr(rule, "note", "") or getattr(rule, "detail", "") or ""
            lines.append(
                f"| `{_cell(rule.name)}` | {getattr(rule, 'kind', '')} | {_cell(note)} | {_cell(getattr(rule, 'source', ''))} |"
            )
    lines += documented_section(v)
    lines.append("")
    return "\n".join(lines)


def documented_section(v: Venue) -> list[str]:
    """The venue's documented endpoints against its rules (what ``rules --coverage`` prints)."""
    data = coverage_data(v, table(v.name))
    if not data["documented"]:
        return []
    lines = [
        "",
        "## Documented endpoints",
        "",
        f"Each endpoint the venue documents, weighed with the rules above: {data['matching']} of "
        f"{data['documented']} ({data['share']:.0%}) match every pool the document names (capacity, "
        "period, scope and weight). `ratekeeper rules " + v.name + " --coverage` prints the same.",
        "",
        "| section | documented | encoded | matching |",
        "|---|---|---|---|",
    ]
    for s in data["sections"]:
        lines.append(f"| {s['name']} | {s['documented']} | {s['encoded']} | {s['matching']} |")
    lines += [
        "",
        "| section | endpoint | documented | charged | match | source |",
        "|---|---|---|---|---|---|",
    ]
    for s in data["sections"]:
        for e in s["endpoints"]:
            charged = ", ".join(f"{k} {_fmt(n)}" for k, n in e["charged"].items()) or "0"
            verdict = "yes" if e["ok"] else _cell("; ".join(e["problems"]) or "not encoded")
            lines.append(
                f"| {s['name']} | `{_cell(e['endpoint'])}` | {_cell('; '.join(e['documented']))} | {_cell(charged)} | "
                f"{verdict} | [doc]({e['source']} \"{_cell(e['quote']).replace(chr(34), chr(39))}\") |"
            )
    return lines


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    for name in venue_names():
        files.append(File.generated(config, f"venues/{name}.md", content=venue_page(name)))
    return files


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """List every venue's generated page under "Venues" in the navigation."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Venues" in entry:
            section = entry["Venues"]
            for name in venue_names():
                section.append({name: f"venues/{name}.md"})
    return config
