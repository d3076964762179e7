"""The three stages of a distributed run, with no engine: the stages in order over a small
crawl give the records a run on one machine gives, whatever order the sites come in."""

from __future__ import annotations

import json
import random

import pytest

from benchmarks.spark_job import write_crawl
from classifier import distributed
from classifier.api import score_pages
from classifier.distributed import Evidence, SitePage, answer_sites, site_pages, with_evidence
from classifier.document import Recurrence
from classifier.fingerprints import IndexConfig
from classifier.io.pages import ReadOptions
from classifier.io.readers import read_pages, read_source
from classifier.io.writers import json_line, score_record
from classifier.recurrence import SiteIndex
from classifier.runner import build_index, run

_READ = ReadOptions()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> list[str]:
    return [str(p) for p in write_crawl(tmp_path_factory.mktemp("crawl"), pages=240, seed=3)]


def _one_machine(paths: list[str], model, config: IndexConfig) -> list[str]:
    index = build_index(read_pages(paths), SiteIndex(config))
    return [json_line(score_record(p)) for p in run(read_pages(paths), model, index=index)]


def _staged(paths: list[str], model, config: IndexConfig, shuffle: int) -> list[str]:
    """The stages as an engine runs them: stage 1 per file; the prints sorted by site and
    position, the sites in a shuffled order; stage 2; stage 3 per file with its evidence."""
    prints = [page for source, path in enumerate(paths)
              for page in site_pages(read_source(path, _READ), source, config)]
    sites = sorted({page.site for _, page in prints})
    random.Random(shuffle).shuffle(sites)
    order = {site: n for n, site in enumerate(sites)}
    prints.sort(key=lambda item: (order[item[1].site], item[0]))
    evidence: dict[int, dict[int, Evidence]] = {}
    for (source, record), found in answer_sites(prints, config):
        evidence.setdefault(source, {})[record] = found
    return [json_line(score_record(page))
            for source, path in enumerate(paths)
            for page in score_pages(with_evidence(read_source(path, _READ),
                                                  evidence.get(source, {})), model)]


@pytest.mark.parametrize("cap", [None, 6])
def test_the_stages_give_what_one_machine_gives(crawl, model, cap):
    config = IndexConfig(max_site_pages=cap)
    expected = _one_machine(crawl, model, config)
    records = [json.loads(line) for line in expected]
    assert any("error" in r for r in records) and any(r.get("url") is None for r in records)
    assert len({r["url"] for r in records}) < len(records)  # re-crawled URLs
    for shuffle in range(2):
        assert _staged(crawl, model, config, shuffle) == expected


def test_a_site_spooled_to_a_file_gives_the_same_evidence(crawl, monkeypatch):
    config = IndexConfig()
    prints = sorted((item for source, path in enumerate(crawl)
                     for item in site_pages(read_source(path, _READ), source, config)),
                    key=lambda item: (item[1].site, item[0]))
    in_memory = list(answer_sites(prints, config))
    monkeypatch.setattr(distributed, "SPOOL_BYTES", 1)
    assert list(answer_sites(prints, config)) == in_memory
    assert len(in_memory) == len(prints)


def test_evidence_gives_back_the_answers_it_was_made_of():
    index = SiteIndex()
    for n, note in enumerate(["Prices are indicative only and not an offer to sell.",
                              "Prices are indicative only and not an offer to buy.",
                              "Prices are indicative only and not an offer to sell."]):
        index.add_texts("a.com", f"p{n}", [f"Story {n} about the harbour.", note])
    for key in ("p0", "p9"):
        answers = index.recurrence_of_texts("a.com", key, ["Story 0 about the harbour.",
                                                           "Prices are indicative only and "
                                                           "not an offer to sell."])
        assert answers is not None and answers[1].pages >= 1
        assert Evidence.of(answers).recurrences() == answers
    alone = [Recurrence(), Recurrence()]
    assert Evidence.of(alone).recurrences() == alone
    assert Evidence.of([]).recurrences() == []


def test_stage_one_skips_pages_without_site_or_with_errors(crawl):
    pages = list(read_source(crawl[0], _READ))
    emitted = list(site_pages(pages, 0, IndexConfig()))
    assert all(isinstance(p, SitePage) and source == 0 for (source, _), p in emitted)
    sited = [n for n, page in enumerate(pages) if page.site is not None and page.error is None]
    assert [record for (_, record), _ in emitted] == sited
    assert len(sited) < len(pages)
