"""The venues' documented endpoints, one module per venue, written from the venues' documents.

Each module has ``TABLE: tuple[Documented, ...]``; :func:`table` finds it by venue name.
See :mod:`ratekeeper.venues._coverage` for how the tables are checked against the rules.
"""

from __future__ import annotations

import importlib

from .._coverage import Documented

__all__ = ["table"]


def table(venue: str) -> tuple[Documented, ...]:
    """The documented endpoints of ``venue`` (empty when none are written down yet)."""
    try:
        module = importlib.import_module(f"{__name__}.{venue}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{venue}":
            return ()
        raise
    found: tuple[Documented, ...] = module.TABLE
    return found
