"""The paragraph model: a linear first stage, then a boosted second stage that reads context.

The first stage (multinomial logistic regression over dense and hashed features) judges each
paragraph alone. The second stage (histogram gradient boosting) sees the first stage's
probabilities for the paragraph, its neighbours and its page, beside the dense features, so a
short line between two story paragraphs can stay and a prose-like disclaimer after the story's
end can go. In training, the second stage learns from out-of-fold first-stage probabilities
(folds grouped by site), so it does not learn to trust an over-fitted first stage.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from classifier.features import (
    CONTAINER_LEVELS,
    DENSE_FEATURES,
    RECURRENCE_FEATURES,
    FeatureMatrix,
    ParagraphFeatures,
    chars_of,
)
from classifier.hashing import MIX

#: Neighbour offsets whose first-stage content probability the second stage reads.
NEIGHBOUR_OFFSETS = (-3, -2, -1, 1, 2, 3)
#: How many paragraphs before and after are scanned for the strongest content neighbour.
CONTEXT_WINDOW = 10
#: Rows the second stage's trees score at a time: a block of context features (about 100
#: float64 columns) stays in the CPU cache while all the trees walk it; smaller blocks pay
#: scikit-learn's per-call overhead more often.
TREE_BLOCK_ROWS = 4096
#: Rows of a model call from which the second stage first looks for rows its trees cannot tell
#: apart (``TreeSplits``): a page of many tiny or repeated paragraphs then costs the trees once
#: per distinct row. Ordinary batches (64 pages of today's web hold about 16,000 paragraphs)
#: have almost no such rows, and are not probed.
DISTINCT_PROBE_ROWS = 32768
#: Rows of the probe, spread over the call, and the share of distinct rows among them under
#: which the trees score distinct rows only.
PROBE_SAMPLE_ROWS = 4096
PROBE_MAX_DISTINCT_SHARE = 0.5
#: How the second stage's content probability may move with each recurrence feature, all else
#: equal (+1 never down, -1 never up): recurring more, on more pages, more exactly never makes a
#: paragraph likelier content, and knowing the site (a paragraph found unique among more pages)
#: never makes it less likely. So the index can only remove what recurs, never cost a story
#: line that is unique to its page.
RECURRENCE_MONOTONIC = {"recurrence_known": 1, "recurrence_log_pages": -1,
                        "recurrence_share": -1, "recurrence_jaccard": -1,
                        "recurrence_log_site_pages": 1}


def _shift(values: np.ndarray, page: np.ndarray, index: np.ndarray, offset: int,
           fill: float) -> np.ndarray:
    """``values`` of the paragraph ``offset`` places later in the same page (``fill`` if none)."""
    n = len(values)
    out = np.full(values.shape, fill, dtype=values.dtype)
    if abs(offset) >= n:
        return out
    source = slice(offset, n) if offset > 0 else slice(0, n + offset)
    target = slice(0, n - offset) if offset > 0 else slice(-offset, n)
    same = (page[source] == page[target]) & (index[source] == index[target] + offset)
    out[target][same] = values[source][same]
    return out


def _page_reduce(values: np.ndarray, page: np.ndarray, how: str) -> np.ndarray:
    """Per-row page aggregate (``mean`` or ``max``) of ``values``; pages are contiguous rows."""
    starts = np.flatnonzero(np.r_[True, page[1:] != page[:-1]])
    counts = np.diff(np.r_[starts, len(page)])
    if how == "max":
        reduced = np.maximum.reduceat(values, starts)
    else:
        reduced = np.add.reduceat(values, starts) / counts
    return np.repeat(reduced, counts)


def container_features(meta: np.ndarray, content: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Per paragraph and enclosing block level: the content density of that container (content
    probability mass over all mass, by characters) and its share of the page's content mass.

    This is how a reader finds the story's box: the container whose text is mostly content and
    holds most of the page's content. -1 where the paragraph has no container at that level.
    """
    page = meta[:, 0].astype(np.int64)
    mass = chars * content
    page_mass = np.bincount(page, weights=mass)[page]
    columns = []
    for level in range(CONTAINER_LEVELS):
        container = meta[:, 2 + level].astype(np.int64)
        valid = container >= 0
        density = np.full(len(page), -1.0)
        share = np.full(len(page), -1.0)
        if valid.any():
            _, group = np.unique((page[valid] << 32) | container[valid], return_inverse=True)
            total = np.bincount(group, weights=chars[valid])
            held = np.bincount(group, weights=mass[valid])
            density[valid] = held[group] / np.maximum(total[group], 1.0)
            share[valid] = held[group] / np.maximum(page_mass[valid], 1e-9)
        columns += [density, share]
    return np.column_stack(columns)


