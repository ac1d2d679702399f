"""Check the built distributions: the wheel (built from the sdist by ``python -m build``)
carries the files the package needs at run time besides its modules.

    python scripts/check_dist.py DIST_DIR

Exits 1, naming what is missing, when the wheel lacks ``ratekeeper/py.typed`` (type checkers
ignore an untyped package) or any of the Redis store's Lua scripts in
``src/ratekeeper/stores/redis/lua/`` (the Redis store loads them as package files), or when the
directory does not hold exactly one sdist and one wheel of the checkout's version.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def version() -> str:
    text = (ROOT / "src/ratekeeper/__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if found is None:
        raise SystemExit("no __version__ in src/ratekeeper/__init__.py")
    return found.group(1)


def main(dist: Path) -> int:
    v = version()
    wheels = sorted(dist.glob("ratekeeper-*.whl"))
    sdists = sorted(dist.glob("ratekeeper-*.tar.gz"))
    problems: list[str] = []
    if [w.name for w in wheels] != [f"ratekeeper-{v}-py3-none-any.whl"]:
        problems.append(f"expected one wheel ratekeeper-{v}-py3-none-any.whl, found {[w.name for w in wheels]}")
    if [s.name for s in sdists] != [f"ratekeeper-{v}.tar.gz"]:
        problems.append(f"expected one sdist ratekeeper-{v}.tar.gz, found {[s.name for s in sdists]}")
    lua = sorted(p.name for p in (ROOT / "src/ratekeeper/stores/redis/lua").glob("*.lua"))
    if not lua:
        problems.append("no Lua scripts in src/ratekeeper/stores/redis/lua/ to check for")
    needed = ["ratekeeper/py.typed", *(f"ratekeeper/stores/redis/lua/{name}" for name in lua)]
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            names = set(zf.namelist())
        problems += [f"{wheel.name} lacks {name}" for name in needed if name not in names]
    for sdist in sdists:
        with tarfile.open(sdist) as tf:
            names = {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}
        problems += [f"{sdist.name} lacks src/{name}" for name in needed if f"src/{name}" not in names]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"{', '.join(p.name for p in (*sdists, *wheels))}: py.typed and {len(lua)} Lua scripts present")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
