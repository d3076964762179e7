"""Speed on real pages: the command as users run it, and scoring alone, against trafilatura.

    python benchmarks/speed.py [--sets wcxb,dragnet] [--repeats 3] [--jobs-pages 2000]
                               [--json PATH]

On the ``test`` split of each set (``../shared/datasets`` or ``$BOILERPLATE_DATASETS``), as
HTML and as its text rendering (html-text, as the quality benchmark renders it), it measures:

- ``command``: ``boilerplate clean --format jsonl`` with its default options (two passes over
  the input, the site index, the per-page time limit, ``--jobs 1``) on the pages as one
  JSON-lines file, as a user runs it: wall time of the whole process, start-up included;
- ``in-process``: ``score_pages`` with a loaded model and no index, pinned to one CPU core;
- ``trafilatura``: ``trafilatura.extract`` on the same pages in the same process and core (for
  text, each page's blocks wrapped as ``<p>`` elements, as the quality benchmark feeds peers);

then ``boilerplate --help`` and ``--version``; the time from starting ``boilerplate clean
--format jsonl`` on a one-page file to its first output line; and ``--jobs 2`` against
``--jobs 1`` on ``--jobs-pages`` real pages (all splits of dragnet, cleaneval and l3s-gn1).
Every time is the fastest of ``--repeats`` runs, pages per second and MB per second (of the
input: HTML or text, UTF-8) are over it, and each of ours is also given as a ratio to
trafilatura's pages per second in this run, which carries across machines better than the
figures themselves. Peak memory over 1,000 and 10,000 pages is ``benchmarks/throughput.py``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

# Run from a checkout (``python benchmarks/speed.py``), where the package may not be installed.
CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from classifier.training.datasets import datasets_dir, iter_records  # noqa: E402

SETS_DEFAULT = ("wcxb", "dragnet")
#: Corpora whose pages (all splits) make the ``--jobs`` comparison.
JOBS_SETS = ("dragnet", "cleaneval", "l3s-gn1")
MODES = ("html", "text")


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Pin this process to one CPU core (where the OS allows), as the in-process figures are
    meant; subprocesses started afterwards get every core again."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def fastest(repeats: int, call: Callable[[], object]) -> float:
    """The fewest wall seconds ``call`` took over ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def load_pages(root: Path, name: str, splits: Sequence[str] = ("test",)
               ) -> list[dict[str, Any]]:
    """The pages of a set: id, URL, HTML and its text rendering (rendered here, untimed)."""
    from classifier.training.render import scraper_text

    return [{"id": r["id"], "url": r.get("url"), "html": r["html"],
             "text": scraper_text(r["html"])} for r in iter_records(root, (name,), splits)]


def write_jsonl(pages: Sequence[dict[str, Any]], mode: str, path: Path) -> None:
    """The pages as the command's JSON-lines input: ``id``, ``url`` and ``html`` or ``text``."""
    with open(path, "w", encoding="utf-8") as out:
        for page in pages:
            out.write(json.dumps({"id": page["id"], "url": page["url"], mode: page[mode]})
                      + "\n")


def command() -> list[str]:
    """How to start the ``boilerplate`` command of this checkout: the package as a module, run
    in the checkout (``CHECKOUT``), so that the figures are this code's whatever is installed."""
    return [sys.executable, "-m", "classifier"]


def run_command(args: Sequence[str], output: Path | None = None) -> None:
    """Run ``boilerplate ARGS`` to the end; a failure stops the benchmark."""
    with open(output or os.devnull, "wb") as out:
        done = subprocess.run([*command(), *args], stdout=out, stderr=subprocess.PIPE,
                              cwd=CHECKOUT)
    if done.returncode not in (0, 1):  # 1: some record had an error, which is not a failure
        raise SystemExit(f"boilerplate {' '.join(args)} exited with {done.returncode}: "
                         f"{done.stderr.decode(errors='replace')[-2000:]}")


def first_line_seconds(args: Sequence[str]) -> float:
    """Seconds from starting ``boilerplate ARGS`` to its first line of output."""
    started = time.perf_counter()
    with subprocess.Popen([*command(), *args], stdout=subprocess.PIPE, cwd=CHECKOUT,
                          stderr=subprocess.DEVNULL) as process:
        assert process.stdout is not None
        process.stdout.readline()
        seconds = time.perf_counter() - started
        process.stdout.read()
    return seconds


def rate(pages: int, megabytes: float, seconds: float, reference: float | None) -> dict[str, Any]:
    """Pages/s and MB/s over ``seconds``, and pages/s as a ratio to ``reference`` pages/s."""
    pages_per_second = pages / seconds
    return {"seconds": seconds, "pages_per_second": pages_per_second,
            "mb_per_second": megabytes / seconds,
            "vs_trafilatura": pages_per_second / reference if reference else None}


def measure_set(name: str, pages: list[dict[str, Any]], repeats: int, folder: Path
                ) -> list[dict[str, Any]]:
    """Every figure of one set, per mode."""
    from classifier import load_model

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    model = load_model()
    return [row for mode in MODES
            for row in measure_mode(name, mode, pages, model, repeats, folder)]


