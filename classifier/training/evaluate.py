"""Per-dataset quality of a model on a corpus split, in html mode and in text mode.

Text mode feeds the model the page as a scraper's text (``render.scraper_text``). Pages are
scored once, keeping the model's probabilities; labels and cleaned text at any threshold then
come from them through the library's own ``decide`` and ``kept_text``, without scoring again. On
request each paragraph also gets its gold label from the training labelling
(``examples.record_pages``), for the confusion matrix and the worst pages of the evaluation
report (``classifier.report``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.api import batches, decide, kept_text, predict_batch
from classifier.artifact import Model
from classifier.document import InputKind, Page
from classifier.evaluation import Score, mean_scores, token_scores
from classifier.labels import Label
from classifier.sites import make_page
from classifier.training.datasets import DATASETS, HEADLINE_DATASETS, split_records
from classifier.training.examples import record_pages, rendering
from classifier.training.render import scraper_text

MODES = ("html", "text")
#: The rendering of ``examples.record_pages`` that each mode scores, whose labels are its gold.
GOLD_RENDERING = {"html": "html", "text": "scraper-text"}
#: Thresholds swept on dev to choose a model's threshold (its card's ``threshold``).
THRESHOLD_GRID = tuple(np.round(np.arange(0.2, 0.81, 0.05), 2))
#: Mean F1 differences on dev this small are noise (a page more or less done well). Among the
#: thresholds that close to the best, the lowest is chosen: it keeps the most editorial text,
#: and losing a story's lines costs our users more than keeping a stray line.
THRESHOLD_TOLERANCE = 0.001
#: The trade-offs of ``--precision`` and ``--recall``: the threshold with the best mean headline
#: F-beta on dev, beta 0.5 (precision weighs as much as twice the recall: less boilerplate
#: kept, more story lost) or 2 (the other way round). Chosen on ``PRESET_GRID``, which reaches
#: further than ``THRESHOLD_GRID`` since these are meant to lean.
PRESET_BETAS = {"precision": 0.5, "recall": 2.0}
PRESET_GRID = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))


@dataclass
class ScoredPage:
    """One evaluated page: its paragraphs' raw text and the model's probabilities, and its gold.

    ``proba`` has a row per paragraph, columns in ``LABELS`` order.
    """

    id: str
    dataset: str
    mode: str
    gold: str
    raws: list[str]
    proba: np.ndarray
    #: Each paragraph's label from the training labelling; empty unless asked for.
    gold_labels: list[Label] = field(default_factory=list)
    #: The corpus's page type (WCXB: article, forum, product...), or ``None``.
    page_type: str | None = None

    @property
    def content_probabilities(self) -> np.ndarray:
        """Each paragraph's probability of content (0..1)."""
        return self.proba[:, 0]

    def labels(self, threshold: float) -> list[Label]:
        """Each paragraph's label at ``threshold``, as scoring decides it."""
        return decide(self.proba, threshold)[0]

    def cleaned(self, threshold: float) -> str:
        """The page's text as ``clean`` gives it at ``threshold``."""
        return kept_text(self.raws, self.labels(threshold))


def _gold_labels(record: dict[str, Any]) -> dict[str, list[Label]]:
    """Training labels of ``record``'s paragraphs, per mode."""
    pages = {rendering(page): page for page in record_pages(record)}
    return {mode: [p.label or Label.OTHER for p in pages[name].paragraphs]
            for mode, name in GOLD_RENDERING.items()}


def score_split(model: Model, root: Path, split: str, datasets: Sequence[str] = DATASETS,
                modes: Sequence[str] = MODES, limit: int | None = None,
                gold_labels: bool = False) -> list[ScoredPage]:
    """Score every page of ``split`` of ``datasets`` in each mode (``limit`` pages per dataset).

    With ``gold_labels``, each page also gets its paragraphs' training labels (which costs about
    a fifth more time).
    """
    records = split_records(root, split, datasets, limit)
    golds = [_gold_labels(r) if gold_labels else {} for r in records]
    scored: list[ScoredPage] = []
    for mode in modes:
        kind = InputKind(mode)
        pages = (make_page(r["html"] if kind is InputKind.HTML else scraper_text(r["html"]), kind,
                           id=r["id"], url=r.get("url")) for r in records)
        for record, gold, (page, proba) in zip(records, golds, _probabilities(pages, model),
                                               strict=True):
            gold_of_mode = gold.get(mode, [])
            if gold and len(gold_of_mode) != len(page.paragraphs):
                # Both come from the same segmentation of the same input; a mismatch is a bug.
                raise ValueError(f"{record['id']} ({mode}): {len(page.paragraphs)} paragraphs "
                                 f"scored but {len(gold_of_mode)} labelled")
            scored.append(ScoredPage(record["id"], record["dataset"], mode, record["gold_text"],
                                     [p.raw for p in page.paragraphs], proba, gold_of_mode,
                                     record.get("page_type")))
    return scored


