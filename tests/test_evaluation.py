import numpy as np
import pytest

from classifier.evaluation import Score, mean_scores, token_scores, word_tokens
from classifier.training.evaluate import (
    MODES,
    ScoredPage,
    choose_threshold,
    quality_by_dataset,
)


def test_word_tokens_lowercase_words():
    assert word_tokens("Hello, World! 42 times") == ["hello", "world", "42", "times"]


def test_token_scores_bag_of_words():
    s = token_scores("the cat sat", "the cat the dog")
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 4)
    assert s.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_empty_output_scores_zero_and_empty_gold_is_special():
    assert token_scores("", "gold words") == Score(0.0, 0.0, 0.0)
    assert token_scores("", "") == Score(1.0, 1.0, 1.0)
    assert token_scores("extra", "").f1 == 0.0


def test_mean_scores():
    m = mean_scores([Score(1, 1, 1), Score(0, 0, 0)])
    assert m == Score(0.5, 0.5, 0.5)
    assert mean_scores([]) == Score(0.0, 0.0, 0.0)


def _page(scores: list[float], mode: str = "html") -> ScoredPage:
    raws = ["story one two three", "story four five six", "menu home contact"]
    return ScoredPage(id=f"p-{mode}", dataset="dragnet", mode=mode,
                      gold="story one two three story four five six", raws=raws,
                      proba=np.column_stack([scores, np.subtract(1, scores)]))


def test_threshold_is_the_lowest_within_the_tolerance_of_the_best():
    # F1 is the same from 0.2 to 0.85: the lowest threshold keeps the most, and wins.
    flat = [_page([0.9, 0.9, 0.1], mode) for mode in MODES]
    assert choose_threshold(flat)[0] == 0.2
    # The menu scores 0.5: only thresholds above it drop it, and they are clearly better.
    menu = [_page([0.9, 0.9, 0.5], mode) for mode in MODES]
    threshold, f1 = choose_threshold(menu)
    assert threshold == 0.55 and f1 == pytest.approx(1.0)


def test_report_gives_page_types_beside_their_corpus():
    pages = [ScoredPage(id=f"wcxb/{n}", dataset="wcxb", mode="html", gold="story one two",
                        raws=["story one two", "menu"],
                        proba=np.asarray([[0.9, 0.1], [kept, 1 - kept]]), page_type=page_type)
             for n, (page_type, kept) in enumerate((("article", 0.1), ("forum", 0.9)))]
    per = quality_by_dataset(pages, 0.5)["html"]
    assert per["wcxb/article"].f1 == pytest.approx(1.0)
    assert per["wcxb/forum"].precision == pytest.approx(0.75)
    assert per["wcxb"].f1 == pytest.approx((1.0 + per["wcxb/forum"].f1) / 2)
    assert "headline" not in per  # no headline corpus among the pages
