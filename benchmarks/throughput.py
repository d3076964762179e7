"""Throughput and memory of ``boilerplate score`` on many pages, as users run it.

    python benchmarks/throughput.py [--pages 2000] [--memory-pages 1000,10000] [--jobs 1,2]
                                    [--json PATH]

Builds synthetic HTML pages (an article of its own per page, inside the navigation, share bar,
footer and disclaimer its site repeats) as one JSON-lines file, then runs the real command,
``python -m classifier score --format jsonl --quiet``, as a subprocess:

* speed: the same ``--pages`` input with each ``--jobs`` value, with ``--no-recurrence`` (one
  pass, each page alone) and with the default two passes and the site index; pages per second
  is pages over the command's wall time, start-up (imports, model, workers) included;
* memory: ``--jobs 1`` on inputs of each ``--memory-pages`` size; peak RSS is sampled every
  20 ms over the command's whole process tree (the command, its fork server and worker; needs
  psutil) and read exactly for the command's own process (``wait4``). Streaming with bounded
  queues keeps the peak flat apart from the site index: with ``--no-recurrence`` the largest
  input's peak should be within 20% of the smallest's; with the index, memory grows with the
  paragraphs indexed (each worker holds a copy).

Pages are generated, not read from the corpora, so the benchmark runs anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # the tree's peak is then not measured, the command's own still is
    psutil = None

WORDS = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
    "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
    "an", "they", "you", "were", "her", "she", "there", "been", "one", "all", "we", "their",
    "has", "would", "when", "market", "company", "said", "year", "government", "people",
    "report", "minister", "city", "court", "police", "new", "growth", "share", "price",
    "election", "council", "water", "school", "health", "energy", "plan", "study", "percent",
    "week", "month", "official", "statement", "investors", "analysts", "research", "hospital",
    "trade",
]
FOOTER = "About us | Contact | Careers | Advertise | Terms of use | Privacy policy"
DISCLAIMER = ("Disclaimer: the information on this website is provided for general information "
              "only and does not constitute financial, legal or medical advice. We accept no "
              "liability for any loss arising from reliance on it. © 2024 Example Media Group. "
              "All rights reserved.")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def page_html(rng: random.Random, number: int) -> str:
    """One page: navigation, a headline, 4-10 article paragraphs, share bar, footer."""
    paragraphs = "\n".join(f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"
                           for _ in range(rng.randint(4, 10)))
    return (f"<html><head><title>Story {number}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>{sentence(rng)}</h1>{paragraphs}</article>"
            f"<div class='share'>Share on Facebook | Share on X | Email</div>"
            f"<footer><p>{FOOTER}</p><p class='disclaimer'>{DISCLAIMER}</p></footer>"
            f"</body></html>")


def write_pages(path: Path, count: int, seed: int = 0) -> None:
    """``count`` pages as JSON lines ``{"id", "url", "html"}``."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            record = {"id": f"p{i}", "url": f"https://news{i % 20}.example.com/{i}",
                      "html": page_html(rng, i)}
            out.write(json.dumps(record) + "\n")


def _tree_rss(pid: int) -> int:
    """RSS of ``pid`` and its descendants (bytes); 0 once it has ended."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # it may have ended since
            total += process.memory_info().rss
    return total


def run_score(input_path: Path, jobs: int, output: Path, recurrence: bool) -> dict[str, float]:
    """Run the command once; wall seconds, peak RSS of its process (and of its tree) in MB."""
    command = [sys.executable, "-m", "classifier", "score", "--format", "jsonl", "--quiet",
               "--jobs", str(jobs), "-o", str(output), str(input_path),
               "--recurrence" if recurrence else "--no-recurrence"]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if psutil is not None:
        sampler.start()
    # wait4, not Popen.wait: it gives this child's own resource usage, peak RSS included.
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    if psutil is not None:
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return {"seconds": wall, "rss_mb": usage.ru_maxrss * scale / 2**20,
            "tree_rss_mb": peak_tree / 2**20}


def _mode(recurrence: bool) -> str:
    return "with the site index" if recurrence else "--no-recurrence"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages for the speed runs")
    parser.add_argument("--memory-pages", default="1000,10000",
                        help="input sizes (pages) for the memory runs, comma-separated")
    parser.add_argument("--jobs", default="1,2", help="--jobs values to time, comma-separated")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args()
    numbers: dict = {"cpus": os.cpu_count(), "pages": args.pages, "speed": [], "memory": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        output = folder / "out.jsonl"
        speed_input = folder / "speed.jsonl"
        write_pages(speed_input, args.pages)
        print(f"speed: {args.pages} pages ({speed_input.stat().st_size / 2**20:.1f} MB of JSON "
              f"lines), {os.cpu_count()} CPUs")
        for recurrence in (False, True):
            for jobs in (int(j) for j in args.jobs.split(",")):
                result = run_score(speed_input, jobs, output, recurrence)
                numbers["speed"].append({"jobs": jobs, "recurrence": recurrence, **result,
                                         "pages_per_second": args.pages / result["seconds"]})
                print(f"  {_mode(recurrence)}, --jobs {jobs}: "
                      f"{args.pages / result['seconds']:7.1f} pages/s ({result['seconds']:.1f} s)")
        sizes = [int(n) for n in args.memory_pages.split(",")]
        print("memory (--jobs 1): peak RSS of the command / of its process tree")
        for size in sizes:
            write_pages(folder / f"memory-{size}.jsonl", size)
        for recurrence in (False, True):
            peaks = []
            for size in sizes:
                result = run_score(folder / f"memory-{size}.jsonl", 1, output, recurrence)
                peaks.append(result)
                numbers["memory"].append({"pages": size, "recurrence": recurrence, **result,
                                          "pages_per_second": size / result["seconds"]})
                print(f"  {_mode(recurrence)}, {size:6d} pages: {result['rss_mb']:6.1f} MB / "
                      f"{result['tree_rss_mb']:6.1f} MB  ({size / result['seconds']:.1f} pages/s)")
            first, last = peaks[0], peaks[-1]
            print(f"  {_mode(recurrence)}, ratio {sizes[-1]} / {sizes[0]} pages: "
                  f"{last['rss_mb'] / first['rss_mb']:.2f} (command), "
                  f"{last['tree_rss_mb'] / max(first['tree_rss_mb'], 1e-9):.2f} (tree)")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
