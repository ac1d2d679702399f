"""The optional extras, as a machine without them sees them.

Each test runs a fresh Python whose ``sitecustomize`` (on ``PYTHONPATH``, in a temporary
folder) puts a finder first on ``sys.meta_path`` that refuses the packages of an extra, the
way an interpreter without them would (``No module named 'yarl'``). Blocking in a fresh
interpreter matters: in this process aiohttp, yarl, httpx... are already imported, and
``sys.modules[name] = None`` would hide only the one name it sets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import ratekeeper

from .pyproject_data import pyproject

SRC = Path(ratekeeper.__file__).resolve().parents[1]
PYPROJECT = SRC.parent / "pyproject.toml"

BLOCKER = textwrap.dedent(
    """
    import importlib.abc
    import os
    import sys

    BLOCKED = frozenset(filter(None, os.environ.get("RK_TEST_BLOCK", "").split(",")))


    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None


    sys.meta_path.insert(0, Blocker())
    """
)

AIOHTTP = ("aiohttp", "yarl", "multidict", "propcache", "frozenlist", "aiosignal", "aiohappyeyeballs")
HTTPX = ("httpx", "httpcore", "anyio", "h11", "sniffio", "socksio")
REQUESTS = ("requests", "urllib3", "charset_normalizer", "socks")
EVERY_EXTRA = (
    *AIOHTTP,
    *HTTPX,
    *REQUESTS,
    "websockets",
    "redis",
    "prometheus_client",
    "ccxt",
    "hyperliquid",
    "rich",
    "matplotlib",
    "yaml",
)


def run_blocked(tmp_path: Path, blocked: tuple[str, ...], code: str, *args: str) -> Any:
    """Run ``code`` (with ``args`` in ``sys.argv[1:]``) in a fresh Python that cannot import
    ``blocked``; return what it printed as JSON (its last line)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tmp_path), str(SRC), env.get("PYTHONPATH", "")) if p)
    env["RK_TEST_BLOCK"] = ",".join(blocked)
    prelude = textwrap.dedent(
        """
        import json, os, sys
        early = sorted({m.partition(".")[0] for m in sys.modules} & set(os.environ["RK_TEST_BLOCK"].split(",")))
        assert not early, f"imported before the blocker could refuse them: {early}"
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


IMPORT = """
import importlib
try:
    importlib.import_module(sys.argv[1])
except ImportError as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc), "name": exc.name}))
else:
    print(json.dumps(None))
"""


def extras() -> dict[str, list[str]]:
    declared: dict[str, list[str]] = pyproject()["project"]["optional-dependencies"]
    return declared


def requirement_names(requirements: list[str]) -> set[str]:
    names = set()
    for req in requirements:
        name = req
        for stop in "<>=!~;[ ":
            name = name.split(stop)[0]
        names.add(name.lower())
    return names


# (module, what the machine lacks, the package the message names, the extra it names)
CASES = [
    ("ratekeeper.aiohttp", AIOHTTP, "aiohttp", "aiohttp"),
    ("ratekeeper.aiohttp", ("yarl",), "aiohttp", "aiohttp"),  # aiohttp there, a dependency not
    ("ratekeeper.httpx", HTTPX, "httpx", "httpx"),
    ("ratekeeper.requests", REQUESTS, "requests", "requests"),
    ("ratekeeper.websockets", ("websockets",), "websockets", "websockets"),
    ("ratekeeper.stores.redis", ("redis",), "redis", "redis"),
    ("ratekeeper.adapters.ccxt", ("ccxt",), "ccxt", "ccxt"),
    ("ratekeeper.adapters.hyperliquid_sdk", ("hyperliquid",), "hyperliquid-python-sdk", "hyperliquid-sdk"),
    ("ratekeeper.testing.mock_venue", AIOHTTP, "aiohttp", "mock"),
    ("ratekeeper.gateway", AIOHTTP, "aiohttp", "gateway"),
    ("ratekeeper.testing.ws_venue", ("websockets",), "websockets", "websockets"),
]


@pytest.mark.parametrize(
    ("module", "blocked", "package", "extra"), CASES, ids=[f"{c[0]}-without-{c[1][0]}" for c in CASES]
)
def test_an_integration_without_its_extra_names_the_package_and_the_extra(
    tmp_path: Path, module: str, blocked: tuple[str, ...], package: str, extra: str
) -> None:
    seen = run_blocked(tmp_path, blocked, IMPORT, module)
    assert seen is not None, f"{module} imported on a machine without {blocked}"
    assert seen["type"] == "ModuleNotFoundError"
    assert f"needs the {package!r} package" in seen["message"]
    assert f"pip install 'ratekeeper[{extra}]'" in seen["message"]
    assert f"No module named {blocked[0]!r}" in seen["message"]  # the module actually missing
    assert seen["name"] == blocked[0]
    declared = extras()
    assert extra in declared, f"the message names an extra pyproject.toml does not declare: {extra}"
    assert package in requirement_names(declared[extra]), f"ratekeeper[{extra}] does not bring {package}"


def test_the_core_works_without_any_extra(tmp_path: Path) -> None:
    seen = run_blocked(
        tmp_path,
        EVERY_EXTRA,
        """
        import logging
        import ratekeeper as rk
        import ratekeeper.adapters, ratekeeper.cli, ratekeeper.metrics, ratekeeper.proxies
        import ratekeeper.stores.sqlite, ratekeeper.testing, ratekeeper.venues
        from ratekeeper.metrics import JsonFormatter
        from ratekeeper.venues import venue_names

        out = {}
        limiter = rk.Limiter([rk.Limit("w", 10, 1.0)])
        out["granted"] = limiter.try_acquire({"w": 1}) is not None
        out["venues"] = all(rk.venue(name).limits for name in venue_names())
        record = logging.LogRecord("x", logging.INFO, "f", 1, "hi", (), None)
        out["json_log"] = json.loads(JsonFormatter().format(record))["message"]

        def error(call):
            try:
                call()
            except ImportError as exc:
                return str(exc)
            return None

        import ratekeeper.metrics as metrics
        out["metrics"] = error(lambda: metrics.Metrics())
        out["redis_url"] = error(lambda: rk.open_store("redis://127.0.0.1:1/0"))
        out["mock_venue"] = error(lambda: ratekeeper.testing.MockVenue)
        out["ws_venue"] = error(lambda: ratekeeper.testing.MockWebSocketVenue)
        print(json.dumps(out))
        """,
    )
    assert seen["granted"] and seen["venues"] and seen["json_log"] == "hi"
    # prometheus-client is imported when a Metrics is made: JsonFormatter needs no extra
    assert "needs the 'prometheus-client' package" in seen["metrics"]
    assert "pip install 'ratekeeper[metrics]'" in seen["metrics"]
    assert "pip install 'ratekeeper[redis]'" in seen["redis_url"]
    assert "pip install 'ratekeeper[mock]'" in seen["mock_venue"]
    assert "pip install 'ratekeeper[websockets]'" in seen["ws_venue"]
    assert "prometheus-client" in requirement_names(extras()["metrics"])
