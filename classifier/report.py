"""The evaluation as people look at it: tables, and a markdown report with plots.

Tables are pandas DataFrames computed from scored pages (``training.evaluate.score_split``) and
from the JSON the benchmarks write (``benchmarks/quality.py --json``, ``benchmarks/recurrence.py
--json``). ``notebooks/02-evaluation.ipynb`` shows the same tables and figures (``plots``);
``write_report`` writes them as ``report.md`` beside PNG files, to be read without Jupyter::

    boilerplate evaluate --report reports/test --quality-json reports/quality.json
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifier.evaluation import Score, mean_scores, token_scores
from classifier.labels import LABELS, Label
from classifier.training.datasets import DATASETS, EXCERPT_DATASETS, HEADLINE_DATASETS
from classifier.training.evaluate import MODES, THRESHOLD_GRID, ScoredPage, quality_by_dataset

#: Pages listed per mode in the report's "worst pages" section.
WORST_PAGES_DEFAULT = 5
#: Characters of a paragraph shown in a table (enough to recognise it, short enough to scan).
EXCERPT_CHARS_DEFAULT = 120
#: Where the report tells people to put the benchmarks' JSON.
QUALITY_JSON_DEFAULT = Path("reports/quality.json")
RECURRENCE_JSON_DEFAULT = Path("reports/recurrence.json")


@dataclass(frozen=True)
class ReportOptions:
    """What ``write_report`` writes.

    ``threshold``: probability of content (0..1) from which a paragraph is kept (a model's own
    is ``Model.threshold``). ``worst_pages``: pages listed per mode. ``excerpt_chars``:
    characters of a paragraph shown.
    ``facts``: lines describing the run (split, model, command), listed at the top.
    """

    threshold: float
    worst_pages: int = WORST_PAGES_DEFAULT
    excerpt_chars: int = EXCERPT_CHARS_DEFAULT
    facts: tuple[str, ...] = ()


def _dataset_order(name: str) -> int:
    return DATASETS.index(name) if name in DATASETS else len(DATASETS)


def _overall(per_dataset: dict[str, Score]) -> Score:
    """The headline score, or without headline corpora the mean over the corpora present."""
    return per_dataset.get("headline") or mean_scores(list(per_dataset.values()))


def quality_table(scored: Sequence[ScoredPage], threshold: float) -> pd.DataFrame:
    """Mean token precision, recall and F1 (0..1) per mode and corpus at ``threshold``, and each
    mode's ``headline`` (the mean over ``HEADLINE_DATASETS``); ``pages`` counts pages."""
    counts = Counter((page.mode, page.dataset) for page in scored)
    rows = []
    for mode, per_dataset in quality_by_dataset(scored, threshold).items():
        for dataset in sorted(per_dataset, key=_dataset_order):
            score = per_dataset[dataset]
            pages = (sum(counts[(mode, d)] for d in HEADLINE_DATASETS) if dataset == "headline"
                     else counts[(mode, dataset)])
            rows.append({"mode": mode, "dataset": dataset, "pages": pages,
                         "precision": score.precision, "recall": score.recall, "f1": score.f1})
    return pd.DataFrame(rows, columns=["mode", "dataset", "pages", "precision", "recall", "f1"])


def threshold_table(scored: Sequence[ScoredPage],
                    thresholds: Sequence[float] = THRESHOLD_GRID) -> pd.DataFrame:
    """Headline token precision, recall and F1 (0..1) per mode at each of ``thresholds``."""
    rows = []
    for threshold in thresholds:
        for mode, per_dataset in quality_by_dataset(scored, float(threshold)).items():
            score = _overall(per_dataset)
            rows.append({"mode": mode, "threshold": float(threshold),
                         "precision": score.precision, "recall": score.recall, "f1": score.f1})
    return pd.DataFrame(rows, columns=["mode", "threshold", "precision", "recall", "f1"])


