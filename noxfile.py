"""The test matrix: the suite on every Python the package supports that this machine has.

    nox                      # every supported Python found here, one after the other
    nox -p 3.12              # one of them (or NOXPYTHON=3.12)
    nox -- -k redis -x       # arguments after -- go to pytest

Each session (``tests-3.10`` ... ``tests-3.13``) creates its own virtual environment in
``.nox/`` with that Python, installs ``.[test]`` there and runs mypy --strict, the
documentation build (warnings are errors), the built wheel in a clean virtual environment
(imported, then ``ratekeeper demo`` against the mock venue) and pytest: the whole suite on one
Python (:func:`full_python`), everything but the tests marked ``realtime`` on the others. A
Python that is not installed is skipped with the reason; ``scripts/test`` runs ruff and builds
the wheel once, then this, and fails unless at least one session passed.

Interpreters: ``pythonX.Y`` on ``PATH`` when it runs; otherwise pyenv's installs
(``$PYENV_ROOT/versions/X.Y.*``), since pyenv's shims exist for every version it has but
fail unless that version is selected (``PYENV_VERSION``). Such an interpreter is linked into
``.nox/.pythons``, which goes first on ``PATH``, so nox finds it under its usual name.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
# requires-python = ">=3.10"; keep in step with pyproject's classifiers and docs/support.md
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
# Run the Pythons this machine has and skip the others with the reason, on CI too (nox's
# default there is to fail); scripts/test fails if no session ran at all.
nox.options.error_on_missing_interpreters = False
# Never fetch an interpreter from the network.
nox.options.download_python = "never"


def _answers(executable: str, version: str) -> bool:
    """Whether ``executable`` runs and is Python ``version`` (X.Y)."""
    try:
        done = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def _pyenv_installs(version: str) -> list[Path]:
    """pyenv's CPython X.Y installs, newest patch release first."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = []
    for exe in root.glob(f"versions/{version}.*/bin/python{version}"):
        patch = re.fullmatch(rf"{re.escape(version)}\.(\d+)", exe.parent.parent.name)
        if patch is not None:  # 3.12.1, not 3.12-dev or 3.12.1t
            found.append((int(patch.group(1)), exe))
    return [exe for _, exe in sorted(found, reverse=True)]


def find_python(version: str) -> str | None:
    """A working interpreter for Python ``version`` (X.Y), or None."""
    on_path = shutil.which(f"python{version}")
    candidates = [on_path] if on_path else []
    candidates += [str(exe) for exe in _pyenv_installs(version)]
    return next((exe for exe in candidates if _answers(exe, version)), None)


def _link_interpreters() -> None:
    """Put a working ``pythonX.Y`` first on PATH for each supported version whose name on
    PATH does not run (a pyenv shim) but which is installed elsewhere."""
    links = ROOT / ".nox" / ".pythons"
    for version in PYTHONS:
        name = f"python{version}"
        link = links / name
        if link.is_symlink():
            link.unlink()
        on_path = shutil.which(name)
        if on_path and _answers(on_path, version):
            continue
        found = find_python(version)
        if found is None:
            continue  # nox skips the session: "Python interpreter X.Y not found"
        links.mkdir(parents=True, exist_ok=True)
        link.symlink_to(found)
    if links.is_dir() and any(links.iterdir()):
        os.environ["PATH"] = os.pathsep.join([str(links), os.environ.get("PATH", "")])


_link_interpreters()


def full_python() -> str:
    """The one Python whose session also runs the tests marked ``realtime`` (several processes
    or servers spending real time: tests/conftest.py lists them): ``RATEKEEPER_FULL_PYTHON``,
    else the Python running nox (``.venv``'s, under scripts/test) when it is supported, else the
    newest supported Python found."""
    chosen = os.environ.get("RATEKEEPER_FULL_PYTHON")
    if chosen:
        return chosen
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running in PYTHONS:
        return running
    found = [v for v in PYTHONS if find_python(v) is not None]
    return found[-1] if found else running


def _wheel(session: nox.Session, workdir: Path) -> Path:
    """The wheel scripts/test built (``RATEKEEPER_DIST``), or one built here."""
    dist = os.environ.get("RATEKEEPER_DIST")
    if not dist:
        dist = str(workdir / "dist")
        session.run("python", "-m", "build", "--wheel", "--outdir", dist, str(ROOT), silent=True)
    wheels = sorted(Path(dist).glob("ratekeeper-*.whl"))
    if len(wheels) != 1:
        session.error(f"expected one ratekeeper wheel in {dist}, found {[w.name for w in wheels]}")
    return wheels[0]


def _check_wheel(session: nox.Session) -> None:
    """Install the wheel into a clean virtual environment outside the checkout, import it
    (with only its required dependencies, then with the demo's extras), run the demo."""
    workdir = Path(tempfile.mkdtemp(prefix="ratekeeper-wheel-"))
    try:
        wheel = _wheel(session, workdir)
        venv = workdir / "venv"
        # the session's python makes a venv of its base interpreter: nothing of .nox's
        session.run("python", "-m", "venv", str(venv), silent=True)
        py = str(venv / "bin" / "python")
        env = {"PYTHONPATH": "", "PYTHONSAFEPATH": "1"}
        pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        session.run(*pip, str(wheel), external=True, silent=True)
        where = (
            "import pathlib, sys, ratekeeper; "
            "f = pathlib.Path(ratekeeper.__file__).resolve(); "
            "assert f.is_relative_to(pathlib.Path(sys.prefix).resolve()), f; "
            "print('imported', ratekeeper.__version__, 'from', f.parent)"
        )
        with session.chdir(workdir):
            session.run(py, "-c", where, external=True, env=env)
            session.run(*pip, f"{wheel}[cli,mock,requests]", external=True, silent=True)
            session.run(
                str(venv / "bin" / "ratekeeper"), "demo", "--seconds", "3", "--venue", "mock", external=True, env=env
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """mypy --strict, the docs, the wheel from a clean venv, pytest (posargs go to pytest)."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/resolved.py")  # what pip chose on this Python
    session.run("mypy")
    site = tempfile.mkdtemp(prefix="ratekeeper-site-")
    try:
        session.run("mkdocs", "build", "--strict", "--quiet", "-d", site, env={"NO_MKDOCS_2_WARNING": "1"})
    finally:
        shutil.rmtree(site, ignore_errors=True)
    _check_wheel(session)
    # The realtime tests test the same code on every Python and cost most of the suite's time
    # (and its load-sensitive margins): one session runs them, the others everything else.
    args = list(session.posargs)
    if session.python != full_python() and not any(a == "-m" or a.startswith("-m") for a in args):
        session.log(f"realtime tests run on Python {full_python()} only: -m 'not realtime'")
        args = ["-m", "not realtime", *args]
    session.run("python", "-m", "pytest", *args)
