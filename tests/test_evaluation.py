import pytest

from classifier.evaluation import Score, mean_scores, token_scores, word_tokens


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
