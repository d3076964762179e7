"""Exit statuses: a record's error (1) is not a failed run (3), an interrupted one (130, 143)
or a closed pipe (141); a run that fails says why in one line, without a traceback, and leaves
no partial file behind. Signals and pipes are tested on real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classifier.cli import ExitStatus
from tests.clirun import STORY, interruptible, invoke
from tests.conftest import ROOT

SEED = str(ROOT / "data" / "seed-page.txt")


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "classifier", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """Enough JSON lines to keep a run busy for a while."""
    path = tmp_path_factory.mktemp("many") / "pages.jsonl"
    path.write_text("".join(json.dumps({"id": f"p{i}", "text": f"Story {i}. {STORY}"}) + "\n"
                            for i in range(20_000)))
    return path


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, ExitStatus.INTERRUPTED),
                                                (signal.SIGTERM, ExitStatus.TERMINATED)])
def test_issue15_interrupted_runs_exit_130_or_143_and_leave_no_file(tmp_path, many, signum,
                                                                    status):
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(_command("score", "--format", "jsonl", "-q", "--no-recurrence",
                                        "--time-limit", "0", "-o", str(out), str(many)),
                               stderr=subprocess.PIPE, env=_env(), preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.jsonl.*.tmp")):  # the run is writing its output
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == status
    assert b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_issue15_a_closed_pipe_exits_141_quietly(many):
    process = subprocess.Popen(_command("score", "--format", "jsonl", "-q", "--no-recurrence",
                                        "--time-limit", "0", str(many)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert process.stdout is not None
    assert json.loads(process.stdout.readline())["id"] == "p0"
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=300)
    assert process.returncode == ExitStatus.BROKEN_PIPE
    assert err == b""


@pytest.mark.parametrize("target", ["/dev/full", "not-a-folder/out.jsonl"])
def test_issue15_disk_full_or_a_path_that_cannot_be_written_exits_3_with_a_message(
        tmp_path, target):
    if target.startswith("not-a-folder"):
        (tmp_path / "not-a-folder").write_text("a file")
        target = str(tmp_path / target)
    if not os.path.exists("/dev/full") and target == "/dev/full":
        pytest.skip("no /dev/full")
    code, _, err = invoke("score", "--format", "jsonl", "--time-limit", "0", "-o", target, SEED)
    assert code == ExitStatus.RUN_FAILED
    assert err.startswith(f"Error: cannot write {target}: ")
    assert ("No space left on device" in err) == (target == "/dev/full")
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] in ([], ["not-a-folder"])


def test_issue15_stdout_on_a_full_disk_exits_3_quietly():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        completed = subprocess.run(_command("score", "--format", "jsonl", "-q", "--time-limit",
                                            "0", SEED),
                                   stdout=full, stderr=subprocess.PIPE, env=_env(), timeout=300,
                                   check=False)
    assert completed.returncode == ExitStatus.RUN_FAILED
    assert completed.stderr.decode() == "Error: cannot write stdout: No space left on device\n"


def test_record_errors_exit_1_usage_errors_2(tmp_path):
    code, _, _ = invoke("score", "--format", "jsonl", "-q", SEED, str(tmp_path / "missing"))
    assert code == ExitStatus.RECORD_ERRORS
    code, _, err = invoke("score", "--threshold", "2", SEED)
    assert code == ExitStatus.USAGE and "Traceback" not in err