def confusion_table(scored: Sequence[ScoredPage], mode: str, threshold: float) -> pd.DataFrame:
    """Paragraph counts of ``mode``'s pages by gold label (rows) and label predicted at
    ``threshold`` (columns).

    Gold labels are the training labels (gold alignment for content and comments, the weak
    rules for the boilerplate kinds): score the pages with ``score_split(gold_labels=True)``.
    """
    pages = [page for page in scored if page.mode == mode and page.gold_labels]
    if not pages:
        raise ValueError(f"no {mode} pages with gold labels: use score_split(gold_labels=True)")
    position = {label: i for i, label in enumerate(LABELS)}
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=int)
    for page in pages:
        for gold, predicted in zip(page.gold_labels, page.labels(threshold), strict=True):
            matrix[position[gold], position[predicted]] += 1
    names = [label.value for label in LABELS]
    return pd.DataFrame(matrix, index=pd.Index(names, name="gold"),
                        columns=pd.Index(names, name="predicted"))


def worst_pages(scored: Sequence[ScoredPage], threshold: float, n: int) -> list[ScoredPage]:
    """The ``n`` pages of each mode with the lowest token F1 at ``threshold``, worst first."""
    worst = []
    for mode in dict.fromkeys(page.mode for page in scored):
        pages = [page for page in scored if page.mode == mode]
        pages.sort(key=lambda page: token_scores(page.cleaned(threshold), page.gold).f1)
        worst += pages[:n]
    return worst


def page_table(pages: Sequence[ScoredPage], threshold: float) -> pd.DataFrame:
    """One row per page: mode, corpus, id, paragraphs and token precision, recall, F1 (0..1)."""
    rows = []
    for page in pages:
        score = token_scores(page.cleaned(threshold), page.gold)
        rows.append({"mode": page.mode, "dataset": page.dataset, "id": page.id,
                     "paragraphs": len(page.raws), "precision": score.precision,
                     "recall": score.recall, "f1": score.f1})
    return pd.DataFrame(rows, columns=["mode", "dataset", "id", "paragraphs", "precision",
                                       "recall", "f1"])


def excerpt(text: str, chars: int = EXCERPT_CHARS_DEFAULT, dataset: str | None = None) -> str:
    """``text`` on one line, cut to ``chars`` characters with an ellipsis; withheld for a
    page of a corpus whose licence does not allow excerpts (``EXCERPT_DATASETS``)."""
    if dataset is not None and dataset not in EXCERPT_DATASETS:
        return f"({len(text.split())} words of a {dataset} page; not shown, see its licence)"
    line = " ".join(text.split())
    return line if len(line) <= chars else line[:chars - 1].rstrip() + "…"


def misclassified(page: ScoredPage, threshold: float,
                  excerpt_chars: int = EXCERPT_CHARS_DEFAULT) -> pd.DataFrame:
    """The paragraphs of ``page`` whose keep-or-drop decision at ``threshold`` is wrong: gold
    content that was dropped, and boilerplate (or comments) that was kept. Columns: paragraph
    index, gold and predicted label, content probability (0..1), the text's start."""
    if len(page.gold_labels) != len(page.raws):  # a page without paragraphs has no labels
        raise ValueError(f"{page.id} has no gold labels: use score_split(gold_labels=True)")
    rows = []
    for i, (raw, probability, gold, predicted) in enumerate(zip(
            page.raws, page.content_probabilities, page.gold_labels, page.labels(threshold),
            strict=True)):
        if (predicted is Label.CONTENT) != (gold is Label.CONTENT):
            rows.append({"index": i, "gold": gold.value, "predicted": predicted.value,
                         "score": float(probability),
                         "text": excerpt(raw, excerpt_chars, page.dataset)})
    return pd.DataFrame(rows, columns=["index", "gold", "predicted", "score", "text"])


def peers_table(quality: dict[str, Any]) -> pd.DataFrame:
    """Token precision, recall and F1 (0..1) per mode, extractor and corpus (plus ``headline``)
    from the JSON of ``benchmarks/quality.py --json``, in the benchmark's order."""
    rows = []
    for mode, extractors in quality["results"].items():
        for extractor, result in extractors.items():
            scores = dict(sorted(result["datasets"].items(), key=lambda kv: _dataset_order(kv[0])))
            if result["headline"]:
                scores["headline"] = result["headline"]
            rows += [{"mode": mode, "extractor": extractor, "dataset": dataset, **score}
                     for dataset, score in scores.items()]
    return pd.DataFrame(rows, columns=["mode", "extractor", "dataset", "precision", "recall",
                                       "f1"])


