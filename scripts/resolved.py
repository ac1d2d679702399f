"""Print the Python and the versions pip resolved for the integrations and the docs toolchain
(the test matrix prints this in each session; docs/support.md lists what it showed).

    python scripts/resolved.py
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

NAMES = (
    "redis",
    "aiohttp",
    "httpx",
    "requests",
    "websockets",
    "ccxt",
    "hyperliquid-python-sdk",
    "mkdocs",
    "mkdocs-material",
    "mkdocstrings",
    "mkdocstrings-python",
    "pymdown-extensions",
)


def installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}:", ", ".join(f"{name} {installed(name)}" for name in NAMES))
