"""Aligning a page's paragraphs to gold text, token by token, in order.

A paragraph's *gold share* is the share of its word tokens that fall in blocks of the page's
token sequence matching the gold token sequence in order: a longest common subsequence of the
whole page's tokens and the gold's (``rapidfuzz``'s bit-parallel LCS, far faster than
difflib). A paragraph whose gold share reaches ``CONTENT_SHARE_THRESHOLD`` is content.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import LCSseq

from classifier.document import Paragraph
from classifier.evaluation import word_tokens

#: Gold share from which a paragraph is labelled content. Checked against L3S-GN1's hand-made
#: ``gold_blocks`` on its train split (``python -m classifier.training.agreement``): Cohen's
#: kappa is 0.991-0.994 for every threshold from 0.2 to 0.8 (0.9932 here, 0.9938 at the best,
#: 0.6), so the middle value stands.
CONTENT_SHARE_THRESHOLD = 0.5


def matched_mask(tokens: list[str], reference: list[str]) -> np.ndarray:
    """Per token of ``tokens``, whether it falls in an in-order match against ``reference``."""
    mask = np.zeros(len(tokens), dtype=bool)
    if not tokens or not reference:
        return mask
    for block in LCSseq.opcodes(tokens, reference).as_matching_blocks():
        mask[block.a: block.a + block.size] = True
    return mask


def tokens_with_owner(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """The word tokens of ``texts`` in order, and for each the number of its text."""
    tokens: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        words = word_tokens(text)
        tokens += words
        owner += [i] * len(words)
    return tokens, owner


def gold_shares(paragraphs: list[Paragraph], gold: str) -> np.ndarray:
    """Per paragraph, the share of its tokens aligned in order to ``gold`` (0..1)."""
    tokens, owner = tokens_with_owner([p.text for p in paragraphs])
    mask = matched_mask(tokens, word_tokens(gold))
    owners = np.asarray(owner, dtype=np.int64)
    totals = np.bincount(owners, minlength=len(paragraphs))
    hits = np.bincount(owners, weights=mask.astype(np.float64), minlength=len(paragraphs))
    return np.divide(hits, totals, out=np.zeros(len(paragraphs)), where=totals > 0)
