"""Every script in examples/ runs to completion, so none rots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, request: pytest.FixtureRequest) -> None:
    env = dict(os.environ)
    if "redis" in script.stem:  # the Redis examples read REDIS_URL: give them the suite's server
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
