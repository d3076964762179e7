"""Running ``boilerplate score`` / ``clean`` through click's runner, for the I/O tests."""

from __future__ import annotations

import json
import signal
from typing import Any

from click.testing import CliRunner

from classifier.cli import main

#: Text that the shipped model reads as a story paragraph.
STORY = ("The city council voted on Tuesday to approve a new pedestrian bridge across the river, "
         "ending years of debate over how the two halves of the old town should be joined.")


def invoke(*args: str, input: bytes | str | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one run; a crash (anything but ``sys.exit``) fails."""
    result = CliRunner().invoke(main, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def score_records(*args: str, input: bytes | str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and the JSON-lines records of ``score --format jsonl --quiet ARGS``."""
    code, out, _ = invoke("score", "--format", "jsonl", "--quiet", *args, input=input)
    return code, [json.loads(line) for line in out.splitlines()]


def assert_scored(record: dict[str, Any], id: str | None = None) -> None:
    """``record`` is a page that came through whole: no error, labelled paragraphs."""
    assert "error" not in record, record.get("error")
    if id is not None:
        assert record["id"] == id
    assert record["paragraphs"], record
    assert all(p["label"] and 0.0 <= p["score"] <= 1.0 for p in record["paragraphs"])


def interruptible() -> None:
    """``preexec_fn`` of a command the tests interrupt: SIGINT at its default, as a terminal's
    foreground command has it (a shell starts background jobs, a CI step's too, with SIGINT
    ignored, which a child would inherit, and Python then raises no KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
