"""Output: rich when installed (colour only on a terminal, NO_COLOR respected), plain text
otherwise; and the number, duration and URL formats every command prints."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

Cell = str
Column = tuple[str, str]
"""(header, justify: "left" | "right")."""


class Output:
    """Tables and lines on stdout, through rich if it is installed."""

    def __init__(self) -> None:
        self.console: Any = None
        try:
            from rich.console import Console
        except ImportError:
            return
        terminal = sys.stdout.isatty()
        width = None if terminal else int(os.environ.get("COLUMNS", "160") or 160)
        self.console = Console(width=width, soft_wrap=False, highlight=False)

    @property
    def live(self) -> bool:
        """Whether a live (redrawn) view makes sense: rich on a terminal."""
        return self.console is not None and bool(self.console.is_terminal)

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.console is not None:
            self.console.print(text, style=style, markup=False)
        else:
            click.echo(text)

    def table(self, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> None:
        if self.console is not None:
            self.console.print(rich_table(title, columns, rows, caption))
            return
        click.echo(plain_table(title, columns, rows, caption))


def rich_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> Any:
    from rich.table import Table

    table = Table(title=title or None, caption=caption or None, title_justify="left", caption_justify="left")
    for header, justify in columns:
        table.add_column(header, justify="right" if justify == "right" else "left", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def plain_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], caption: str = "") -> str:
    widths = [len(h) for h, _ in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for (_, justify), cell, w in zip(columns, cells, widths, strict=True):
            out.append(cell.rjust(w) if justify == "right" else cell.ljust(w))
        return "  ".join(out).rstrip()

    lines = [title] if title else []
    lines.append(fmt([h for h, _ in columns]))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt(row) for row in rows)
    if caption:
        lines.append(caption)
    return "\n".join(lines) + "\n"


def num(x: float) -> str:
    """A number as people write it: no trailing zeros, thousands kept readable."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "-∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x)}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def duration(x: float) -> str:
    if not math.isfinite(x):
        return "never"
    if x < 1:
        return f"{x * 1000:.1f} ms"
    if x < 120:
        return f"{x:.2f} s"
    if x < 7200:
        return f"{x / 60:.1f} min"
    return f"{x / 3600:.1f} h"


def bar(share: float, width: int = 20) -> str:
    share = min(1.0, max(0.0, share))
    full = round(share * width)
    return "█" * full + "·" * (width - full)


def cost_text(cost: Mapping[str, float] | None) -> str:
    if cost is None:
        return "computed per request"
    if not cost:
        return "0"
    return ", ".join(f"{name} {num(v)}" for name, v in cost.items())


def redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