def measure_mode(name: str, mode: str, pages: list[dict[str, Any]], model: Any, repeats: int,
                 folder: Path) -> list[dict[str, Any]]:
    """trafilatura, ours in-process and the whole command on one set in one mode."""
    import trafilatura

    from classifier import make_page, score_pages
    from classifier.training.render import paragraphs_html

    raws = [page[mode] for page in pages]
    megabytes = sum(len(raw.encode("utf-8", "surrogatepass")) for raw in raws) / 1e6
    peer_inputs = raws if mode == "html" else [paragraphs_html(raw) for raw in raws]
    with one_core():
        peer = fastest(repeats, lambda: [trafilatura.extract(p) for p in peer_inputs])
        ours = fastest(repeats, lambda: list(score_pages(
            (make_page(raw, mode, id=str(i)) for i, raw in enumerate(raws)), model)))
    path = folder / f"{name}-{mode}.jsonl"
    write_jsonl(pages, mode, path)
    whole = fastest(repeats, lambda: run_command(
        ["clean", "--format", "jsonl", "--quiet", str(path)]))
    reference = len(pages) / peer
    return [{"set": name, "mode": mode, "system": system, "pages": len(pages),
             "megabytes": megabytes, **rate(len(pages), megabytes, seconds, reference)}
            for system, seconds in (("trafilatura", peer), ("in-process", ours),
                                    ("command", whole))]


def measure_start(page: dict[str, Any], repeats: int, folder: Path) -> dict[str, float]:
    """Seconds of ``--help``, ``--version`` and to the first record of a one-page run."""
    path = folder / "one-page.html"
    path.write_text(page["html"], encoding="utf-8")
    return {"help": fastest(repeats, lambda: run_command(["--help"])),
            "version": fastest(repeats, lambda: run_command(["--version"])),
            "first_record": min(first_line_seconds(["clean", "--format", "jsonl", str(path)])
                                for _ in range(repeats))}


def measure_jobs(root: Path, count: int, repeats: int, folder: Path) -> dict[str, Any]:
    """Wall seconds of the default run on ``count`` real pages with ``--jobs 1`` and ``2``."""
    records = []
    for record in iter_records(root, JOBS_SETS):
        records.append({"id": record["id"], "url": record.get("url"), "html": record["html"]})
        if len(records) == count:
            break
    path = folder / "jobs.jsonl"
    write_jsonl(records, "html", path)
    seconds = {jobs: fastest(repeats, lambda jobs=jobs: run_command(
        ["clean", "--format", "jsonl", "--quiet", "--jobs", str(jobs), str(path)]))
        for jobs in (1, 2)}
    return {"pages": len(records), "cpus": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "jobs_1_seconds": seconds[1], "jobs_2_seconds": seconds[2],
            "speed_up": seconds[1] / seconds[2]}


def report(results: dict[str, Any]) -> str:
    """The figures as a text report."""
    lines = ["set      mode  system       pages/s     MB/s  x trafilatura"]
    for row in results["sets"]:
        ratio = "" if row["system"] == "trafilatura" else f"{row['vs_trafilatura']:8.2f}x"
        lines.append(f"{row['set']:8s} {row['mode']:5s} {row['system']:11s} "
                     f"{row['pages_per_second']:8.1f} {row['mb_per_second']:8.2f}  {ratio}")
    start = results["start"]
    lines.append(f"boilerplate --help {start['help']:.3f} s, --version {start['version']:.3f} s, "
                 f"first record of a one-page run {start['first_record']:.3f} s")
    if "jobs" in results:
        jobs = results["jobs"]
        lines.append(f"{jobs['pages']} pages: --jobs 1 {jobs['jobs_1_seconds']:.1f} s, --jobs 2 "
                     f"{jobs['jobs_2_seconds']:.1f} s ({jobs['speed_up']:.2f}x, "
                     f"{jobs['cpus']} CPUs)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS_DEFAULT),
                        help="datasets whose test split is measured, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (fastest kept)")
    parser.add_argument("--jobs-pages", type=int, default=2000,
                        help="pages for the --jobs comparison (0: skip it)")
    parser.add_argument("--datasets", type=Path, default=None, help="the corpora folder")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    root = datasets_dir(args.datasets)
    results: dict[str, Any] = {"repeats": args.repeats, "python": platform.python_version(),
                               "cpus": os.cpu_count(), "sets": []}
    with tempfile.TemporaryDirectory(prefix="boilerplate-speed-") as tmp:
        folder = Path(tmp)
        first_page = None
        for name in args.sets.split(","):
            pages = load_pages(root, name)
            first_page = first_page or pages[0]
            results["sets"] += measure_set(name, pages, args.repeats, folder)
        assert first_page is not None
        results["start"] = measure_start(first_page, args.repeats, folder)
        if args.jobs_pages:
            results["jobs"] = measure_jobs(root, args.jobs_pages, args.repeats, folder)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
