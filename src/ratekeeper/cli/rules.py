"""``ratekeeper rules VENUE``: a venue's limits and the weight of each request, with sources;
``--coverage`` compares the rules with the venue's documented endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from ._common import CONTEXT, load_venue
from ._output import Output, cost_text, num

if TYPE_CHECKING:
    from ..venues import Venue

__all__ = ["rule_cost", "rules", "rules_data"]


def _sample_body(where: Mapping[str, object]) -> dict[str, Any]:
    """A request body that carries a rule's ``where`` fields (dotted names nest)."""
    body: dict[str, Any] = {}
    for name, value in where.items():
        parts = name.split(".")
        node = body
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return body


def _sample_path(path: str) -> str:
    parts = []
    for segment in path.split("/"):
        if segment == "*" or (segment.startswith("{") and segment.endswith("}")):
            parts.append("x")
        else:
            parts.append(segment)
    return "/".join(parts)


def rule_cost(venue: Venue, rule: Any) -> dict[str, float] | None:
    """What a request matching ``rule`` (and carrying only its conditions) is charged, or
    ``None`` when that cannot be shown without a real request."""
    from ..venues import Request

    method = "POST" if rule.method == "*" else rule.method
    path = _sample_path(rule.path)
    where = dict(rule.where)
    body: dict[str, Any] | None = _sample_body(where) if method not in ("GET", "DELETE", "HEAD") else None
    params = None if body is not None else {k: v for k, v in where.items()}
    try:
        found = venue.rules.find(Request.build(method, path, body, params))
        if found is None or found[0] is not rule:
            return None if callable(rule.cost) else {k: float(v) for k, v in rule.cost.items()}
        return dict(venue.weigh(method, path, body, params, now=0.0).cost)
    except Exception:  # a cost function that needs more than the conditions
        return None if callable(rule.cost) else {k: float(v) for k, v in rule.cost.items()}


def _condition_text(where: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items())


def rules_data(venue: Venue) -> dict[str, Any]:
    """The venue's limits and rules as plain data (what ``rules --json`` prints)."""
    limits = [
        {
            "name": lim.name,
            "capacity": lim.capacity,
            "period": lim.period,
            "algorithm": lim.algorithm,
            "scope": lim.scope,
            "reserve": lim.reserve,
            "source": lim.source,
        }
        for lim in venue.limits.values()
    ]
    rules = []
    defaults = [venue.default] + ([venue.private_default] if venue.private_default is not None else [])
    for rule in [*venue.rules, *defaults]:
        rules.append(
            {
                "name": rule.name,
                "method": rule.method,
                "path": rule.path,
                "condition": {k: v for k, v in rule.where.items()},
                "cost": rule_cost(venue, rule),
                "note": rule.note,
                "kind": rule.kind,
                "idempotent": rule.is_idempotent,
                "default": any(rule is d for d in defaults),
                "source": rule.source,
            }
        )
    return {
        "venue": venue.name,
        "source": venue.source,
        "every_request": dict(venue.every_request),
        "groups": {k: list(v) for k, v in venue.groups.items()},
        "limits": limits,
        "rules": rules,
    }


@click.command(context_settings=CONTEXT)
@click.argument("venue_name", metavar="VENUE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--coverage",
    "show_coverage",
    is_flag=True,
    help="Compare the rules with the venue's documented endpoints, section by section.",
)
def rules(venue_name: str, as_json: bool, show_coverage: bool) -> None:
    """Show a venue's limits and the weight of each request, with sources.

    VENUE is a venue name such as hyperliquid or binance; an unknown name prints the list.
    With --coverage, every endpoint the venue documents is weighed with the rules and compared
    with the document's pools (capacity, period, scope, weight); the differences are listed.
    """
    venue = load_venue(venue_name)
    if show_coverage:
        _print_coverage(venue, as_json)
        return
    data = rules_data(venue)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    out = Output()
    sources: dict[str, int] = {}

    def ref(source: str) -> str:
        if not source:
            return ""
        if source not in sources:
            sources[source] = len(sources) + 1
        return f"[{sources[source]}]"

    out.table(
        f"{venue.name}: limits",
        [
            ("limit", "left"),
            ("capacity", "right"),
            ("period", "right"),
            ("algorithm", "left"),
            ("scope", "left"),
            ("source", "left"),
        ],
        [
            [
                lim["name"],
                num(lim["capacity"]),
                f"{num(lim['period'])} s",
                lim["algorithm"] + (f" (reserve {lim['reserve']:.0%})" if lim["reserve"] else ""),
                lim["scope"] or "-",
                ref(lim["source"]),
            ]
            for lim in data["limits"]
        ],
    )
    extra = []
    if data["every_request"]:
        extra.append("every request also costs " + cost_text(data["every_request"]))
    for group, members in data["groups"].items():
        extra.append(f"a cost on {group!r} is charged to {', '.join(members)}")
    rows = []
    for r in data["rules"]:
        cost = cost_text(r["cost"])
        if r["note"]:
            cost += f" ({r['note']})"
        rows.append(
            [
                r["method"],
                r["path"] + (" (no rule matches)" if r["default"] else ""),
                _condition_text(r["condition"]),
                cost,
                r["kind"]
                + (
                    ""
                    if r["idempotent"] == (r["kind"] == "read")
                    else (", retried" if r["idempotent"] else ", never retried")
                ),
                ref(r["source"]),
            ]
        )
    out.table(
        f"{venue.name}: rules (the first that matches a request prices it)",
        [
            ("method", "left"),
            ("path", "left"),
            ("condition", "left"),
            ("cost", "left"),
            ("kind", "left"),
            ("src", "left"),
        ],
        rows,
        caption="; ".join(extra),
    )
    out.line("sources:")
    for source, n in sources.items():
        out.line(f"  [{n}] {source}")


def _print_coverage(venue: Venue, as_json: bool) -> None:
    from ..venues._coverage import coverage_data
    from ..venues.documented import table

    data = coverage_data(venue, table(venue.name))
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    out = Output()
    if not data["documented"]:
        out.line(f"{venue.name}: no table of documented endpoints yet")
        return
    out.table(
        f"{venue.name}: documented endpoints against the rules",
        [("section", "left"), ("documented", "right"), ("encoded", "right"), ("matching", "right"), ("share", "right")],
        [
            [
                s["name"],
                str(s["documented"]),
                str(s["encoded"]),
                str(s["matching"]),
                f"{s['matching'] / s['documented']:.0%}",
            ]
            for s in data["sections"]
        ]
        + [["all", str(data["documented"]), str(data["encoded"]), str(data["matching"]), f"{data['share']:.0%}"]],
        caption="encoded: a rule prices it (not the default); matching: every documented pool charged as documented",
    )
    differ = [(s["name"], e) for s in data["sections"] for e in s["endpoints"] if not e["ok"]]
    if not differ:
        out.line("every documented endpoint matches")
        return
    out.table(
        f"{venue.name}: endpoints that differ from the document",
        [("section", "left"), ("endpoint", "left"), ("documented", "left"), ("problems", "left")],
        [[name, e["endpoint"], "; ".join(e["documented"]), "; ".join(e["problems"])] for name, e in differ],
    )
