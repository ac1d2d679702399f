"""The documentation's code runs. A ```python block right after a ``<!-- runnable -->`` line,
on any page of docs/, is run as a script of its own (against the mock venue, on loopback) and
must exit 0; every other ```python block of the pages listed in COMPILED must at least
compile (names and signatures in those are checked by hand, and by the runnable ones)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
MARKER = "<!-- runnable -->"
COMPILED = ("quickstart.md", "concepts.md", "faq.md")
_FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)


def blocks(page: Path) -> list[tuple[int, bool, str]]:
    """(line, runnable, code) of every ```python block of a page."""
    text = page.read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        found.append((line, before == MARKER, m.group(1)))
    return found


RUNNABLE = [
    pytest.param(code, id=f"{page.name}:{line}")
    for page in sorted(DOCS.glob("*.md"))
    for line, runnable, code in blocks(page)
    if runnable
]
OTHERS = [
    pytest.param(code, f"{name}:{line}", id=f"{name}:{line}")
    for name in COMPILED
    if (DOCS / name).exists()
    for line, runnable, code in blocks(DOCS / name)
    if not runnable
]


def test_the_pages_have_runnable_snippets() -> None:
    assert RUNNABLE, f"no {MARKER} blocks found in {DOCS}"


@pytest.mark.timeout(90)
@pytest.mark.parametrize("code", RUNNABLE)
def test_runnable_snippet(code: str, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(("code", "where"), OTHERS)
def test_other_snippet_compiles(code: str, where: str) -> None:
    compile(code, where, "exec")
