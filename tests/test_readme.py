"""The README's Python example runs as printed, so it cannot drift from the library."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def readme_example() -> str:
    """The first ``python`` code block of the README's "Python API" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the Python API section"
    return match.group(1)


def test_readme_python_example_runs(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(readme_example(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert out.startswith("Council approves the new river bridge\n\nThe city council voted")
    assert "All rights reserved" not in out and "Home" not in out
    assert "  [ad_1]" in out and "  Stock Groups" in out
    assert out.rstrip().splitlines()[-1].startswith("200 pages, ")
    assert " 0 errors, " in out


def test_ci_runs_the_quick_start_test_command_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("\n## Quick start\n", 1)[1]
    match = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert match, "no sh block in the Quick start section"
    commands = match.group(1).strip().splitlines()
    assert len(commands) == 2
    assert commands[0].endswith("boilerplate clean data/seed-page.txt")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci and commands[1].endswith("python3 -m pytest")