def page_type_table(quality: dict[str, Any]) -> pd.DataFrame:
    """Token precision, recall and F1 (0..1) per mode, extractor and page type (WCXB's, and
    ``all`` of them) from the JSON of ``benchmarks/quality.py --json``; empty for results
    without page types."""
    rows = [{"mode": mode, "extractor": extractor, "page_type": page_type, **score}
            for mode, extractors in quality["results"].items()
            for extractor, result in extractors.items()
            for page_type, score in result.get("page_types", {}).items()]
    return pd.DataFrame(rows, columns=["mode", "extractor", "page_type", "precision", "recall",
                                       "f1"])


def f1_by_extractor(peers: pd.DataFrame, mode: str) -> pd.DataFrame:
    """``peers_table`` of one mode as extractors (rows) by corpus (columns) of F1."""
    frame = peers[peers["mode"] == mode]
    wide = frame.pivot(index="extractor", columns="dataset", values="f1")
    return wide.reindex(index=list(dict.fromkeys(frame["extractor"])),
                        columns=list(dict.fromkeys(frame["dataset"])))


def speed_table(quality: dict[str, Any]) -> pd.DataFrame:
    """Pages per second of each extractor per mode on one core (extractor calls only), and the
    ratio to trafilatura's, from the JSON of ``benchmarks/quality.py --json``."""
    rows = [{"mode": mode, "extractor": extractor,
             "pages_per_second": result["pages_per_second"],
             "vs_trafilatura": result["speed_ratio_to_trafilatura"]}
            for mode, extractors in quality["results"].items()
            for extractor, result in extractors.items() if result["pages_per_second"]]
    return pd.DataFrame(rows, columns=["mode", "extractor", "pages_per_second",
                                       "vs_trafilatura"])


def recurrence_table(recurrence: dict[str, Any]) -> pd.DataFrame:
    """Recall of recurring boilerplate (share removed, 0..1), of content and of page-unique
    content (share kept) per system and case (``source/form``), from the JSON of
    ``benchmarks/recurrence.py --json``."""
    rows = [{"system": system, "case": case, **numbers}
            for system, cases in recurrence["recall"].items()
            for case, numbers in cases.items()]
    return pd.DataFrame(rows, columns=["system", "case", "boilerplate_recall", "content_recall",
                                       "unique_content_recall", "boilerplate_paragraphs",
                                       "content_paragraphs", "unique_content_paragraphs"])


