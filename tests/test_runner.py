"""The batch runner: input order, bounded read-ahead, the time limit, crashes, the summary.

Trouble is injected through a model whose pipeline misbehaves on paragraphs with a marker
word, and which workers receive like any other model.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from classifier.api import ScoringOptions
from classifier.artifact import Model, save_model
from classifier.document import InputKind, Page
from classifier.labels import Label
from classifier.runner import CHUNKS_PER_JOB, RunOptions, run
from classifier.summary import Summary
from tests.clirun import STORY, assert_scored, score_records


class Sabotaged:
    """The shipped pipeline, except on a batch holding SLEEP (hangs), CRASH (the process dies
    at once) or RAISE (an exception)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.classes_ = pipeline.classes_

    def predict_proba(self, table):
        words = set(" ".join(table["text"]).split())
        if "SLEEP" in words:
            time.sleep(3600)
        if "CRASH" in words:
            os.kill(os.getpid(), signal.SIGKILL)
        if "RAISE" in words:
            raise RuntimeError("sabotaged")
        return self.pipeline.predict_proba(table)


@pytest.fixture(scope="module")
def sabotaged(model) -> Model:
    return Model(pipeline=Sabotaged(model.pipeline), card=model.card)


def pages(count: int, trouble: dict[int, str] | None = None) -> list[Page]:
    trouble = trouble or {}
    return [Page(id=f"p{i}", raw=f"{trouble.get(i, '')} Story {i}. {STORY}\n\nMore of it.",
                 kind=InputKind.TEXT) for i in range(count)]


def test_two_jobs_give_the_same_pages_in_input_order(model):
    options = ScoringOptions(batch_pages=8)
    alone = list(run(pages(100), model, options, RunOptions(jobs=1, time_limit=None)))
    pooled = list(run(pages(100), model, options, RunOptions(jobs=2)))
    assert [p.id for p in pooled] == [f"p{i}" for i in range(100)]
    assert [[(q.label, q.content_probability) for q in p.paragraphs] for p in pooled] == [
        [(q.label, q.content_probability) for q in p.paragraphs] for p in alone]


def test_workers_score_after_the_parent_ran_openmp_threads(model):
    # Workers are forked on Linux. A forked child hangs in a parallel region with several
    # OpenMP threads once its parent ran one, but workers score with one thread: a parent that
    # trained boosted trees on two threads still gets every page scored, none timed out.
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    features = np.random.default_rng(0).random((5000, 8))
    with threadpool_limits(2, user_api="openmp"):
        HistGradientBoostingClassifier(max_iter=5).fit(features, features[:, 0] > 0.5)
    scored = list(run(pages(3), model, run_options=RunOptions(jobs=1, time_limit=20)))
    assert [p.error for p in scored] == [None] * 3
    assert all(p.paragraphs and p.paragraphs[0].label is not None for p in scored)


@pytest.mark.parametrize("jobs", [1, 2])
def test_read_ahead_is_bounded(model, jobs):
    pulled = 0

    def source() -> Iterator[Page]:
        nonlocal pulled
        for page in pages(60):
            pulled += 1
            yield page

    ahead = 0
    for written, _ in enumerate(run(source(), model, ScoringOptions(batch_pages=4),
                                    RunOptions(jobs=jobs)), start=1):
        ahead = max(ahead, pulled - written)
    assert ahead < jobs * CHUNKS_PER_JOB * 4


def _trouble(results: list[Page], index: int) -> str:
    for page in results[:index] + results[index + 1:]:
        assert page.error is None and page.paragraphs and page.paragraphs[0].label
    assert results[index].paragraphs == []
    return results[index].error or ""


def test_time_limit_stops_a_stuck_page(sabotaged):
    started = time.monotonic()
    results = list(run(pages(10, {6: "SLEEP"}), sabotaged, ScoringOptions(batch_pages=4),
                       RunOptions(jobs=1, time_limit=2.0)))
    # The stuck chunk runs out its limit once whole and once for the stuck page alone: the
    # run ends long before the hour the page would sleep (a loose bound: this is not a speed
    # test, and a busy machine may take far longer than the 4 s of limits to start workers).
    assert time.monotonic() - started < 600
    assert [p.id for p in results] == [f"p{i}" for i in range(10)]
    assert _trouble(results, 6).startswith("time limit exceeded: still running after 2 s")


def test_a_crashing_worker_costs_one_page(sabotaged):
    results = list(run(pages(10, {3: "CRASH"}), sabotaged, ScoringOptions(batch_pages=4),
                       RunOptions(jobs=2)))
    assert _trouble(results, 3) == f"worker process died (exit code -{signal.SIGKILL})"


@pytest.mark.parametrize("time_limit", [None, 30.0])
def test_a_failing_model_call_costs_one_page(sabotaged, time_limit):
    results = list(run(pages(10, {8: "RAISE"}), sabotaged, ScoringOptions(batch_pages=4),
                       RunOptions(jobs=1, time_limit=time_limit)))
    assert _trouble(results, 8) == "scoring failed: RuntimeError: sabotaged"


def test_cli_time_limit_gives_an_error_record(sabotaged, tmp_path):
    model_path = tmp_path / "sabotaged.joblib"
    save_model(sabotaged.pipeline, dict(sabotaged.card), model_path)
    lines = [{"id": f"r{i}", "text": f"{'SLEEP ' if i == 1 else ''}{STORY}"} for i in range(3)]
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, records = score_records("--model", str(model_path), "--trust-model",
                                  "--time-limit", "1.5", str(path))
    assert code == 1
    assert [r["id"] for r in records] == ["r0", "r1", "r2"]
    assert_scored(records[0])
    assert_scored(records[2])
    assert records[1]["error"].startswith("time limit exceeded")


