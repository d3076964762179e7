"""Cost per paragraph of a page of many tiny paragraphs: CPU time and peak memory.

    python benchmarks/speed_paragraphs.py [--paragraphs 1000000] [--kinds letters,numbers]
                                          [--no-command] [--json PATH]

A hostile (or merely odd) text page can hold a million paragraphs of a character or two
(``a``, blank line, ``b``, blank line...: 3 MB), and a page at the command's 20 MB
``--max-bytes`` limit several million. For each kind of page (``letters``: one letter each,
26 distinct texts; ``numbers``: every paragraph a different number), it measures, each in a
fresh process so that peak memory is the page's alone:

- ``in-process``: ``score_text`` of the page with a loaded model (after a warm-up page): CPU
  seconds, and the growth of peak RSS over the process's RSS before the page;
- ``command``: ``boilerplate clean --format jsonl --site example.org --time-limit 0`` on the
  page as a file (the default two passes with the site index; no time limit, so that the page
  is scored however long it takes): CPU seconds of the whole command (start-up included) and
  the peak RSS of its largest process.

Both are also given per paragraph (microseconds, bytes). CPU time is measured, not wall time,
so the figures hold on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run from a checkout (``python benchmarks/speed_paragraphs.py``), where the package may not be
# installed.
CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

KINDS = ("letters", "numbers")
PARAGRAPHS_DEFAULT = 1_000_000


def page_text(kind: str, paragraphs: int) -> str:
    """A text page of ``paragraphs`` tiny paragraphs separated by blank lines."""
    if kind == "letters":
        texts = (string.ascii_lowercase[i % 26] for i in range(paragraphs))
    elif kind == "numbers":
        texts = (str(i) for i in range(paragraphs))
    else:
        raise SystemExit(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    return "\n\n".join(texts)


def _peak_rss_bytes(who: int) -> int:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale


def _current_rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def in_process(kind: str, paragraphs: int) -> dict[str, Any]:
    """``score_text`` of one page in this process: CPU seconds and peak RSS growth (bytes)."""
    from classifier import load_model, score_text

    model = load_model()
    score_text("A warm-up page.\n\nIts second paragraph, a little longer than the first.",
               model=model)
    raw = page_text(kind, paragraphs)
    before = _current_rss_bytes()
    started = time.process_time()
    page = score_text(raw, model=model)
    seconds = time.process_time() - started
    growth = _peak_rss_bytes(resource.RUSAGE_SELF) - before
    if page.error is not None or len(page.paragraphs) != paragraphs:
        raise SystemExit(f"the page was not scored whole: {page.error}, "
                         f"{len(page.paragraphs)} paragraphs")
    return {"cpu_seconds": seconds, "peak_rss_growth": growth}


def command(kind: str, paragraphs: int, folder: Path) -> dict[str, Any]:
    """The whole command on the page as a file: CPU seconds and peak RSS (bytes)."""
    path = folder / f"{kind}.txt"
    path.write_text(page_text(kind, paragraphs), encoding="utf-8")
    # The package of this checkout (``-m`` finds it in the working directory).
    args = [sys.executable, "-m", "classifier", "clean", "--format", "jsonl", "--quiet",
            "--site", "example.org", "--time-limit", "0", str(path)]
    # A fresh process measures the command alone (RUSAGE_CHILDREN covers every child so far).
    code = ("import resource, subprocess, sys, time\n"
            f"done = subprocess.run({args!r}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss, done.returncode)\n"
            "sys.stderr.write(done.stderr.decode(errors='replace')[-2000:])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=CHECKOUT)
    cpu, maxrss, status = done.stdout.split()
    if status != "0":
        raise SystemExit(f"boilerplate exited with {status}: {done.stderr}")
    scale = 1 if sys.platform == "darwin" else 1024
    return {"cpu_seconds": float(cpu), "peak_rss": int(maxrss) * scale}


def measure(kind: str, paragraphs: int, with_command: bool) -> dict[str, Any]:
    """Every figure of one kind of page, each from a fresh process."""
    row: dict[str, Any] = {"kind": kind, "paragraphs": paragraphs,
                           "megabytes": len(page_text(kind, paragraphs)) / 1e6}
    done = subprocess.run([sys.executable, __file__, "--child", kind,
                           "--paragraphs", str(paragraphs)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"in-process measurement failed: {done.stderr[-2000:]}")
    row["in_process"] = json.loads(done.stdout)
    if with_command:
        with tempfile.TemporaryDirectory(prefix="boilerplate-paragraphs-") as folder:
            row["command"] = command(kind, paragraphs, Path(folder))
    return row


def report(rows: list[dict[str, Any]]) -> str:
    """The figures as a text report."""
    lines = ["kind     paragraphs     MB  measure      CPU s  µs/paragraph  peak MB  B/paragraph"]
    for row in rows:
        n = row["paragraphs"]
        for name, memory in (("in_process", "peak_rss_growth"), ("command", "peak_rss")):
            if name not in row:
                continue
            figures = row[name]
            lines.append(f"{row['kind']:8s} {n:10d} {row['megabytes']:6.1f}  {name:10s} "
                         f"{figures['cpu_seconds']:7.2f} {figures['cpu_seconds'] / n * 1e6:13.1f} "
                         f"{figures[memory] / 1e6:8.0f} {figures[memory] / n:12.0f}")
    lines.append("(in_process: peak RSS growth while scoring; command: peak RSS of the command)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=PARAGRAPHS_DEFAULT,
                        help="paragraphs per page")
    parser.add_argument("--kinds", default=",".join(KINDS), help="kinds of page, comma-separated")
    parser.add_argument("--no-command", action="store_true",
                        help="measure in-process scoring only, not the whole command")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(in_process(args.child, args.paragraphs)))
        return
    rows = [measure(kind, args.paragraphs, not args.no_command)
            for kind in args.kinds.split(",")]
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
