"""Per-dataset quality of a model on a corpus split, in html mode and in text mode.

Text mode feeds the model the page as a scraper's text (``render.scraper_text``). Pages are
scored once; thresholds can then be swept without scoring again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.api import Options, make_page, score_pages
from classifier.artifact import Model
from classifier.document import InputKind
from classifier.evaluation import Score, mean_scores, token_scores
from classifier.training.datasets import DATASETS, HEADLINE_DATASETS, iter_records
from classifier.training.render import scraper_text

MODES = ("html", "text")
#: Thresholds swept on dev to choose ``api.THRESHOLD_DEFAULT``.
THRESHOLD_GRID = tuple(np.round(np.arange(0.2, 0.81, 0.05), 2))


@dataclass
class ScoredPage:
    """One evaluated page: its paragraphs' raw text and content probabilities, and its gold."""

    id: str
    dataset: str
    mode: str
    gold: str
    raws: list[str]
    scores: np.ndarray

    def cleaned(self, threshold: float) -> str:
        """The page's text as ``clean`` gives it at ``threshold``."""
        return "\n\n".join(raw for raw, s in zip(self.raws, self.scores) if s >= threshold)


def score_split(model: Model, root: Path, split: str, datasets: Sequence[str] = DATASETS,
                modes: Sequence[str] = MODES, limit: int | None = None) -> list[ScoredPage]:
    """Score every page of ``split`` of ``datasets`` in each mode (``limit`` pages per dataset)."""
    records = []
    for name in datasets:
        taken = list(iter_records(root, [name], [split]))
        records += taken[:limit] if limit else taken
    scored: list[ScoredPage] = []
    for mode in modes:
        kind = InputKind(mode)
        pages = (make_page(r["html"] if kind is InputKind.HTML else scraper_text(r["html"]), kind,
                           id=r["id"], url=r.get("url")) for r in records)
        for record, page in zip(records, score_pages(pages, model, Options())):
            scored.append(ScoredPage(
                record["id"], record["dataset"], mode, record["gold_text"],
                [p.raw for p in page.paragraphs],
                np.asarray([p.score or 0.0 for p in page.paragraphs]),
            ))
    return scored


def report(scored: Sequence[ScoredPage], threshold: float) -> dict[str, dict[str, Score]]:
    """Mean token scores per mode and dataset at ``threshold``, plus each mode's ``headline``
    (the mean of ``HEADLINE_DATASETS``' F1, precision and recall)."""
    by_key: dict[tuple[str, str], list[Score]] = {}
    for page in scored:
        by_key.setdefault((page.mode, page.dataset), []).append(
            token_scores(page.cleaned(threshold), page.gold))
    result: dict[str, dict[str, Score]] = {}
    for (mode, dataset), scores in sorted(by_key.items()):
        result.setdefault(mode, {})[dataset] = mean_scores(scores)
    for mode, per_dataset in result.items():
        headline = [per_dataset[d] for d in HEADLINE_DATASETS if d in per_dataset]
        if headline:
            per_dataset["headline"] = mean_scores(headline)
    return result


def choose_threshold(scored: Sequence[ScoredPage]) -> tuple[float, float]:
    """The ``THRESHOLD_GRID`` value with the best mean headline F1 over modes, and that F1."""
    best = (0.5, -1.0)
    for threshold in THRESHOLD_GRID:
        result = report(scored, float(threshold))
        f1 = float(np.mean([per["headline"].f1 for per in result.values() if "headline" in per]))
        if f1 > best[1]:
            best = (float(threshold), f1)
    return best