def test_summary_counts_pages_paragraphs_removed_kinds_and_errors(model, seed_text):
    summary = Summary()
    broken = Page(id="x", raw="", kind=InputKind.TEXT, error="empty page")
    seed = Page(id="seed", raw=seed_text, kind=InputKind.TEXT)
    counted = list(summary.count(run([seed, broken], model, run_options=RunOptions(
        time_limit=None))))
    assert [p.id for p in counted] == ["seed", "x"]
    assert (summary.pages, summary.paragraphs, summary.errors) == (2, 22, 1)
    removed = Counter(p.label for p in seed.paragraphs if p.label is not Label.CONTENT)
    assert summary.removed == removed and removed[Label.ADVERTISEMENT] == 2
    line = summary.line()
    share = 100 * sum(removed.values()) / 22
    assert line.startswith(f"2 pages, 22 paragraphs, {share:.1f}% removed (")
    assert "advertisement 9.1%" in line
    assert "1 error," in line and line.endswith("pages/s")


def _fork_servers() -> list[int]:
    """Process ids of this process's fork servers (children running multiprocessing's)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rpartition(")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
        except OSError:
            continue
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc")
                    or "forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="finds the fork server in /proc")
def test_issue15_killing_the_fork_server_fails_no_healthy_page(model, monkeypatch):
    # Workers outlive their fork server; a worker is taken for dead only when its pipe closes
    # (before, the fork server's own pipe closing gave the next page "worker process died").
    # Linux forks workers directly; the fork server is what other systems start them with, so
    # it is chosen here as they choose it.
    import classifier.runner

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["classifier.api"])
    monkeypatch.setattr(classifier.runner, "_context", lambda: context)
    results = []
    for page in run(pages(6), model, ScoringOptions(batch_pages=1), RunOptions(jobs=1)):
        results.append(page)
        if len(results) == 1:
            servers = _fork_servers()
            assert servers
            for pid in servers:
                os.kill(pid, signal.SIGKILL)
    assert [p.id for p in results] == [f"p{i}" for i in range(6)]
    assert all(p.error is None and p.paragraphs for p in results), [p.error for p in results]


def test_time_limit_covers_the_indexing_pass(monkeypatch):
    """Issue 15 item 9: a page stuck in the first pass (segmented and fingerprinted for the site
    index, in a worker) runs out the time limit there as it would when scored: the pass ends
    long before the hour the page would take, with every other page indexed. The stuck step is
    patched in before the workers fork, so they inherit it."""
    import classifier.distributed as distributed
    from classifier.runner import build_index

    real = distributed.site_page

    def stuck(page, config):
        if "SLEEP" in page.raw:
            time.sleep(3600)
        return real(page, config)

    monkeypatch.setattr(distributed, "site_page", stuck)
    site = [Page(id=p.id, url=f"https://news.example.com/{p.id}", site="example.com", raw=p.raw,
                 kind=p.kind) for p in pages(8, {5: "SLEEP"})]
    started = time.monotonic()
    index = build_index(site, run_options=RunOptions(jobs=1, time_limit=2.0))
    assert time.monotonic() - started < 600
    assert index.site_pages("example.com") == 7
    assert index._sites["example.com"].page_numbers.keys() == {
        f"https://news.example.com/p{i}" for i in range(8) if i != 5}


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_second_pass_gets_the_first_pass_paragraphs(jobs, tmp_path):
    from classifier import segment as segment_module
    from classifier.runner import build_index, segmented_again
    from classifier.sites import make_page

    def inputs() -> list[Page]:
        return [make_page("<p>Story of page one.</p><p>Its end.</p>", "html", id="a",
                          site="example.org"),
                make_page("   ", "html", id="blank", site="example.org"),  # fails: empty page
                make_page("<p>A page of no site.</p>", "html", id="nosite"),
                make_page("Text page.\n\nSecond paragraph.", "text", id="t", site="example.org")]

    expected = [segment_module.segment(page).paragraphs for page in inputs()]
    with open(tmp_path / "kept", "w+b") as kept:
        index = build_index(inputs(), run_options=RunOptions(jobs=jobs), keep=kept)
        assert index.stats()["pages"] == 2
        again = list(segmented_again(inputs(), kept))
    assert [page.id for page in again] == ["a", "blank", "nosite", "t"]
    assert again[0].paragraphs == expected[0] and expected[0]
    # The page that failed, the one of no site and the text page (cheaper to split again than
    # to keep) are left to the second pass to segment.
    assert again[1].paragraphs == [] and again[2].paragraphs == [] and again[3].paragraphs == []


def test_a_run_with_the_site_index_segments_each_page_once(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from classifier import segment as segment_module
    from classifier.cli import main

    source = tmp_path / "pages.jsonl"
    source.write_text("".join(json.dumps({"id": f"p{i}", "url": f"https://example.org/{i}",
                                          "html": f"<p>Story {i}. {STORY}</p><p>Share</p>"})
                              + "\n" for i in range(5)), encoding="utf-8")
    segmented = Counter()
    segment_html = segment_module.segment_html

    def counted(html):
        segmented[html] += 1
        return segment_html(html)

    monkeypatch.setattr(segment_module, "segment_html", counted)
    done = CliRunner().invoke(main, ["score", "--format", "jsonl", "--quiet", "--jobs", "1",
                                     "--time-limit", "0", str(source)])
    assert done.exit_code == 0, done.output
    records = [json.loads(line) for line in done.output.splitlines()]
    assert len(records) == 5 and all(record["paragraphs"] for record in records)
    assert sorted(segmented.values()) == [1] * 5
