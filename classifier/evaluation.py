"""Token-level quality of an extraction against gold text, as the benchmarks report it.

Tokens are lower-cased word tokens (``\\w+``); precision, recall and F1 are computed on the
bag-of-words overlap of one page's extraction and gold. An empty extraction scores 0 (for a
non-empty gold), and means are taken over pages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one page (each 0..1)."""

    precision: float
    recall: float
    f1: float


def token_scores(predicted: str, gold: str) -> Score:
    """Bag-of-words precision, recall and F1 of ``predicted`` against ``gold``."""
    pred = Counter(word_tokens(predicted))
    true = Counter(word_tokens(gold))
    overlap = sum((pred & true).values())
    n_pred, n_true = sum(pred.values()), sum(true.values())
    if n_true == 0:  # nothing to find: only an empty extraction is right
        return Score(1.0, 1.0, 1.0) if n_pred == 0 else Score(0.0, 1.0, 0.0)
    if overlap == 0:
        return Score(0.0, 0.0, 0.0)
    precision = overlap / n_pred
    recall = overlap / n_true
    return Score(precision, recall, 2 * precision * recall / (precision + recall))


def mean_scores(scores: list[Score]) -> Score:
    """The mean of per-page scores (all zeros for no pages)."""
    if not scores:
        return Score(0.0, 0.0, 0.0)
    n = len(scores)
    return Score(sum(s.precision for s in scores) / n, sum(s.recall for s in scores) / n,
                 sum(s.f1 for s in scores) / n)
