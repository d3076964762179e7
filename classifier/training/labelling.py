"""Training labels: gold alignment decides content and comments, weak rules decide the kind.

Rules for a paragraph that is neither content nor comment, first match wins:

1. ``advertisement`` — the text is an ad marker (``cues.AD_TEXT``: "[ad_1]", "Advertisement",
   "Anzeige", ...).
2. ``navigation`` — a short link (link density ≥ ``LINK_DENSITY_NAV``, at most
   ``NAV_MAX_WORDS`` words), or text that is a navigation phrase (``cues.NAVIGATION_TEXT``).
3. ``disclaimer`` — a legal/financial/cookie/copyright cue in the text (``cues.DISCLAIMER_TEXT``)
   or a disclaimer class/id token on an ancestor.
4. ``advertisement`` — an ad class/id token (``cues.AD_CLASS``) on one of the nearest
   ``NEAR_ANCESTORS`` ancestors.
5. ``navigation`` — inside a nav landmark or under a navigation class/id token.
6. ``other`` — everything else (share bars, related links, author boxes, widgets, ...).

Their precision is measured on a hand-checked sample (``data/handcheck``).
"""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import LCSseq

from classifier.cues import (
    AD_CLASS,
    AD_TEXT,
    DISCLAIMER_CLASS,
    DISCLAIMER_TEXT,
    NAVIGATION_CLASS,
    NAVIGATION_TEXT,
)
from classifier.document import Paragraph
from classifier.labels import Label
from classifier.training.align import CONTENT_SHARE_THRESHOLD, gold_shares, tokens_with_owner

#: A paragraph this much link text, and this short, is a navigation link.
LINK_DENSITY_NAV = 0.8
NAV_MAX_WORDS = 5
#: Ad class tokens count only on the nearest ancestors: a page-wide "ad-free" wrapper says little.
NEAR_ANCESTORS = 4


def weak_kind(paragraph: Paragraph) -> Label:
    """The boilerplate kind of a non-content paragraph, by the rules in the module docstring."""
    text = paragraph.text
    head = text[:400].lower()  # the cue patterns match lower-cased text
    if AD_TEXT.search(head):
        return Label.ADVERTISEMENT
    n_words = len(text.split())
    if paragraph.link_density >= LINK_DENSITY_NAV and n_words <= NAV_MAX_WORDS:
        return Label.NAVIGATION
    if NAVIGATION_TEXT.match(head) and n_words <= NAV_MAX_WORDS * 2:
        return Label.NAVIGATION
    if DISCLAIMER_TEXT.search(head) or any(DISCLAIMER_CLASS.match(t) for t in paragraph.ancestors):
        return Label.DISCLAIMER
    if any(AD_CLASS.match(t) for t in paragraph.ancestors[:NEAR_ANCESTORS]):
        return Label.ADVERTISEMENT
    if paragraph.in_nav or any(NAVIGATION_CLASS.match(t) for t in paragraph.ancestors):
        return Label.NAVIGATION
    return Label.OTHER


def label_paragraphs(paragraphs: list[Paragraph], gold: str, comments: str) -> list[Label]:
    """Content by gold alignment, comment by alignment to ``comments``, else ``weak_kind``."""
    content = gold_shares(paragraphs, gold) >= CONTENT_SHARE_THRESHOLD
    comment = (gold_shares(paragraphs, comments) >= CONTENT_SHARE_THRESHOLD if comments.strip()
               else np.zeros(len(paragraphs), dtype=bool))
    return [Label.CONTENT if c else Label.COMMENT if m else weak_kind(p)
            for p, c, m in zip(paragraphs, content, comment, strict=True)]


def transfer_kinds(target: list[Paragraph], source: list[Paragraph],
                   source_labels: list[Label]) -> list[Label | None]:
    """For each ``target`` paragraph, the majority boilerplate kind of the ``source`` paragraphs
    its tokens align to (``None`` where nothing aligns). Used to give a text rendering of a page
    the kinds its HTML paragraphs got, since the text has no DOM for the rules to read."""
    target_tokens, target_owner = tokens_with_owner([p.text for p in target])
    source_tokens, source_owner = tokens_with_owner([p.text for p in source])
    votes: list[dict[Label, int]] = [{} for _ in target]
    for block in LCSseq.opcodes(target_tokens, source_tokens).as_matching_blocks():
        for k in range(block.size):
            kind = source_labels[source_owner[block.b + k]]
            if kind in (Label.CONTENT, Label.COMMENT):
                continue
            tally = votes[target_owner[block.a + k]]
            tally[kind] = tally.get(kind, 0) + 1
    return [max(tally, key=lambda kind: tally[kind]) if tally else None for tally in votes]
