"""The ``realtime`` list in conftest.py names tests that exist, and marks them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REALTIME

HERE = Path(__file__).parent


def _test_functions(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    }


def test_realtime_list_names_real_tests() -> None:
    for entry in sorted(REALTIME):
        module, function = entry.split("::")
        path = HERE / module
        assert path.is_file(), f"conftest REALTIME names {module}, which does not exist"
        if function != "*":
            assert function in _test_functions(path), f"conftest REALTIME names {entry}, which does not exist"


def test_realtime_tests_carry_the_marker(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    marked = {f"{i.path.name}::{i.name.split('[', 1)[0]}" for i in items if i.get_closest_marker("realtime")}
    unmarked = {f"{i.path.name}::{i.name.split('[', 1)[0]}" for i in items if not i.get_closest_marker("realtime")}
    if any(i.path.name == "test_e2e_mock.py" for i in items):
        assert any(m.startswith("test_e2e_mock.py::") for m in marked)
        assert not any(u.startswith("test_e2e_mock.py::") for u in unmarked)
    assert "test_realtime_marker.py::test_realtime_tests_carry_the_marker" in unmarked