def markdown_table(frame: pd.DataFrame, digits: int = 3, index: bool = False) -> str:
    """``frame`` as a markdown table: floats to ``digits`` places, numbers right-aligned."""
    if index:
        frame = frame.reset_index()
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]

    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "—"
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(str(c) for c in frame.columns) + " |",
             "|" + "|".join(" ---: " if n else " --- " for n in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def write_report(directory: Path, scored: Sequence[ScoredPage], options: ReportOptions,
                 quality: dict[str, Any] | None = None,
                 recurrence: dict[str, Any] | None = None) -> Path:
    """Write ``report.md`` and its PNG plots into ``directory``; returns the report's path.

    ``scored`` needs gold labels (``score_split(gold_labels=True)``). ``quality`` and
    ``recurrence`` are the benchmarks' JSON; without them, their sections say how to make them.
    Needs matplotlib (the ``report`` extra).
    """
    from classifier import plots

    directory.mkdir(parents=True, exist_ok=True)
    threshold = options.threshold

    def figure(fig: Any, name: str, alt: str) -> str:
        plots.save(fig, directory / name)
        return f"![{alt}]({name})"

    quality_frame = quality_table(scored, threshold)
    lines = ["# Evaluation report", "", *(f"- {fact}" for fact in options.facts),
             f"- threshold {threshold:.2f} (probability of content from which a paragraph is "
             "kept)", "",
             "## Quality per corpus", "",
             "Bag-of-words token precision, recall and F1 against each page's gold text, "
             "averaged over pages; *headline* is the mean over "
             f"{', '.join(HEADLINE_DATASETS)}. Text mode scores the page as a scraper's text.",
             "", figure(plots.quality_bars(quality_frame), "quality.png", "F1 per corpus"), "",
             markdown_table(quality_frame), "",
             "## Precision and recall against the threshold", "",
             "Headline precision, recall and F1 as the threshold moves; the dotted line is the "
             "threshold of this report.", "",
             figure(plots.threshold_curves(threshold_table(scored), threshold),
                    "thresholds.png", "precision and recall against the threshold"), "",
             "## Confusion matrix of the labels", "",
             "Paragraphs by training label (rows: gold alignment for content and comments, the "
             "weak rules for the boilerplate kinds) and predicted label (columns); colour is the "
             "share of the row.", ""]
    modes = [mode for mode in MODES if any(page.mode == mode for page in scored)]
    for mode in modes:
        confusion = confusion_table(scored, mode, threshold)
        lines += [f"### {mode} mode", "",
                  figure(plots.confusion_heatmap(confusion, f"{mode} mode"),
                         f"confusion-{mode}.png", f"confusion matrix, {mode} mode"), "",
                  markdown_table(confusion, index=True), ""]
    lines += _peer_sections(quality, figure)
    lines += _recurrence_section(recurrence, figure)
    lines += ["## Worst pages", "",
              f"The {options.worst_pages} pages of each mode with the lowest F1, and their "
              "misclassified paragraphs: gold content that was dropped, boilerplate that was "
              "kept (score: probability of content).", ""]
    for page in worst_pages(scored, threshold, options.worst_pages):
        score = token_scores(page.cleaned(threshold), page.gold)
        wrong = misclassified(page, threshold, options.excerpt_chars)
        lines += [f"### {page.mode}: {page.id}", "",
                  f"F1 {score.f1:.3f} (precision {score.precision:.3f}, recall "
                  f"{score.recall:.3f}); {len(wrong)} of {len(page.raws)} paragraphs "
                  "misclassified.", ""]
        if len(wrong):
            lines += [markdown_table(wrong), ""]
    path = directory / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


#: Saves a figure under a file name and gives the markdown that shows it: (figure, name, alt).
_FigureLink = Callable[[Any, str, str], str]


def _peer_sections(quality: dict[str, Any] | None, figure: _FigureLink) -> list[str]:
    from classifier import plots

    if quality is None:
        return ["## Peers and speed", "",
                "Not in this report: run `python benchmarks/quality.py --json "
                f"{QUALITY_JSON_DEFAULT}` and pass `--quality-json {QUALITY_JSON_DEFAULT}`.", ""]
    limit = f", first {quality['limit']} pages of each corpus" if quality.get("limit") else ""
    lines = ["## Peers", "",
             f"Token F1 of every extractor from `benchmarks/quality.py` (split "
             f"`{quality['split']}`{limit}).", ""]
    peers = peers_table(quality)
    for mode in dict.fromkeys(peers["mode"]):
        f1 = f1_by_extractor(peers, mode)
        lines += [f"### {mode} mode", "",
                  figure(plots.peer_bars(f1, mode), f"peers-{mode}.png",
                         f"F1 per corpus and extractor, {mode} mode"), "",
                  markdown_table(f1, index=True), ""]
    speed = speed_table(quality)
    lines += ["## Speed", "",
              f"Pages per second on one core, extractor calls only ({quality['cpu']}).", "",
              figure(plots.speed_bars(speed), "speed.png", "pages per second"), "",
              markdown_table(speed, digits=2), ""]
    return lines


def _recurrence_section(recurrence: dict[str, Any] | None, figure: _FigureLink) -> list[str]:
    from classifier import plots

    lines = ["## Recurrence ablation", ""]
    if recurrence is None:
        return lines + ["Not in this report: run `python benchmarks/recurrence.py --peers --json "
                        f"{RECURRENCE_JSON_DEFAULT}` and pass `--recurrence-json "
                        f"{RECURRENCE_JSON_DEFAULT}`.", ""]
    table = recurrence_table(recurrence)
    return lines + ["Share of recurring boilerplate paragraphs removed and of content paragraphs "
                    "kept, with and without the site index, from `benchmarks/recurrence.py` "
                    "(synthetic sites built from held-out templates, and dragnet's multi-page "
                    "test sites; html and scraped-text forms).", "",
                    figure(plots.recurrence_bars(table), "recurrence.png",
                           "recurring boilerplate removed, with and without the site index"), "",
                    markdown_table(table), ""]
