"""Quality and speed of our boilerplate remover and its peers on the public corpora.

    python benchmarks/quality.py [--only-peers] [--limit N] [--json PATH] [--modes html,text] ...

Quality is bag-of-words token precision, recall and F1 against ``gold_text``
(``classifier.evaluation``), averaged over the pages of one split of each corpus. The headline
figure is the mean of the per-corpus means over ``HEADLINE_DATASETS``; readability's few test
pages and WCXB's modern pages are reported apart, WCXB also per page type (article, forum,
product...).

Modes:

* ``html``: every extractor gets the page HTML; "keep everything" is the page's text rendering.
* ``text``: the page is first rendered to text (``html_text``, blank lines between blocks),
  once, up front. Our extractor gets that text; peers, which only read HTML, get it wrapped as
  one ``<p>`` per block; "keep everything" outputs the rendering unchanged.

Ours runs twice: each page alone (``ours``), and as a run over many pages does by default
(``ours-site-index``): a site index over all the split's pages first, so pages of one site
(dragnet's and L3S-GN1's news sites) share recurrence evidence; its time includes the index.

Speed: all extractors run one after another in this one process, pinned to a single CPU core
where the OS allows, on the same pages in the same order. Pages per second is the number of
pages over the summed wall time of the extractor calls alone: reading, rendering and wrapping
the inputs and scoring the outputs are not timed. Each speed is also given as a ratio to
trafilatura's (default settings) in the same run, which is more comparable across machines.

A peer that raises, returns None or exceeds the per-page time limit yields an empty
extraction (scoring 0) and counts as a failure; our extractor's errors are not caught.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# The script runs from a checkout (``python benchmarks/quality.py``), where neither the package
# nor this folder is installed; make both importable the same way however it is started.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.peers import (
    PEERS,
    PageExtractor,
    render_text,
    versions,
)
from classifier.evaluation import Score, mean_scores, token_scores
from classifier.training.datasets import (
    DATASETS,
    HEADLINE_DATASETS,
    datasets_dir,
    iter_records,
)
from classifier.training.render import paragraphs_html

MODES = ("html", "text")
OURS = "ours"
#: Ours as a run over many pages uses it by default: the site index built over all the run's
#: pages first (pages of one site sharing evidence), then every page scored with it.
OURS_INDEX = "ours-site-index"
KEEP_EVERYTHING = "keep-everything"
#: The extractor every speed is compared with.
REFERENCE = "trafilatura"
EXTRACTORS = (OURS, OURS_INDEX, *PEERS, KEEP_EVERYTHING)
#: Corpora reported apart from the headline mean (too few test pages to average in, or of
#: another era: WCXB's pages are from 2025-26).
APART_DATASETS = tuple(name for name in DATASETS if name not in HEADLINE_DATASETS)
#: The page-type column holding the mean over every page that has a type.
ALL_TYPES = "all"


@dataclass(frozen=True)
class Page:
    """One evaluated page: its input in both modes and its gold text."""

    dataset: str
    url: str | None
    html: str
    text: str
    gold: str
    page_type: str | None = None


@dataclass
class Run:
    """What one extractor produced over all pages of one mode."""

    outputs: list[str]
    #: Wall time of the extractor calls; None when there is nothing to time (identity).
    seconds: float | None
    #: Failure reason (exception type name, ``None`` or ``timeout``) -> pages.
    failures: Counter[str] = field(default_factory=Counter)


@dataclass
class Result:
    """Scores and speed of one extractor in one mode."""

    extractor: str
    mode: str
    datasets: dict[str, Score]
    headline: Score | None
    pages: int
    seconds: float | None
    failures: dict[str, int]
    #: Mean scores per page type of the corpora that have them (WCXB), and ``all`` of them.
    page_types: dict[str, Score] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float | None:
        """Pages over the time of the extractor calls (None when untimed or too fast to time)."""
        return self.pages / self.seconds if self.seconds else None


class PageTimeout(BaseException):
    """A peer ran past the per-page time limit.

    A BaseException so that a peer's own ``except Exception`` cannot swallow it.
    """


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeout in the block after ``seconds`` of wall time (0: no limit).

    Uses SIGALRM, so it fires only between Python bytecodes: a peer stuck inside C code is
    stopped when it returns to Python.
    """
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pin_to_one_core() -> str:
    """Pin this process to one CPU core where supported; say what was done, for the report."""
    # Thread pools (BLAS, OpenMP) read these when first loaded, which for our model is later.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this OS); run on an idle machine"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU core {core}"


