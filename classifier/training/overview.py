"""Facts about the corpora and their labelled paragraphs, as ``notebooks/01-data.ipynb`` shows
them."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.document import Page
from classifier.evaluation import word_tokens
from classifier.training.datasets import DATASETS, SPLITS, iter_records, split_key
from classifier.training.examples import rendering


def corpus_table(root: Path, datasets: Sequence[str] = DATASETS) -> pd.DataFrame:
    """Per corpus: pages and sites in all and per split, and the median gold length in words."""
    rows = []
    for name in datasets:
        pages: Counter[str] = Counter()
        sites: dict[str, set[str]] = {split: set() for split in SPLITS}
        gold_words = []
        for record in iter_records(root, [name]):
            pages[record["split"]] += 1
            sites[record["split"]].add(split_key(record))
            gold_words.append(len(word_tokens(record["gold_text"])))
        row: dict[str, Any] = {"dataset": name, "pages": sum(pages.values()),
                               "sites": sum(len(s) for s in sites.values())}
        row.update({f"{split} pages": pages[split] for split in SPLITS})
        row.update({f"{split} sites": len(sites[split]) for split in SPLITS})
        row["median gold words"] = int(pd.Series(gold_words).median())
        rows.append(row)
    return pd.DataFrame(rows).set_index("dataset")


def sample_records(root: Path, split: str, per_dataset: int, seed: int,
                   datasets: Sequence[str] = DATASETS) -> list[dict[str, Any]]:
    """``per_dataset`` records drawn at random (with ``seed``) from ``split`` of each corpus."""
    rng = random.Random(seed)
    sample = []
    for name in datasets:
        records = list(iter_records(root, [name], [split]))
        sample += rng.sample(records, min(per_dataset, len(records)))
    return sample


def paragraph_frame(pages: Sequence[Page]) -> pd.DataFrame:
    """One row per paragraph of labelled ``pages``: corpus, page id, rendering, index, label,
    length in words and characters, link density (0..1; 0 for text renderings), tag, text."""
    rows = [{"dataset": page.id.partition("/")[0], "page": page.id.partition("#")[0],
             "rendering": rendering(page), "index": p.index,
             "label": p.label.value if p.label else None, "words": len(p.text.split()),
             "chars": len(p.text), "link_density": p.link_density, "tag": p.tag, "text": p.text}
            for page in pages for p in page.paragraphs]
    return pd.DataFrame(rows)
