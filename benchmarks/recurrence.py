"""Recurrence benchmark: recurring boilerplate caught with and without the site index.

Corpus (built fresh each run, nothing stored):
- synthetic sites: gold articles of the corpora's *test* split (``--split``) wrapped in a
  recurring template of the catalogue's *held-out* part (never seen in training), with dates,
  names and numbers varying per page; as scraped text (the seed page's form) and as HTML
  where the template sits among the article's own ``<p>`` elements;
- dragnet's real multi-page sites of that split (HTML and the html-text rendering), where a
  paragraph counts as recurring boilerplate when it is not content (gold alignment) and its
  normalised text occurs on at least one other page of the site.

Measured: recall of recurring boilerplate paragraphs (share removed) and content recall (share
of content paragraphs kept), for our model with the index (built over the whole run, as the CLI
does), without it, and for peers on the same pages. Content recall is also given for the content
unique to its page (its normalised text on no other page of the site): gold content that
recurs site-wide (a share prompt or a credit line inside dragnet's gold) is what the index is
built to find. A peer keeps a paragraph when its normalised
text appears in the peer's normalised output. Then speed and memory of the index itself.

    python benchmarks/recurrence.py [--sites 8 --pages 20] [--peers] [--scale-pages 10000]

Choices (a model, a setting) are made with ``--split dev``; reported figures use ``test``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.api import KEEP_DEFAULT, score_pages  # noqa: E402
from classifier.artifact import Model, load_model  # noqa: E402
from classifier.document import InputKind, Page, Paragraph  # noqa: E402
from classifier.fingerprints import normalise, normalise_all  # noqa: E402
from classifier.labels import Label  # noqa: E402
from classifier.recurrence import SiteIndex  # noqa: E402
from classifier.segment import segment_html, segment_text  # noqa: E402
from classifier.sites import make_page, site_of  # noqa: E402
from classifier.training.datasets import datasets_dir, iter_records  # noqa: E402
from classifier.training.examples import labelled_paragraphs  # noqa: E402
from classifier.training.render import paragraphs_html, scraper_text  # noqa: E402
from classifier.training.synthetic import Catalogue, gold_articles, synthetic_pages  # noqa: E402

#: Dragnet sites need at least this many pages to count as multi-page.
MIN_SITE_PAGES = 5


@dataclass
class Case:
    """One benchmark page: what the systems get, and per paragraph its truth."""

    page: Page
    source: str  # "synthetic" or "dragnet"
    html: str  # what HTML-reading peers get
    recurring_boilerplate: list[bool]
    content: list[bool]
    recurs: list[bool]  # normalised text on another page of the site, in the same form


def _recurs(pages: Sequence[Sequence[str]]) -> list[list[bool]]:
    """Per page of one site and per paragraph text, whether its normalised text occurs on
    another of ``pages``."""
    normalised = [normalise_all(list(texts)) for texts in pages]
    seen: dict[str, set[int]] = defaultdict(set)
    for n, texts in enumerate(normalised):
        for text in texts:
            seen[text].add(n)
    return [[len(seen[text] - {n}) > 0 for text in texts] for n, texts in enumerate(normalised)]


def synthetic_cases(root: Path, sites: int, pages: int, seed: int, split: str = "test"
                    ) -> list[Case]:
    """Gold articles of ``split`` in held-out templates, text and plain-``<p>`` HTML."""
    records = list(iter_records(root, splits=[split]))
    catalogue = Catalogue.load(part="heldout")
    built = synthetic_pages(gold_articles(records), catalogue, sites, pages, seed,
                            styles=("plain",), multilingual=False)
    members: dict[tuple[str | None, InputKind], list[int]] = defaultdict(list)
    for n, page in enumerate(built):
        members[page.site, page.kind].append(n)
    recurs: list[list[bool]] = [[] for _ in built]
    for group in members.values():
        texts = [[p.text for p in built[n].paragraphs] for n in group]
        for n, flags in zip(group, _recurs(texts), strict=True):
            recurs[n] = flags
    cases = []
    for page, flags in zip(built, recurs, strict=True):
        labels = [p.label for p in page.paragraphs]
        html = page.raw if page.kind is InputKind.HTML else paragraphs_html(page.raw)
        fresh = Page(id=page.id, raw=page.raw, kind=page.kind, url=page.url, site=page.site)
        cases.append(Case(fresh, "synthetic", html,
                          [label not in (Label.CONTENT, Label.COMMENT) for label in labels],
                          [label is Label.CONTENT for label in labels], flags))
    return cases


def dragnet_cases(root: Path, split: str = "test") -> list[Case]:
    """Dragnet sites of ``split`` with several pages, HTML and scraper text, truth from
    alignment."""
    by_site: dict[str, list[dict]] = defaultdict(list)
    for record in iter_records(root, ["dragnet"], [split]):
        site = site_of(record.get("url"))
        if site:
            by_site[site].append(record)
    cases = []
    for _, records in sorted(by_site.items()):
        if len(records) < MIN_SITE_PAGES:
            continue
        for kind in (InputKind.HTML, InputKind.TEXT):
            raws = [record["html"] if kind is InputKind.HTML else scraper_text(record["html"])
                    for record in records]
            group = [labelled_paragraphs(record, kind, raw)
                     for record, raw in zip(records, raws, strict=True)]
            recurs = _recurs([[p.text for p in paragraphs] for paragraphs in group])
            for record, raw, paragraphs, flags in zip(records, raws, group, recurs, strict=True):
                page = make_page(raw, kind, f"{record['id']}#{kind.value}", url=record["url"])
                html = raw if kind is InputKind.HTML else paragraphs_html(raw)
                cases.append(Case(page, "dragnet", html,
                                  [recurring and p.label not in (Label.CONTENT, Label.COMMENT)
                                   for recurring, p in zip(flags, paragraphs, strict=True)],
                                  [p.label is Label.CONTENT for p in paragraphs], flags))
    return cases


def _contained(paragraphs: list[Paragraph], output: str) -> list[bool]:
    """Per paragraph, whether its normalised text stands whole in the normalised ``output``."""
    padded = f" {output} "
    return [bool(needle) and f" {needle} " in padded
            for needle in normalise_all([p.text for p in paragraphs])]


def _score(cases: Sequence[Case], kept: Callable[[Case], list[bool]]
           ) -> dict[str, dict[str, float]]:
    """Recall of recurring boilerplate (removed), of content and of page-unique content (kept),
    per source and kind."""
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        keep = kept(case)
        t = tallies[f"{case.source}/{case.page.kind.value}"]
        for k, boiler, content, recurs in zip(keep, case.recurring_boilerplate, case.content,
                                              case.recurs, strict=True):
            if boiler:
                t["boilerplate"] += 1
                t["removed"] += not k
            if content:
                t["content"] += 1
                t["kept"] += k
                if not recurs:
                    t["unique"] += 1
                    t["unique_kept"] += k

    def share(part: int, whole: int) -> float:
        return part / whole if whole else float("nan")

    return {key: {"boilerplate_recall": share(t["removed"], t["boilerplate"]),
                  "content_recall": share(t["kept"], t["content"]),
                  "unique_content_recall": share(t["unique_kept"], t["unique"]),
                  "boilerplate_paragraphs": t["boilerplate"], "content_paragraphs": t["content"],
                  "unique_content_paragraphs": t["unique"]}
            for key, t in sorted(tallies.items())}


def ours(cases: Sequence[Case], model: Model, with_index: bool) -> dict[str, dict[str, float]]:
    """Our model, with a SiteIndex over the whole run or without one. Each form (text, HTML)
    gets its own run and index, as a scraper's run holds one form of each page."""
    for kind in (InputKind.TEXT, InputKind.HTML):
        pages = [c.page for c in cases if c.page.kind is kind]
        for page in pages:
            page.paragraphs = (segment_html(page.raw) if kind is InputKind.HTML
                               else segment_text(page.raw))
        index = SiteIndex() if with_index else None
        if index is not None:
            index.add_all(pages)
        list(score_pages(pages, model, index=index))
    return _score(cases, lambda c: [p.label in KEEP_DEFAULT for p in c.page.paragraphs])


