"""What the gateway's command line says, parsed and checked before anything listens or sends."""

from __future__ import annotations

import ipaddress
import math

__all__ = ["is_loopback", "parse_limit", "parse_listen"]


def parse_listen(text: str, *, what: str = "--listen") -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as ``(host, port)``; port 0 picks a free one."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what}: expected HOST:PORT, got {text!r}")
    text = text.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"{what}: expected [IPV6]:PORT, got {text!r}")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ValueError(f"{what}: expected HOST:PORT, got {text!r} (no port)")
        if ":" in host:
            raise ValueError(f"{what}: write an IPv6 address in brackets, [::1]:8080, got {text!r}")
    if not host:
        raise ValueError(f"{what}: expected HOST:PORT, got {text!r} (no host)")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{what}: the port must be a number from 0 to 65535, got {port_text!r}")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def parse_limit(text: str) -> tuple[str, tuple[float, float]]:
    """``NAME=CAPACITY/PERIOD`` (``ip_weight=1200/10``) as ``(name, (capacity, period))``, the
    override ``rk.venue(..., ip_weight=(1200, 10))`` takes."""
    name, sep, value = text.partition("=")
    name = name.strip()
    capacity_text, slash, period_text = value.partition("/")
    if not sep or not slash or not name:
        raise ValueError(f"--limit: expected NAME=CAPACITY/PERIOD (ip_weight=1200/10), got {text!r}")
    try:
        capacity = float(capacity_text)
        period = float(period_text)
    except ValueError:
        raise ValueError(f"--limit {name}: capacity and period must be numbers, got {value!r}") from None
    if not (math.isfinite(capacity) and capacity > 0 and math.isfinite(period) and period > 0):
        raise ValueError(f"--limit {name}: capacity and period must be finite and > 0, got {value!r}")
    return name, (capacity, period)
