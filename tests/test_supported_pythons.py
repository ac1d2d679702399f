"""The Pythons the package claims are the ones the test matrix runs: pyproject's classifiers and
requires-python, noxfile.py's PYTHONS and the support page name the same versions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .pyproject_data import pyproject

ROOT = Path(__file__).resolve().parent.parent


def matrix_pythons() -> list[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PYTHONS" for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(v) for v in value]
    raise AssertionError("noxfile.py has no PYTHONS = [...]")


def test_classifiers_and_requires_python_match_the_matrix() -> None:
    project = pyproject()["project"]
    pythons = matrix_pythons()
    version = re.compile(r"Programming Language :: Python :: (3\.\d+)")
    classified = [m.group(1) for c in project["classifiers"] if (m := version.fullmatch(c))]
    assert classified == pythons
    assert project["requires-python"] == f">={pythons[0]}"
    minors = [int(v.split(".")[1]) for v in pythons]
    assert minors == list(range(minors[0], minors[0] + len(minors))), "the matrix skips a version"


def test_the_support_page_names_the_matrix() -> None:
    page = (ROOT / "docs" / "support.md").read_text(encoding="utf-8")
    *first, last = matrix_pythons()
    assert f"**CPython {', '.join(first)} and {last}**" in page