def peer(cases: Sequence[Case], extract: Callable[[str], str | None]
         ) -> dict[str, dict[str, float]]:
    """A peer that reads HTML; pages are given in site order (as a crawl would)."""
    outputs = {}
    for case in sorted(cases, key=lambda c: (c.page.site or "", c.page.id)):
        try:
            text = extract(case.html) or ""
        except Exception:  # a crashing peer keeps nothing, as in the quality benchmark
            text = ""
        outputs[case.page.id] = normalise(text)
    for case in cases:
        if not case.page.paragraphs:
            case.page.paragraphs = (segment_html(case.page.raw) if case.page.kind is InputKind.HTML
                                    else segment_text(case.page.raw))
    return _score(cases, lambda c: _contained(c.page.paragraphs, outputs[c.page.id]))


def peers() -> dict[str, Callable[[str], str | None]]:
    """trafilatura (default, deduplicate) and, for scale, jusText, readability, resiliparse."""
    import trafilatura

    from benchmarks.peers import PEERS

    def trafilatura_dedup(html: str) -> str | None:
        return trafilatura.extract(html, deduplicate=True)

    return {"trafilatura": PEERS["trafilatura"], "trafilatura-deduplicate": trafilatura_dedup,
            **{name: PEERS[name] for name in ("justext", "readability-lxml", "resiliparse")}}


