"""Adapters for the exchange clients people already use: one call puts a ratekeeper budget in
front of an existing client object.

* :mod:`ratekeeper.adapters.hyperliquid_sdk` — ``hyperliquid-python-sdk``'s ``Info`` and
  ``Exchange`` (extra ``ratekeeper[hyperliquid-sdk]``);
* :mod:`ratekeeper.adapters.ccxt` — ccxt exchange instances, sync and ``ccxt.async_support``
  (extra ``ratekeeper[ccxt]``).

Each adapter module imports its client library when it is imported itself, and says which
extra to install when the library is missing. Each checks the installed client's version
against the range it was tested with (:class:`UnsupportedVersion`; pass
``allow_untested=True`` to go on anyway).
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._errors import UnsupportedVersion, missing_package

if TYPE_CHECKING:
    from .._limiter import Limiter
    from ..http._gate import Gate
    from ..requests import Adapter

__all__ = [
    "UnsupportedVersion",
    "check_version",
    "installed_version",
    "missing_client",
    "mount",
    "mounted_adapter",
    "origin_prefix",
    "parse_version",
]


def missing_client(module: str, package: str, extra: str, cause: ImportError | None = None) -> ImportError:
    """The ImportError an adapter raises when the client library it adapts is not installed."""
    return missing_package(f"ratekeeper.adapters.{module}", package, extra, cause)


_LEADING = re.compile(r"\d+(?:\.\d+)*")


def parse_version(text: str) -> tuple[int, ...] | None:
    """The leading numeric release of a version string: ``"4.5.90"`` → ``(4, 5, 90)``,
    ``"0.24.0rc1"`` → ``(0, 24, 0)``; ``None`` when it starts with no number."""
    found = _LEADING.match(text.strip())
    if found is None:
        return None
    return tuple(int(part) for part in found.group(0).split("."))


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution (``None`` when it has no metadata)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_version(
    package: str,
    installed: str | None,
    minimum: tuple[int, ...],
    below: tuple[int, ...],
    *,
    allow_untested: bool = False,
) -> None:
    """Raise :class:`UnsupportedVersion` unless ``minimum <= installed < below`` (or
    ``allow_untested``)."""
    if allow_untested:
        return
    parsed = parse_version(installed) if installed else None
    if parsed is None or not (minimum <= parsed < below):
        supported = f">={'.'.join(map(str, minimum))},<{'.'.join(map(str, below))}"
        raise UnsupportedVersion(package, installed, supported)


# --------------------------------------------------------------------------------------------
# mounting a gate on a requests.Session (both adapters' clients send with requests)


def origin_prefix(base_url: str) -> str:
    """The ``requests`` mount prefix of a base URL's origin: ``"https://api.hyperliquid.xyz/"``."""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}/".lower()


def mounted_adapter(session: Any, base_url: str) -> Adapter | None:
    """The ratekeeper adapter ``session`` uses for ``base_url``'s origin, if any."""
    from ..requests import Adapter

    adapter = session.get_adapter(origin_prefix(base_url))
    return adapter if isinstance(adapter, Adapter) else None


def mount(session: Any, gate: Gate[Limiter]) -> None:
    """Put ``gate`` in front of every adapter a ``requests.Session`` would use for the venue.

    The adapter mounted for the origin (the session's own ``https://`` one, or one the user
    mounted) becomes the inner adapter that sends, so its pool, retry and TLS settings stay.
    Mounts for longer prefixes of the same origin are wrapped too: requests picks the longest
    matching prefix, and none of them may bypass the limiter. Mounting the same gate again does
    nothing; a session gated by another gate is an error (two limiters would both charge).
    """
    import requests

    from ..requests import Adapter

    if not isinstance(session, requests.Session):
        raise TypeError(f"expected a requests.Session, got {type(session).__name__}")
    prefix = origin_prefix(gate.base_url)
    existing = session.get_adapter(prefix)
    if isinstance(existing, Adapter):
        if existing.gate is gate:
            return
        raise ValueError("this client is already rate limited by ratekeeper (limit() was called before)")
    session.mount(prefix, Adapter(inner=existing, gate=gate))
    for mounted, adapter in list(session.adapters.items()):
        if mounted.lower().startswith(prefix) and mounted.lower() != prefix and not isinstance(adapter, Adapter):
            session.mount(mounted, Adapter(inner=adapter, gate=gate))
