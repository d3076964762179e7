"""Stop-word lists for many languages (``stopwordsiso``), and the guess of a page's language.

Stop-word density is a strong, language-agnostic sign of running prose, provided it is measured
against the page's own language. The lists load on first use, never at import time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Tokens of a page read to guess its language; enough for a stable guess, cheap to count.
LANGUAGE_SAMPLE_TOKENS = 400


@lru_cache(maxsize=1)
def _lists() -> tuple[tuple[str, ...], dict[str, frozenset[str]], dict[str, int], np.ndarray]:
    """Languages, their stop words, and a word × language membership matrix (built once)."""
    import stopwordsiso

    languages = tuple(sorted(stopwordsiso.langs()))
    by_language = {lang: frozenset(stopwordsiso.stopwords(lang)) for lang in languages}
    row_of: dict[str, int] = {}
    for words in by_language.values():
        for word in sorted(words):
            row_of.setdefault(word, len(row_of))
    membership = np.zeros((len(row_of), len(languages)), dtype=np.int32)
    for column, lang in enumerate(languages):
        membership[[row_of[w] for w in by_language[lang]], column] = 1
    return languages, by_language, row_of, membership


def guess_language(tokens: list[str]) -> str | None:
    """The language whose stop words cover most of ``tokens`` (lower-cased), or ``None``.

    Only the first ``LANGUAGE_SAMPLE_TOKENS`` tokens are read; ties go to the first language
    in alphabetical order of ISO code.
    """
    languages, _, row_of, membership = _lists()
    rows = [row_of.get(t, -1) for t in tokens[:LANGUAGE_SAMPLE_TOKENS]]
    hits = np.asarray([r for r in rows if r >= 0], dtype=np.int64)
    if not len(hits):
        return None
    return languages[int(np.argmax(membership[hits].sum(axis=0)))]


def stop_words(language: str | None) -> frozenset[str]:
    """The stop words of ``language`` (an ISO 639-1 code); empty when unknown."""
    if language is None:
        return frozenset()
    return _lists()[1].get(language, frozenset())
