"""How well the gold-text alignment agrees with L3S-GN1's hand-made block labels.

L3S-GN1 ships, besides its gold text, every text block of the page with an annotator's label
(headline, fulltext, supplemental, related, comments, not_content). A paragraph is *hand
content* when most of its tokens align to headline, full-text or supplemental blocks; the
alignment calls it content when its gold share reaches a threshold. Agreement is measured per
paragraph (accuracy, Cohen's kappa, F1 of content) for a grid of thresholds.

    python -m classifier.training.agreement [--split train]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import LCSseq
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from classifier.evaluation import word_tokens
from classifier.segment import segment_html
from classifier.training.align import gold_shares, tokens_with_owner
from classifier.training.datasets import datasets_dir, iter_records

CONTENT_BLOCKS = frozenset({"headline", "fulltext", "supplemental"})
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def hand_labels(paragraph_texts: Sequence[str], blocks: Sequence[dict[str, Any]]) -> np.ndarray:
    """Per paragraph, whether most of its aligned tokens sit in hand-labelled content blocks
    (paragraphs with no aligned token are not content)."""
    tokens, owner = tokens_with_owner(paragraph_texts)
    block_tokens: list[str] = []
    block_content: list[bool] = []
    for block in blocks:
        words = word_tokens(block["text"])
        block_tokens += words
        block_content += [block["label"] in CONTENT_BLOCKS] * len(words)
    votes = np.zeros((len(paragraph_texts), 2))
    for match in LCSseq.opcodes(tokens, block_tokens).as_matching_blocks():
        for k in range(match.size):
            votes[owner[match.a + k], int(block_content[match.b + k])] += 1
    return votes[:, 1] > votes[:, 0]


@dataclass(frozen=True)
class Agreement:
    """Paragraph-level agreement of alignment labels with hand labels."""

    threshold: float
    paragraphs: int
    accuracy: float
    kappa: float
    f1: float


def agreement(hand: np.ndarray, shares: np.ndarray, threshold: float) -> Agreement:
    """Accuracy, Cohen's kappa and content F1 of ``shares >= threshold`` against ``hand``."""
    auto = shares >= threshold
    return Agreement(threshold, len(hand), float(accuracy_score(hand, auto)),
                     float(cohen_kappa_score(hand, auto)),
                     float(f1_score(hand, auto, zero_division=1.0)))


def collect(root: Path, splits: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hand labels and gold shares of every L3S-GN1 paragraph (HTML segmentation) of ``splits``."""
    hands, shares = [], []
    for record in iter_records(root, ["l3s-gn1"], splits):
        paragraphs = segment_html(record["html"])
        if not paragraphs:
            continue
        hands.append(hand_labels([p.text for p in paragraphs], record["gold_blocks"]))
        shares.append(gold_shares(paragraphs, record["gold_text"]))
    return np.concatenate(hands), np.concatenate(shares)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Alignment vs L3S-GN1 hand labels")
    parser.add_argument("--datasets-dir", type=Path, default=None)
    parser.add_argument("--split", action="append", default=None,
                        help="splits to read (repeatable; default train)")
    args = parser.parse_args(argv)
    hand, shares = collect(datasets_dir(args.datasets_dir), args.split or ["train"])
    print(f"L3S-GN1 {'+'.join(args.split or ['train'])}: {len(hand)} paragraphs, "
          f"{hand.mean():.1%} hand content")
    print("| threshold | accuracy | kappa | content F1 |\n|---:|---:|---:|---:|")
    for threshold in THRESHOLDS:
        a = agreement(hand, shares, threshold)
        print(f"| {threshold:.1f} | {a.accuracy:.4f} | {a.kappa:.4f} | {a.f1:.4f} |")


if __name__ == "__main__":
    main()