def load_pages(root: Path, split: str, limit: int | None) -> list[Page]:
    """The pages of ``split`` of every corpus (the first ``limit`` of each), rendered to text.

    Rendering happens here, once, so that no extractor's text-mode time includes it.
    """
    pages: list[Page] = []
    taken: Counter[str] = Counter()
    for record in iter_records(root, DATASETS, (split,)):
        name = record["dataset"]
        if limit is not None and taken[name] >= limit:
            continue
        taken[name] += 1
        pages.append(Page(name, record.get("url"), record["html"], render_text(record["html"]),
                          record["gold_text"], record.get("page_type")))
    return pages


def run_peer(extract: PageExtractor, inputs: Sequence[str], timeout: float) -> Run:
    """Run a peer page by page, turning errors, None and timeouts into empty extractions."""
    outputs: list[str] = []
    failures: Counter[str] = Counter()
    seconds = 0.0
    for page_input in inputs:
        output: str | None = None
        start = time.perf_counter()
        try:
            with time_limit(timeout):
                output = extract(page_input)
        except PageTimeout:
            failures["timeout"] += 1
        except Exception as error:  # noqa: BLE001 - any peer error is one failed page
            failures[type(error).__name__] += 1
        else:
            if output is None:
                failures["None"] += 1
        seconds += time.perf_counter() - start
        outputs.append(output or "")
    return Run(outputs, seconds, failures)


def run_ours(model: Any, inputs: list[str], kind: str, urls: list[str | None] | None = None
             ) -> Run:
    """Run our extractor over all pages in one call (it batches internally). With ``urls``,
    as a run with recurrence does: the site index over all pages first, then the scoring."""
    from classifier.api import clean_many, clean_page
    from classifier.runner import RunOptions, build_index, run
    from classifier.sites import make_page

    start = time.perf_counter()
    if urls is None:
        outputs = clean_many(inputs, kind=kind, model=model)
    else:
        def pages() -> Iterator[Any]:
            for i, (raw, url) in enumerate(zip(inputs, urls, strict=True)):
                yield make_page(raw, kind, id=str(i), url=url)

        in_process = RunOptions(jobs=1, time_limit=None)
        index = build_index(pages(), run_options=in_process)
        outputs = [clean_page(page) for page in run(pages(), model, None, in_process, index)]
    seconds = time.perf_counter() - start
    if len(outputs) != len(inputs):
        raise RuntimeError(f"{len(outputs)} texts for {len(inputs)} pages")
    return Run(list(outputs), seconds)


def load_ours() -> tuple[Any, float]:
    """Our shipped default model and the seconds it took to load."""
    try:
        from classifier.api import load_model
    except ImportError as error:
        sys.exit(f"cannot import our extractor ({error}); run with --only-peers")
    start = time.perf_counter()
    model = load_model()
    return model, time.perf_counter() - start


def timed_run(name: str, mode: str, pages: list[Page], model: Any, timeout: float,
              repeats: int) -> Run:
    """``run_extractor`` ``repeats`` times: the first run's outputs and failures, and the
    fastest run's time (on a shared machine, other work only ever adds time)."""
    run = run_extractor(name, mode, pages, model, timeout)
    if run.seconds is not None:  # else nothing is timed (the identity)
        again = [run_extractor(name, mode, pages, model, timeout).seconds
                 for _ in range(repeats - 1)]
        run.seconds = min(t for t in (run.seconds, *again) if t is not None)
    return run


def run_extractor(name: str, mode: str, pages: list[Page], model: Any, timeout: float) -> Run:
    """Run extractor ``name`` in ``mode`` over ``pages``, feeding it that mode's input."""
    urls = [page.url for page in pages] if name == OURS_INDEX else None
    if mode == "html":
        inputs = [page.html for page in pages]
        if name in (OURS, OURS_INDEX):
            return run_ours(model, inputs, "html", urls)
        if name == KEEP_EVERYTHING:
            return run_peer(render_text, inputs, timeout)
        return run_peer(PEERS[name], inputs, timeout)
    texts = [page.text for page in pages]
    if name in (OURS, OURS_INDEX):
        return run_ours(model, texts, "text", urls)
    if name == KEEP_EVERYTHING:
        return Run(texts, None)
    # Wrapped here, untimed, like the rendering: it is input preparation, not extraction.
    return run_peer(PEERS[name], [paragraphs_html(text) for text in texts], timeout)