def _table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    keys = sorted({k for r in results.values() for k in r})
    lines = ["| system | " + " | ".join(f"{k} boilerplate / content (page-unique content)"
                                        for k in keys) + " |",
             "|---|" + "---:|" * len(keys)]
    for name, result in results.items():
        cells = [f"{result[k]['boilerplate_recall']:.3f} / {result[k]['content_recall']:.3f} "
                 f"({result[k]['unique_content_recall']:.3f})" if k in result else "-"
                 for k in keys]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    counts = next(iter(results.values()))
    lines.append("")
    lines.append("paragraphs (recurring boilerplate / content (page-unique)): " + ", ".join(
        f"{k} {counts[k]['boilerplate_paragraphs']}/{counts[k]['content_paragraphs']} "
        f"({counts[k]['unique_content_paragraphs']})" for k in keys))
    return "\n".join(lines)


def index_speed(cases: Sequence[Case], root: Path, scale_pages: int, seed: int
                ) -> dict[str, float]:
    """Index add/query paragraphs per second, bytes per indexed paragraph, and the seconds to
    build an index of ``scale_pages`` text pages on one core."""
    pages = [c.page for c in cases]
    paragraphs = sum(len(p.paragraphs) for p in pages)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    index = SiteIndex()
    for page in pages:
        index.add(page)
    added = time.perf_counter() - started
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    started = time.perf_counter()
    for page in pages:
        index.recurrence(page)
    queried = time.perf_counter() - started
    stats = index.stats()
    result = {"paragraphs": paragraphs, "pages": len(pages),
              "add_paragraphs_per_s": paragraphs / added,
              "query_paragraphs_per_s": paragraphs / queried,
              "bytes_per_paragraph": size / paragraphs, "index_mib": size / 2**20,
              "distinct_paragraphs": stats["paragraphs"],
              "near_duplicate_entries": stats["near_duplicate_entries"]}
    if scale_pages:
        sites = 50
        articles = gold_articles(list(iter_records(root)))
        built = [p for p in synthetic_pages(articles, Catalogue.load(part="heldout"), sites,
                                            scale_pages // sites, seed, styles=("plain",),
                                            multilingual=False)
                 if p.kind is InputKind.TEXT]
        started = time.perf_counter()
        big = SiteIndex()
        for page in built:
            big.add(Page(id=page.id, raw=page.raw, kind=page.kind, url=page.url, site=page.site,
                         paragraphs=segment_text(page.raw)))
        result.update(scale_pages=len(built), scale_seconds=time.perf_counter() - started)
    return result


def _speed_text(speed: dict[str, float]) -> str:
    lines = [f"index add: {speed['add_paragraphs_per_s']:,.0f} paragraphs/s; query: "
             f"{speed['query_paragraphs_per_s']:,.0f} paragraphs/s ({speed['paragraphs']} "
             f"paragraphs, {speed['pages']} pages)",
             f"memory: {speed['bytes_per_paragraph']:,.0f} bytes per paragraph added, "
             f"{speed['index_mib'] * 2**20 / speed['distinct_paragraphs']:,.0f} per distinct "
             f"paragraph ({speed['index_mib']:.1f} MiB by tracemalloc; "
             f"{speed['distinct_paragraphs']} distinct paragraphs, "
             f"{speed['near_duplicate_entries']} of them in the LSH)"]
    if "scale_pages" in speed:
        lines.append(f"{speed['scale_pages']:,} text pages (50 sites, every story distinct "
                     "within its site) segmented and indexed in "
                     f"{speed['scale_seconds']:.1f} s on one core "
                     f"({speed['scale_pages'] / speed['scale_seconds']:,.0f} pages/s)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets-dir", type=Path, default=None)
    parser.add_argument("--sites", type=int, default=8, help="synthetic sites")
    parser.add_argument("--pages", type=int, default=20, help="pages per synthetic site")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--split", choices=("dev", "test"), default="test",
                        help="articles and dragnet sites from this split (choose on dev)")
    parser.add_argument("--peers", action="store_true", help="also run trafilatura and others")
    parser.add_argument("--scale-pages", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args(argv)
    root = datasets_dir(args.datasets_dir)
    cases = (synthetic_cases(root, args.sites, args.pages, args.seed, args.split)
             + dragnet_cases(root, args.split))
    print(f"{len(cases)} pages: {sum(c.source == 'synthetic' for c in cases)} synthetic "
          f"({args.sites} sites x {args.pages} pages x 2 forms), "
          f"{sum(c.source == 'dragnet' for c in cases)} dragnet ({args.split}-split sites with "
          f">= {MIN_SITE_PAGES} pages, 2 forms)", flush=True)
    model = load_model()
    results = {"ours with index": ours(cases, model, with_index=True),
               "ours without index": ours(cases, model, with_index=False)}
    if args.peers:
        for name, extract in peers().items():
            results[name] = peer(cases, extract)
    print("\nRecall of recurring boilerplate paragraphs / content recall\n")
    print(_table(results))
    print()
    speed = index_speed(cases, root, args.scale_pages, args.seed)
    print(_speed_text(speed))
    if args.json:
        args.json.write_text(json.dumps({"recall": results, "index": speed}, indent=2) + "\n")


if __name__ == "__main__":
    main()