def _probabilities(pages: Iterable[Page], model: Model) -> Iterator[tuple[Page, np.ndarray]]:
    """Each page, segmented, with its paragraphs' probabilities (``LABELS`` columns; no rows
    for a page with an error, which has no paragraphs), scored in ``score_pages``' batches."""
    for batch in batches(pages):
        _, proba = predict_batch(batch, model)
        ends = np.cumsum([len(page.paragraphs) for page in batch])
        yield from zip(batch, np.split(proba, ends[:-1]), strict=True)


def quality_by_dataset(scored: Sequence[ScoredPage], threshold: float
                       ) -> dict[str, dict[str, Score]]:
    """Mean token scores per mode and dataset at ``threshold``, per page type of the corpora
    that have them (``wcxb/article``, ...), plus each mode's ``headline`` (the mean of
    ``HEADLINE_DATASETS``' F1, precision and recall)."""
    by_key: dict[tuple[str, str], list[Score]] = {}
    for page in scored:
        score = token_scores(page.cleaned(threshold), page.gold)
        by_key.setdefault((page.mode, page.dataset), []).append(score)
        if page.page_type:
            by_key.setdefault((page.mode, f"{page.dataset}/{page.page_type}"), []).append(score)
    result: dict[str, dict[str, Score]] = {}
    for (mode, dataset), scores in sorted(by_key.items()):
        result.setdefault(mode, {})[dataset] = mean_scores(scores)
    for per_dataset in result.values():
        headline = [per_dataset[d] for d in HEADLINE_DATASETS if d in per_dataset]
        if headline:
            per_dataset["headline"] = mean_scores(headline)
    return result


def choose_threshold(scored: Sequence[ScoredPage]) -> tuple[float, float]:
    """The lowest ``THRESHOLD_GRID`` value whose mean headline F1 over modes is within
    ``THRESHOLD_TOLERANCE`` of the best, and that F1."""
    f1s = [(float(threshold),
            float(np.mean([per["headline"].f1
                           for per in quality_by_dataset(scored, float(threshold)).values()
                           if "headline" in per])))
           for threshold in THRESHOLD_GRID]
    best = max(f1 for _, f1 in f1s)
    return next((threshold, f1) for threshold, f1 in f1s if f1 >= best - THRESHOLD_TOLERANCE)


def _f_beta(score: Score, beta: float) -> float:
    b2 = beta * beta
    denominator = b2 * score.precision + score.recall
    return (1 + b2) * score.precision * score.recall / denominator if denominator else 0.0


def choose_presets(scored: Sequence[ScoredPage]) -> dict[str, dict[str, Any]]:
    """For each of ``PRESET_BETAS``, the ``PRESET_GRID`` threshold with the best F-beta of the
    mean headline precision and recall (mean over modes) on ``scored`` (dev), with those
    figures: the card's ``presets``."""
    headline = {float(t): [per["headline"] for per in quality_by_dataset(scored, float(t)).values()
                           if "headline" in per]
                for t in PRESET_GRID}
    presets = {}
    for name, beta in PRESET_BETAS.items():
        f = {t: float(np.mean([_f_beta(s, beta) for s in scores]))
             for t, scores in headline.items()}
        best = max(f, key=lambda t: (f[t], -t))  # ties: the lower threshold
        scores = headline[best]
        presets[name] = {"threshold": best, "beta": beta, "dev": {
            "f_beta": round(f[best], 4),
            "precision": round(float(np.mean([s.precision for s in scores])), 4),
            "recall": round(float(np.mean([s.recall for s in scores])), 4)}}
    return presets
