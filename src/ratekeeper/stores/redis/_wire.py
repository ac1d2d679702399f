"""What goes over the wire to Redis: the scripts, their packed arguments and their replies.

Every operation is one script call (``EVALSHA``) over all keys of the request. The scripts
(``lua/*.lua`` beside this module, shipped in the package) mirror the Python decision core line by line;
each entry script is sent with the constants of the core and ``core.lua`` in front of it.
Arguments and replies are packed doubles (``struct``), not text: no float is ever parsed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import struct
from collections.abc import Sequence
from importlib import resources
from typing import Any

from ... import _algorithms as algo
from ..._limits import Limit
from .._base import QUOTA_IDLE, KeySnapshot, LeaseResult

HEAD = struct.Struct("<ddd")  # now (NaN: the server's TIME), max_wait (NaN: none), TTL margin
STATIC = struct.Struct("<cdddd")  # algorithm, capacity, cap for the priority, period, offset
TAIL = struct.Struct("<dd")  # cost, at
OBS = struct.Struct("<ddddd")  # used, remaining, reset_after, cap, blocked_for
SNAP = struct.Struct("<ddddd")  # used, reserved, next_free, blocked_for, cap (NaN: the limit's)
ONE = struct.Struct("<d")
LEASE = struct.Struct("<ddd")  # units, ttl, capacity; the reply: granted, held, retry_after
HELD = struct.Struct("<dd")  # one live lease read back: units, seconds left
NAN = math.nan
LETTER = {"sliding": "s", "fixed": "f", "token": "t", "quota": "q", "concurrent": "c"}


# ---------------------------------------------------------------------------------------
# scripts
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Script:
    """One Lua script as sent to the server: its source and SHA1."""

    name: str
    source: str
    sha: bytes


def _build_scripts() -> dict[str, Script]:
    """The constants of the Python core, ``core.lua`` and one entry script, for each entry."""
    lua = resources.files(__package__).joinpath("lua")
    prelude = (
        f"local TOL, MAX_ENTRIES, RESOLUTION = {algo.TOL!r}, {algo.MAX_SLIDING_ENTRIES!r}, "
        f"{algo.SLIDING_RESOLUTION!r}\n"
        f"local QUOTA_IDLE = {QUOTA_IDLE!r}\n"
        f"local FAIR_SLACK, FAIR_BUSY, FAIR_MAX_PERIOD = {algo.FAIR_SLACK!r}, {algo.FAIR_BUSY!r}, "
        f"{algo.FAIR_MAX_PERIOD!r}\n"
        "local FAST_NOW -- the store time of this call, once read\n"
        # Redis < 5 replicates scripts verbatim unless told otherwise, and refuses writes
        # after TIME then; from 5 on this is the default and the call a no-op
        "if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
    )
    core = lua.joinpath("core.lua").read_text(encoding="utf-8")
    generation = lua.joinpath("generation.lua").read_text(encoding="utf-8")
    out = {}
    for name in ("reserve", "refund", "rebook", "observe", "snapshot"):
        parts = [prelude, generation]
        if name == "reserve":
            parts.append(lua.joinpath("fair.lua").read_text(encoding="utf-8"))
            parts.append(lua.joinpath("reserve_fast.lua").read_text(encoding="utf-8"))
        parts += [core, lua.joinpath(f"{name}.lua").read_text(encoding="utf-8")]
        source = "\n".join(parts)
        out[name] = Script(name, source, hashlib.sha1(source.encode()).hexdigest().encode())
    # leases share nothing with the budget core: the constant they need, and their script
    source = "\n".join(
        [
            prelude,
            f"local LOST_HOLDER = {algo.LOST_HOLDER!r}",
            generation,
            lua.joinpath("lease.lua").read_text(encoding="utf-8"),
        ]
    )
    out["lease"] = Script("lease", source, hashlib.sha1(source.encode()).hexdigest().encode())
    return out


SCRIPTS = _build_scripts()


# ---------------------------------------------------------------------------------------
# keys and calls
# ---------------------------------------------------------------------------------------


def escape(s: str) -> str:
    return s.replace("%", "%25").replace(":", "%3A")


def unescape(s: str) -> str:
    return s.replace("%3A", ":").replace("%25", "%")


def glob_escape(s: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in s)


def bulk(b: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(b), b)


@dataclasses.dataclass(frozen=True, slots=True)
class Cmd:
    """One script call: ``EVALSHA sha numkeys keys… argv…``."""

    script: str
    keys: list[bytes]
    argv: list[bytes]
    wire: bytes | None = None  # already encoded (the hot path), else encoded on demand

    def args(self) -> list[str | bytes | int]:
        # the command name as text: redis-py's cluster client looks it up in its policy tables
        return ["EVALSHA", SCRIPTS[self.script].sha.decode(), len(self.keys), *self.keys, *self.argv]

    def with_gen(self, gen: bytes) -> Cmd:
        """The same call with another generation argument (the last one; see generation.lua)."""
        wire = self.wire
        if wire is not None:
            wire = wire[: len(wire) - len(bulk(self.argv[-1]))] + bulk(gen)
        return Cmd(self.script, self.keys, [*self.argv[:-1], gen], wire)

    def encoded(self) -> bytes:
        if self.wire is not None:
            return self.wire
        parts = [b"*%d\r\n$7\r\nEVALSHA\r\n" % (3 + len(self.keys) + len(self.argv))]
        parts += [bulk(SCRIPTS[self.script].sha), bulk(b"%d" % len(self.keys))]
        parts += [bulk(k) for k in self.keys]
        parts += [bulk(a) for a in self.argv]
        return b"".join(parts)


def top(limit: Limit) -> int:
    """A priority that may use the whole capacity of ``limit``."""
    return limit.reserve_priority if limit.reserve else 0


def nan(x: float | None) -> float:
    return NAN if x is None else float(x)


# ---------------------------------------------------------------------------------------
# replies
# ---------------------------------------------------------------------------------------


def decision(reply: bytes, n: int) -> algo.Decision:
    """A reservation's reply (``n`` items): the granted fast path's one double, or the lot."""
    if len(reply) == 8:
        (now,) = ONE.unpack(reply)
        return algo.Decision(now, now, True, 0, (now,) * n)
    vals = struct.unpack(f"<{len(reply) // 8}d", reply)
    return algo.Decision(vals[0], vals[1], vals[2] == 1.0, int(vals[3]), vals[4:], vals[2] == 2.0)


def snapshots(pairs: Sequence[tuple[Limit, str | None, bytes]], reply: bytes) -> list[KeySnapshot]:
    out = []
    for i, (limit, scope, _) in enumerate(pairs):
        used, reserved, next_free, blocked, cap = SNAP.unpack_from(reply, i * SNAP.size)
        out.append(KeySnapshot(limit, scope, used, reserved, next_free, blocked, None if cap != cap else cap))
    return out


def lease_result(reply: bytes) -> LeaseResult:
    granted, held, retry_after = LEASE.unpack(reply)
    return LeaseResult(granted == 1.0, held, retry_after)


def held(entry: Sequence[bytes]) -> dict[str, tuple[float, float]]:
    """One key's answer to a read: holder -> (units, seconds left)."""
    packed, names = entry[0], entry[1:]
    out = {}
    for i, name in enumerate(names):
        out[name.decode("utf-8", "replace")] = HELD.unpack_from(packed, i * HELD.size)
    return out


def lease_snapshots(pairs: Sequence[tuple[Limit, str | None, bytes]], reply: Sequence[Any]) -> list[KeySnapshot]:
    out = []
    for (limit, scope, _), entry in zip(pairs, reply, strict=True):
        units = held(entry)
        if units:
            out.append(
                KeySnapshot(
                    limit,
                    scope,
                    sum(u for u, _ in units.values()),
                    0.0,
                    min(left for _, left in units.values()),
                    0.0,
                )
            )
    return out