class TreeSplits:
    """Where the second stage's trees split, feature by feature, to find rows they cannot tell
    apart: two rows whose every value falls between the same two split thresholds of its
    feature (and that are missing, NaN, in the same features) take the same path down every
    tree, so they get the same score, to the last bit."""

    def __init__(self, trees: HistGradientBoostingClassifier):
        nodes = np.concatenate([predictor.nodes for iteration in trees._predictors
                                for predictor in iteration])
        splits = nodes[nodes["is_leaf"] == 0]
        #: A categorical split reads categories, not thresholds: then no two rows are merged.
        self.usable = not splits["is_categorical"].any()
        self.features = np.unique(splits["feature_idx"]).tolist()
        self.thresholds = [np.unique(splits["num_threshold"][splits["feature_idx"] == feature])
                           for feature in self.features]

    def bins(self, rows: np.ndarray) -> np.ndarray:
        """Per split feature and row, the number of thresholds under the row's value (one past
        the last for a missing value): rows with equal bins take equal paths."""
        columns = np.asfortranarray(rows)  # each feature's values side by side in memory
        out = np.empty((len(self.features), len(rows)), dtype=np.uint16)
        for bins, feature, cuts in zip(out, self.features, self.thresholds, strict=True):
            values = columns[:, feature]
            bins[:] = np.searchsorted(cuts, values)  # value <= cut goes left, as in the trees
            bins[np.isnan(values)] = len(cuts) + 1
        return out

    def distinct(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The rows the trees can tell apart (one of each kind: indices into ``rows``) and the
        kind of each row; ``None`` if they cannot be grouped. Rows are read a block at a time,
        so that memory stays within a block's bins and a number per row."""
        if not self.usable:
            return None
        blocks = range(0, len(rows), TREE_BLOCK_ROWS)
        key = np.concatenate([self._key(self.bins(rows[start: start + TREE_BLOCK_ROWS]))
                              for start in blocks] or [np.zeros(0, dtype=np.uint64)])
        kind = pd.factorize(key)[0]  # numbered in order of first appearance
        first = np.flatnonzero(np.r_[True, kind[1:] > np.maximum.accumulate(kind)[:-1]])
        # Equal keys must hold equal bins: a hash collision, however unlikely, merges nothing.
        kinds = self.bins(rows[first])
        for start in blocks:
            block = slice(start, start + TREE_BLOCK_ROWS)
            if not np.array_equal(self.bins(rows[block]), kinds[:, kind[block]]):
                return None
        return first, kind

    @staticmethod
    def _key(bins: np.ndarray) -> np.ndarray:
        """A 64-bit hash of each row's bins (a column of ``bins``)."""
        key = np.zeros(bins.shape[1], dtype=np.uint64)
        for feature_bins in bins:
            key = key * MIX ^ feature_bins.astype(np.uint64)
        return key


def _context_columns(meta: np.ndarray, dense: np.ndarray, proba: np.ndarray,
                     content_column: int) -> Iterator[np.ndarray]:
    """The second stage's context columns, a column or a block of them at a time, in order."""
    page, index = meta[:, 0], meta[:, 1]
    content = proba[:, content_column]
    yield proba
    yield _shift(proba, page, index, -1, -1.0)
    yield _shift(proba, page, index, 1, -1.0)
    for k in NEIGHBOUR_OFFSETS:
        if abs(k) > 1:
            yield _shift(content, page, index, k, -1.0)
    before = np.full(len(content), -1.0)
    after = np.full(len(content), -1.0)
    for k in range(1, CONTEXT_WINDOW + 1):
        before = np.maximum(before, _shift(content, page, index, -k, -1.0))
        after = np.maximum(after, _shift(content, page, index, k, -1.0))
    yield before
    yield after
    page_mean = _page_reduce(content, page, "mean")
    page_max = _page_reduce(content, page, "max")
    yield page_mean
    yield page_max
    yield content - page_mean
    yield content / np.maximum(page_max, 1e-6)
    yield container_features(meta, content, chars_of(dense))


def context_features(meta: np.ndarray, dense: np.ndarray, proba: np.ndarray,
                     content_column: int) -> np.ndarray:
    """Second-stage input (float32): first-stage ``proba`` of the row and its context, plus
    ``dense``. Each context column is made in float64 and kept in float32, so that no float64
    copy of the whole matrix is held (about a kilobyte per paragraph)."""
    n = len(proba)
    columns = [column.reshape(n, -1).astype(np.float32)
               for column in _context_columns(meta, dense, proba, content_column)]
    return np.hstack([*columns, dense.astype(np.float32, copy=False)])


class ContextStackedClassifier(ClassifierMixin, BaseEstimator):
    """Two-stage paragraph classifier over ``ParagraphFeatures`` output (a ``FeatureMatrix``).

    Its ``meta`` gives the page number and paragraph index of each row (rows of one page
    contiguous, in order) and the row's enclosing block elements; ``dense`` has ``n_dense``
    features. The first stage (logistic regression by SGD, one-vs-rest, L2 penalty ``alpha``,
    ``epochs`` passes) reads ``[dense | hashed]`` and gives every class a probability; the
    second (boosted trees: ``max_iter``, ``learning_rate``, ``max_leaf_nodes``) decides content
    against the rest from the first stage's view of the paragraph and its context. Boilerplate
    kinds share the rest in the first stage's proportions. ``folds`` site-grouped folds give
    the out-of-fold first-stage probabilities the second stage learns from.

    The trees' size and number were chosen on dev (mean F1 of both modes, see the model card)
    for quality and speed: scoring time goes with the number of trees more than with their
    size.
    """

    def __init__(self, n_dense: int = len(DENSE_FEATURES), alpha: float = 1e-5, epochs: int = 15,
                 folds: int = 4,
                 max_iter: int = 100, learning_rate: float = 0.1, max_leaf_nodes: int = 63,
                 random_state: int = 0):
        self.n_dense = n_dense
        self.alpha = alpha
        self.epochs = epochs
        self.folds = folds
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.random_state = random_state

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state.pop("_first_weights", None)  # derived from first_; rebuilt on first use
        state.pop("_splits", None)  # derived from second_; likewise
        return state

    def _first_stage(self) -> SGDClassifier:
        # SGD fits in a seventh of lbfgs' time here with the same held-out log loss.
        return SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
                             random_state=self.random_state)

    def fit(self, X: FeatureMatrix, y: np.ndarray, groups: np.ndarray | None = None
            ) -> ContextStackedClassifier:
        """Fit both stages; ``groups`` (e.g. site keys) keep a site's pages in one fold."""
        features = X.sparse()
        y = np.asarray(y)
        if groups is None:
            groups = X.meta[:, 0]
        out_of_fold = cross_val_predict(self._first_stage(), features, y, groups=groups,
                                        cv=GroupKFold(n_splits=self.folds),
                                        method="predict_proba")
        self.first_ = self._first_stage().fit(features, y)
        self._first_weights: list[np.ndarray] | None = None
        self._splits: TreeSplits | None = None
        self.classes_ = self.first_.classes_
        self.content_index_ = int(np.flatnonzero(self.classes_ == "content")[0])
        context = context_features(X.meta, X.dense, out_of_fold, self.content_index_)
        self.second_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, early_stopping=True,
            validation_fraction=0.1, n_iter_no_change=20, random_state=self.random_state,
            monotonic_cst=self._monotonic(context.shape[1]),
        ).fit(context, y == "content")
        return self

    def _monotonic(self, n_columns: int) -> np.ndarray:
        """``RECURRENCE_MONOTONIC`` as the second stage's per-column constraints (the dense
        features are its last columns)."""
        constraints = np.zeros(n_columns, dtype=np.int8)
        start = n_columns - self.n_dense
        for name in RECURRENCE_FEATURES:
            constraints[start + DENSE_FEATURES.index(name)] = RECURRENCE_MONOTONIC[name]
        return constraints

    def _first_proba(self, X: FeatureMatrix) -> np.ndarray:
        """The first stage's ``predict_proba`` (one-vs-rest logistic regression: each class's
        sigmoid, normalised over the classes), its decision computed block by block."""
        weights = getattr(self, "_first_weights", None)
        if weights is None:
            bounds = np.cumsum([0, self.n_dense, *(block.matrix.shape[1] for block in X.hashed)])
            coef = self.first_.coef_.T
            weights = [np.ascontiguousarray(coef[a:b])
                       for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            self._first_weights = weights
        proba = expit(X.dot(weights) + self.first_.intercept_)
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=np.full_like(proba, 1.0 / proba.shape[1]),
                         where=total > 0)

    def predict_proba(self, X: FeatureMatrix) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        first = self._first_proba(X)
        context = context_features(X.meta, X.dense, first, self.content_index_)
        content = self._tree_content(context)
        rest = first.copy()
        rest[:, self.content_index_] = 0.0
        rest /= np.maximum(rest.sum(axis=1, keepdims=True), 1e-12)
        rest *= (1.0 - content)[:, None]
        rest[:, self.content_index_] = content
        return rest

    def _tree_content(self, context: np.ndarray) -> np.ndarray:
        """The second stage's content probability of each row of ``context``; in a large call
        where many rows are alike to the trees (``TreeSplits``), of each distinct row once."""
        if len(context) >= DISTINCT_PROBE_ROWS:
            splits = getattr(self, "_splits", None)
            if splits is None:
                splits = self._splits = TreeSplits(self.second_)
            probe = context[:: len(context) // PROBE_SAMPLE_ROWS]
            grouped = splits.distinct(probe)
            if grouped is not None and len(grouped[0]) < PROBE_MAX_DISTINCT_SHARE * len(probe):
                grouped = splits.distinct(context)
                if grouped is not None:
                    first, kind = grouped
                    return self._tree_blocks(context[first])[kind]
        return self._tree_blocks(context)

    def _tree_blocks(self, context: np.ndarray) -> np.ndarray:
        # Rows are scored a block at a time: each tree walks every row it is given, so a block
        # that stays in the cache across all the trees is read from memory once, not once per
        # tree (2.6 times faster on 27,000 rows; a row's score does not depend on its block).
        return np.concatenate(
            [self.second_.predict_proba(context[start: start + TREE_BLOCK_ROWS])[:, 1]
             for start in range(0, len(context), TREE_BLOCK_ROWS)] or [np.zeros(0)])

    def predict(self, X: FeatureMatrix) -> np.ndarray:
        """The most probable class per row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def build_pipeline(**params: object) -> Pipeline:
    """The untrained model: ``ParagraphFeatures`` then ``ContextStackedClassifier``."""
    return Pipeline([
        ("features", ParagraphFeatures()),
        ("classifier", ContextStackedClassifier()),
    ]).set_params(**params)
