"""The second stage scores rows its trees cannot tell apart once, with the same scores."""

from __future__ import annotations

import numpy as np

from classifier import api
from classifier import model as model_module
from classifier.model import TreeSplits


def _second_stage(model):
    return model.pipeline.steps[-1][1]


def test_a_value_on_a_threshold_goes_where_the_trees_send_it(model):
    splits = TreeSplits(_second_stage(model).second_)
    feature, cuts = splits.features[0], splits.thresholds[0]
    cut = cuts[len(cuts) // 2]
    rows = np.zeros((4, max(splits.features) + 1))
    rows[:, feature] = [np.nextafter(cut, -np.inf), cut, np.nextafter(cut, np.inf), np.nan]
    bins = splits.bins(rows)[0]
    # x <= cut goes left: the value on the cut is with those below it, not above; NaN apart.
    assert bins[0] == bins[1] != bins[2]
    assert bins[3] not in bins[:3]


def test_rows_alike_to_the_trees_are_scored_once_with_the_same_scores(model, monkeypatch):
    text = "\n\n".join("abc"[i % 3] for i in range(20_000))
    text += "\n\nA closing paragraph of prose, long enough to read like a story, ends here."
    alone = [p.content_probability for p in api.score_text(text, model=model).paragraphs]
    monkeypatch.setattr(model_module, "DISTINCT_PROBE_ROWS", 10_000)
    grouped: list[int] = []
    distinct = TreeSplits.distinct

    def spy(self: TreeSplits, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        found = distinct(self, rows)
        if found is not None and len(rows) == len(alone):
            grouped.append(len(found[0]))
        return found

    monkeypatch.setattr(TreeSplits, "distinct", spy)
    scored = [p.content_probability for p in api.score_text(text, model=model).paragraphs]
    assert grouped and grouped[0] < len(alone) / 10  # the trees saw each kind of row once
    assert scored == alone  # to the last bit