def score_run(name: str, mode: str, pages: list[Page], run: Run) -> Result:
    """Per-corpus mean scores of a run, the headline mean over HEADLINE_DATASETS, and the
    means per page type (``all``: every page with a type)."""
    by_dataset: dict[str, list[Score]] = {}
    by_type: dict[str, list[Score]] = {}
    for page, output in zip(pages, run.outputs, strict=True):
        score = token_scores(output, page.gold)
        by_dataset.setdefault(page.dataset, []).append(score)
        if page.page_type:
            by_type.setdefault(page.page_type, []).append(score)
            by_type.setdefault(ALL_TYPES, []).append(score)
    datasets = {dataset: mean_scores(scores) for dataset, scores in by_dataset.items()}
    page_types = {name: mean_scores(by_type[name]) for name in sorted(by_type, key=_type_order)}
    headline = None
    if all(dataset in datasets for dataset in HEADLINE_DATASETS):
        # Each corpus weighs the same, however many test pages it has.
        headline = mean_scores([datasets[dataset] for dataset in HEADLINE_DATASETS])
    return Result(name, mode, datasets, headline, len(pages), run.seconds,
                  dict(sorted(run.failures.items())), page_types)


def _type_order(name: str) -> tuple[bool, str]:
    return name == ALL_TYPES, name


