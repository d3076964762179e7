"""ruff and mypy, as configured in pyproject.toml, run with the tests (so CI runs them)."""

import subprocess
import sys

from tests.conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_is_clean():
    result = _run("ruff", "check", "classifier", "tests", "benchmarks", "notebooks", "docs")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = _run("mypy", "classifier")
    assert result.returncode == 0, result.stdout + result.stderr
