"""The optional extras of the HTTP integrations: the error for a missing library, the SOCKS check."""

from __future__ import annotations

import importlib
from typing import Any

from .._errors import missing_package
from ._gate import Gate

__all__ = ["check_socks", "missing_extra"]


def missing_extra(extra: str, module: str, cause: ImportError | None = None) -> ImportError:
    """The ImportError an integration raises when its library is not installed (see
    :func:`~ratekeeper._errors.missing_package`)."""
    return missing_package(f"ratekeeper.{extra}", module, extra, cause)


def check_socks(gate: Gate[Any], integration: str, module: str, package: str) -> None:
    """Refuse, before anything is sent, SOCKS proxies in the gate's pool when ``module``, which
    the integration's HTTP library needs for them, is missing (``ratekeeper[socks]`` brings it)."""
    router = gate.router
    socks = [p for p in router.pool.proxies if p.scheme.startswith("socks")] if router is not None else []
    if not socks:
        return
    try:
        importlib.import_module(module)
    except ImportError as exc:
        where = f"proxy_pool: ratekeeper.{integration} with SOCKS proxies ({socks[0].redacted})"
        raise missing_package(where, package, "socks", exc) from exc