def speed_ratio(result: Result, results: list[Result]) -> float | None:
    """``result``'s pages per second over trafilatura's in the same mode (None if not run)."""
    reference = next((r for r in results if r.extractor == REFERENCE and r.mode == result.mode),
                     None)
    if reference is None or result.pages_per_second is None or not reference.pages_per_second:
        return None
    return result.pages_per_second / reference.pages_per_second


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table cell; an em dash when missing."""
    return "—" if value is None else f"{value:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table, first column left-aligned and the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "| --- |" + " ---: |" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def failures_cell(failures: dict[str, int]) -> str:
    """Failures as ``total (reason count, ...)``."""
    if not failures:
        return "0"
    reasons = ", ".join(f"{reason} {count}" for reason, count in failures.items())
    return f"{sum(failures.values())} ({reasons})"


def pr_cell(score: Score | None) -> str:
    """Precision and recall for a table cell."""
    return "—" if score is None else f"{score.precision:.3f} / {score.recall:.3f}"


def quality_tables(results: list[Result], mode: str, datasets: list[str]) -> list[str]:
    """The F1 table and the precision/recall table of one mode."""
    mode_results = [r for r in results if r.mode == mode]
    headline = [d for d in datasets if d in HEADLINE_DATASETS]
    apart = [d for d in datasets if d in APART_DATASETS]
    header = ["extractor"] + headline + ["headline mean"] + [f"{d} (apart)" for d in apart]
    f1_rows = [[r.extractor] + [fmt(r.datasets[d].f1) for d in headline]
               + [f"**{fmt(r.headline.f1)}**" if r.headline else "—"]
               + [fmt(r.datasets[d].f1) for d in apart] + [failures_cell(r.failures)]
               for r in mode_results]
    pr_rows = [[r.extractor] + [pr_cell(r.datasets[d]) for d in headline] + [pr_cell(r.headline)]
               + [pr_cell(r.datasets[d]) for d in apart]
               for r in mode_results]
    return [f"## Quality, {mode} mode: token F1", "", *table([*header, "failed pages"], f1_rows),
            "", f"## Quality, {mode} mode: token precision / recall", "",
            *table(header, pr_rows), ""]


def page_type_tables(results: list[Result], mode: str) -> list[str]:
    """F1 and precision / recall per page type of one mode (nothing when no page has a type)."""
    mode_results = [r for r in results if r.mode == mode and r.page_types]
    if not mode_results:
        return []
    types = list(mode_results[0].page_types)
    header = ["extractor", *types]
    f1_rows = [[r.extractor] + [fmt(r.page_types[t].f1) if t in r.page_types else "—"
                                for t in types] for r in mode_results]
    pr_rows = [[r.extractor] + [pr_cell(r.page_types.get(t)) for t in types]
               for r in mode_results]
    return [f"## Quality per page type (WCXB), {mode} mode: token F1", "",
            *table(header, f1_rows), "",
            f"## Quality per page type (WCXB), {mode} mode: token precision / recall", "",
            *table(header, pr_rows), ""]


def speed_table(results: list[Result], modes: list[str]) -> list[str]:
    """Pages per second of every extractor in every mode, with the ratio to trafilatura."""
    names = list(dict.fromkeys(r.extractor for r in results))
    header = ["extractor"]
    for mode in modes:
        header += [f"{mode} pages/s", f"{mode} vs {REFERENCE}"]
    rows = []
    for name in names:
        row = [name]
        for mode in modes:
            result = next(r for r in results if r.extractor == name and r.mode == mode)
            row += [fmt(result.pages_per_second, 1), fmt(speed_ratio(result, results), 2)]
        rows.append(row)
    return ["## Speed (one core, sequential)", "", *table(header, rows), ""]


def report(results: list[Result], meta: dict[str, Any], modes: list[str]) -> str:
    """The markdown report."""
    datasets = [d for d in DATASETS if d in meta["pages"]]
    pages = ", ".join(f"{d} {n}" for d, n in meta["pages"].items())
    load = meta["model_load_seconds"]
    lines = ["# Boilerplate removal benchmark", "",
             f"- split `{meta['split']}`, pages per corpus: {pages}"
             + (f" (first {meta['limit']} of each)" if meta["limit"] is not None else ""),
             f"- headline mean = mean of the per-corpus means over {', '.join(HEADLINE_DATASETS)}",
             (f"- speed: {meta['cpu']}; extractor calls only, the fastest of {meta['repeats']} "
              "runs; untimed: keep-everything in text mode (its output is its input)"),
             f"- model load time: {fmt(load, 2) + ' s' if load is not None else 'not loaded'}",
             f"- per-page time limit for peers: {meta['timeout']} s",
             "- Python " + meta["python"] + "; "
             + ", ".join(f"{p} {v}" for p, v in meta["versions"].items()), ""]
    for mode in modes:
        lines += quality_tables(results, mode, datasets)
        lines += page_type_tables(results, mode)
    lines += speed_table(results, modes)
    if any(r.mode == "text" for r in results):
        lines += [("In text mode peers read the rendering wrapped as one `<p>` per block; the "
                   "wrapping is not timed."), ""]
    return "\n".join(lines)


def to_json(results: list[Result], meta: dict[str, Any]) -> dict[str, Any]:
    """Every number of the report, for regenerating the README results."""
    modes: dict[str, dict[str, Any]] = {}
    for r in results:
        modes.setdefault(r.mode, {})[r.extractor] = {
            "datasets": {d: asdict(s) for d, s in r.datasets.items()},
            "headline": asdict(r.headline) if r.headline else None,
            "pages": r.pages,
            "seconds": r.seconds,
            "pages_per_second": r.pages_per_second,
            "speed_ratio_to_trafilatura": speed_ratio(r, results),
            "failures": r.failures,
            "page_types": {t: asdict(s) for t, s in r.page_types.items()},
        }
    return {**meta, "headline_datasets": list(HEADLINE_DATASETS), "results": modes}


def names_option(value: str, allowed: Sequence[str], what: str) -> list[str]:
    """A comma-separated option as a list, in the order given, checked against ``allowed``."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        given = ", ".join(unknown) or "(none given)"
        raise argparse.ArgumentTypeError(
            f"unknown {what} {given}; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets-dir", help="folder of the *.jsonl.gz corpora "
                        "(default: $BOILERPLATE_DATASETS or ../shared/datasets)")
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--modes", default=",".join(MODES),
                        type=lambda v: names_option(v, MODES, "mode"),
                        help="comma list of html,text (default: both)")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS),
                        type=lambda v: names_option(v, EXTRACTORS, "extractor"),
                        help="comma list, run in the given order "
                        f"(default: {','.join(EXTRACTORS)})")
    parser.add_argument("--limit", type=int, help="only the first N pages of each corpus")
    parser.add_argument("--only-peers", action="store_true",
                        help="skip our extractor (and loading its model)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="per-page time limit for peers in seconds, 0 for none (default: 60)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs per extractor and mode; the fastest counts, as with "
                        "timeit, whose default this is (default 5)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if args.only_peers:
        args.extractors = [name for name in args.extractors if name not in (OURS, OURS_INDEX)]
    if not args.extractors:
        parser.error("no extractor left to run")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the report."""
    args = parse_args(argv)
    cpu = pin_to_one_core()
    pages = load_pages(datasets_dir(args.datasets_dir), args.split, args.limit)
    ours = {OURS, OURS_INDEX} & set(args.extractors)
    model, load_seconds = load_ours() if ours else (None, None)
    if load_seconds is not None:
        print(f"model load time: {load_seconds:.2f} s", file=sys.stderr)

    results = []
    for mode in args.modes:
        for name in args.extractors:
            run = timed_run(name, mode, pages, model, args.timeout, args.repeats)
            results.append(score_run(name, mode, pages, run))
            took = "untimed" if run.seconds is None else f"{run.seconds:.1f} s"
            print(f"{mode:4} {name:24} {len(pages)} pages, {took}, "
                  f"failures {failures_cell(results[-1].failures)}", file=sys.stderr)

    meta = {"split": args.split, "limit": args.limit,
            "pages": dict(Counter(page.dataset for page in pages)),
            "cpu": cpu, "timeout": args.timeout, "repeats": args.repeats,
            "model_load_seconds": load_seconds,
            "python": platform.python_version(), "versions": versions()}
    print(report(results, meta, args.modes))
    if args.json:
        args.json.write_text(json.dumps(to_json(results, meta), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
