"""Stop-word lists for many languages (``stopwordsiso``), and the guess of a page's language.

Stop-word density is a strong, language-agnostic sign of running prose, provided it is measured
against the page's own language. The lists load on first use, never at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

#: Tokens of a page read to guess its language; enough for a stable guess, cheap to count.
LANGUAGE_SAMPLE_TOKENS = 400


@lru_cache(maxsize=1)
def _lists() -> tuple[dict[str, int], np.ndarray]:
    """Row of every stop word, and the word × language membership matrix whose columns are the
    languages in alphabetical order of ISO code (built once)."""
    import stopwordsiso

    languages = sorted(stopwordsiso.langs())
    by_language = {lang: frozenset(stopwordsiso.stopwords(lang)) for lang in languages}
    row_of: dict[str, int] = {}
    for words in by_language.values():
        for word in sorted(words):
            row_of.setdefault(word, len(row_of))
    membership = np.zeros((len(row_of), len(languages)), dtype=np.int32)
    for column, lang in enumerate(languages):
        membership[[row_of[w] for w in by_language[lang]], column] = 1
    return row_of, membership


def stop_word_rows(tokens: Sequence[str] | np.ndarray) -> np.ndarray:
    """Per token (lower-cased), its row in the word × language table, or -1 when it is a stop
    word of no language. Look each distinct token up once; rows then serve every page."""
    row_of = _lists()[0]
    return np.fromiter((row_of.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))


def guess_language(rows: np.ndarray) -> int | None:
    """The language (a column of the table) whose stop words cover most of a page's first
    ``LANGUAGE_SAMPLE_TOKENS`` tokens, given as ``stop_word_rows``; ``None`` if none is a stop
    word. Ties go to the first language in alphabetical order of ISO code."""
    membership = _lists()[1]
    hits = rows[:LANGUAGE_SAMPLE_TOKENS]
    hits = hits[hits >= 0]
    if not len(hits):
        return None
    return int(np.argmax(membership[hits].sum(axis=0)))


def stop_word_mask(rows: np.ndarray, language: int) -> np.ndarray:
    """Which of the tokens given as ``stop_word_rows`` are stop words of ``language``."""
    return (rows >= 0) & (_lists()[1][np.maximum(rows, 0), language] > 0)
