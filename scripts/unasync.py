"""Write the sync twin of every asynchronous source file, or check that none has drifted.

Each sync/async pair in ratekeeper is written once, as asynchronous code in a ``_async/``
folder; this script writes its twin into the sibling ``_sync/`` folder with the ``unasync``
library (token rewriting: ``async``/``await`` dropped, the names below replaced), then
formats it with ruff. The twins are committed, so the package installs without this step;
the test command runs ``--check``, which fails when a twin differs from what its source
gives (someone edited a twin by hand, or a source without regenerating).

    python scripts/unasync.py           # (re)write every twin
    python scripts/unasync.py --check   # fail, listing the files, when any twin is stale

Names that differ between the two worlds and are not spelled ``Async<Name>`` go in
``REPLACEMENTS`` (``Async<Name>`` becomes ``<Name>`` by the rule below, not unasync's
``Sync<Name>``). Code that cannot be written once (a thread lock against an asyncio lock, a
sleep) goes behind a small module with one twin per world, ``_aio.py`` and ``_io.py``, named
here so the import is rewritten.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# this file is named like the library it uses: import that, not this script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
import unasync  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "ratekeeper"
HEADER = "# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.\n"

# async name -> sync name, for names unasync's own table and the Async<Name> rule miss
REPLACEMENTS: dict[str, str] = {
    "_aio": "_io",
    "aclose": "close",
    "asyncio_twin": "sync_twin",
    "aroute": "route",  # proxies: ProxyRouter's asyncio methods and their threaded twins
    "arefresh": "refresh",
    "acheck": "check",
    "aclear": "clear",
    "afailed": "failed",
    "arecord_failure": "record_failure",
    "_aprobe": "_probe",
    # the Redis store (stores/redis/_async/store.py): its async methods and their sync names (aclear: above)
    "aestimate": "estimate",
    "aknown_limits": "known_limits",
    "alease": "lease",
    "aleases": "leases",
    "aobserve": "observe",
    "arebook": "rebook",
    "arefund": "refund",
    "areserve": "reserve",
    "areserve_again": "reserve_again",
    "_areserve": "_reserve",
    "asnapshot": "snapshot",
    "send_async": "send_sync",
    "_AsyncShares": "_Shares",
    "_atake_shares": "_take_shares",
    "_amove": "_move",
    "bind_aprobe": "bind_probe",
    "aproxy_statistics": "proxy_statistics",
    "acheck_proxies": "check_proxies",
    "handle_async_request": "handle_request",
    "aiter_raw": "iter_raw",
    "aread": "read",
    # the limiter's waiting (_limiter/_async/waiting.py): its asyncio primitive's threaded name
    "_amove_earlier": "_move_earlier",
}


def _rule() -> unasync.Rule:
    rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=REPLACEMENTS)
    plain = rule._unasync_name

    def name(token: str) -> str:
        # AsyncLimiter -> Limiter (unasync's default would be SyncLimiter)
        if token not in rule.token_replacements and len(token) > 5 and token.startswith("Async") and token[5].isupper():
            return token[5:]
        return str(plain(token))

    rule._unasync_name = name  # type: ignore[method-assign]
    return rule


def sources(root: Path = SRC) -> list[Path]:
    """Every ``.py`` file under an ``_async/`` folder of the package."""
    return sorted(p for p in root.rglob("*.py") if "_async" in p.relative_to(root).parts[:-1])


def twin_of(source: Path) -> Path:
    parts = list(source.parts)
    i = len(parts) - 1 - parts[::-1].index("_async")
    parts[i] = "_sync"
    return Path(*parts)


def _format(paths: list[Path]) -> None:
    if not paths:
        return
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff") or "ruff"
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, "--fix-only", "--quiet", *map(str, paths)], cwd=ROOT, check=False)
    subprocess.run([ruff, "format", *config, "--quiet", *map(str, paths)], cwd=ROOT, check=True)


def generate(root: Path = SRC) -> list[Path]:
    """Write the twin of every source under ``root``; return the twins written."""
    srcs = sources(root)
    unasync.unasync_files([str(p) for p in srcs], [_rule()])
    twins = [twin_of(p) for p in srcs]
    for twin in twins:
        text = twin.read_text(encoding="utf-8")
        if not text.startswith(HEADER):
            twin.write_text(HEADER + text, encoding="utf-8")
    _format(twins)
    return twins


def check() -> int:
    """Generate into a copy of the package and compare with the committed twins."""
    stale: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ratekeeper"
        shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "_sync"))
        for fresh in generate(copy):
            rel = fresh.relative_to(copy)
            committed = SRC / rel
            want = fresh.read_text(encoding="utf-8")
            have = committed.read_text(encoding="utf-8") if committed.exists() else ""
            if want != have:
                stale.append(str(rel))
                diff = difflib.unified_diff(
                    have.splitlines(keepends=True),
                    want.splitlines(keepends=True),
                    f"src/ratekeeper/{rel} (committed)",
                    f"src/ratekeeper/{rel} (generated)",
                    n=1,
                )
                sys.stdout.writelines(list(diff)[:40])
    if stale:
        print(f"unasync: {len(stale)} sync twin(s) differ from their _async source: {', '.join(stale)}")
        print("run: python scripts/unasync.py")
        return 1
    print(f"unasync: {len(sources())} sync twin(s) match their _async source")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when a committed twin differs from its source")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    for twin in generate():
        print(f"wrote {twin.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
