"""The package's layers: a request flows down them (weighed, decided, waited for, routed, sent
and settled), and a lower layer never imports a higher one (docs/architecture.md).

Read from the sources with ``ast`` (every import, at module level or inside a function, and
under ``TYPE_CHECKING`` too: a type that points up is a dependency that points up)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "ratekeeper"

# lowest first; a module may import its own layer and the layers before it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("values", ("_errors", "_clock", "_limits")),
    ("decision", ("_algorithms",)),
    ("stores", ("stores",)),
    ("limiter", ("_limiter", "_estimates", "_margin")),
    ("venues", ("venues",)),
    ("proxies", ("proxies",)),
    ("http", ("http",)),
]
# above every layer: the shells and what is built on them (requests.py, websockets/, gateway/,
# adapters/, cli/, metrics, testing, ...); they may import anything below
TOP = "shells"


def _layer_of(module: str) -> int:
    """The index of ``module`` (dotted, relative to ratekeeper) in LAYERS; len(LAYERS) for the top."""
    head = module.split(".")[0]
    if head == "__version__":  # the package's version (``from .. import __version__``): a value
        return 0
    for i, (_, roots) in enumerate(LAYERS):
        if head in roots:
            return i
    return len(LAYERS)


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out.append((".".join(parts), path))
    return out


def _imports(module: str, path: Path) -> set[str]:
    """The ratekeeper modules ``module`` imports (dotted, relative to ratekeeper)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ratekeeper."):
                    found.add(alias.name.removeprefix("ratekeeper."))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.startswith("ratekeeper."):
                    found.add(node.module.removeprefix("ratekeeper."))
                continue
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            if target:
                found.add(".".join(target))
            else:  # from . import x (the package itself): each name is a module or a name of it
                found.update(alias.name for alias in node.names)
    return found


def test_the_layers_are_where_the_docs_say() -> None:
    for _, roots in LAYERS:
        for root in roots:
            assert (PACKAGE / root).is_dir() or (PACKAGE / f"{root}.py").is_file(), root


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_no_layer_imports_a_higher_one(module: str, path: Path) -> None:
    mine = _layer_of(module)
    if mine == len(LAYERS):
        return
    up = sorted(
        f"{target} ({LAYERS[_layer_of(target)][0] if _layer_of(target) < len(LAYERS) else TOP})"
        for target in _imports(module, path)
        if _layer_of(target) > mine
    )
    assert not up, f"{module} (layer {LAYERS[mine][0]}) imports from a higher layer: {', '.join(up)}"


def test_the_checker_sees_an_import_that_points_up(tmp_path: Path) -> None:
    """The check above can fail: a store importing the limiter is found."""
    fake = tmp_path / "stores" / "bad.py"
    fake.parent.mkdir()
    fake.write_text("from .._limiter import Limiter\nfrom ratekeeper.http import Options\n", encoding="utf-8")
    assert _imports("stores.bad", fake) == {"_limiter", "http"}
    assert _layer_of("_limiter") > _layer_of("stores.bad") and _layer_of("http") > _layer_of("stores.bad")
