"""``boilerplate train``: rebuild the model from the public corpora, reproducibly.

Train on ``train`` (plus synthetic sites built from train articles), choose the threshold on
``dev``, report on ``test`` (never tuned on), and save the artifact with its card.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from classifier.artifact import Model, load_model, save_model, write_card
from classifier.document import Page
from classifier.evaluation import Score
from classifier.features import paragraph_table
from classifier.model import build_pipeline
from classifier.training.datasets import DATASETS, LICENCE_NOTES, split_records
from classifier.training.evaluate import (
    choose_presets,
    choose_threshold,
    quality_by_dataset,
    score_split,
)
from classifier.training.examples import annotate_leave_one_out, labelled_pages
from classifier.training.synthetic import (
    ARTICLES_DEFAULT,
    CATALOGUE_DEFAULT,
    Catalogue,
    gold_articles,
    synthetic_group,
    synthetic_pages,
)

#: Synthetic sites and pages per site added to the training data.
SYNTHETIC_SITES_DEFAULT = 300
SYNTHETIC_PAGES_DEFAULT = 12
SEED_DEFAULT = 20261130
#: Share of multi-page site groups given recurrence evidence in training; the rest stay
#: "unknown", as a page scored alone is.
RECURRENCE_SHARE = 0.7
#: Cross-validation folds of the first stage, and folds of synthetic snippets (see
#: ``synthetic_pages``).
FOLDS = 4
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "lxml", "datasketch",
             "stopwordsiso")


@dataclass(frozen=True)
class TrainConfig:
    """Everything ``train`` needs; ``limit`` caps records per dataset for quick runs."""

    datasets_dir: Path
    output: Path
    catalogue: Path = CATALOGUE_DEFAULT
    articles: Path = ARTICLES_DEFAULT
    jobs: int = 1
    seed: int = SEED_DEFAULT
    limit: int | None = None
    synthetic_sites: int = SYNTHETIC_SITES_DEFAULT
    synthetic_pages: int = SYNTHETIC_PAGES_DEFAULT


def training_pages(config: TrainConfig, log: Any = print) -> list[Page]:
    """Labelled real pages of the train split and synthetic pages built from its articles."""
    records = split_records(config.datasets_dir, "train", limit=config.limit)
    log(f"labelling {len(records)} train pages ({config.jobs} jobs)")
    pages = labelled_pages(records, jobs=config.jobs)
    catalogue = Catalogue.load(config.catalogue, config.articles, part="train")
    # Stories only: the gold of WCXB's other page types (a product's specification, a
    # listing's entries) is no article to wrap in a site's template.
    articles = gold_articles([r for r in records if r.get("page_type", "article") == "article"])
    synthetic = synthetic_pages(articles, catalogue, config.synthetic_sites,
                                config.synthetic_pages, config.seed, folds=FOLDS)
    log(f"{len(pages)} corpus pages (html and two text renderings), {len(synthetic)} synthetic")
    annotated = annotate_leave_one_out(pages + synthetic, RECURRENCE_SHARE, config.seed)
    log(f"{annotated} pages carry leave-one-page-out recurrence evidence")
    return pages + synthetic


def fit(pages: list[Page], seed: int) -> Pipeline:
    """Fit the pipeline on labelled pages; folds group pages by site (synthetic pages by the
    fold of snippets they were built from)."""
    table = paragraph_table(pages)
    labels = np.asarray([p.label.value for page in pages for p in page.paragraphs
                         if p.label is not None])
    if len(labels) != len(table):
        raise ValueError("every training paragraph needs a label")
    groups = np.asarray([synthetic_group(page, FOLDS) or page.site or page.id
                         for page in pages for _ in page.paragraphs])
    pipeline = build_pipeline(classifier__random_state=seed, classifier__folds=FOLDS)
    return pipeline.fit(table, labels, classifier__groups=groups)


def _scores_json(result: dict[str, dict[str, Score]]) -> dict[str, dict[str, dict[str, float]]]:
    return {mode: {name: {"precision": round(s.precision, 4), "recall": round(s.recall, 4),
                          "f1": round(s.f1, 4)} for name, s in per.items()}
            for mode, per in result.items()}


def measure(model: Model, datasets_dir: Path, limit: int | None, log: Any = print
            ) -> dict[str, Any]:
    """Choose ``model``'s threshold and its ``--precision``/``--recall`` presets on dev and
    measure the threshold there and on test: the card's ``threshold``, ``presets`` and
    ``metrics`` (per split, mode and corpus, at that threshold). ``limit``: pages per corpus
    and split (quick runs)."""
    log("scoring dev")
    dev = score_split(model, datasets_dir, "dev", limit=limit)
    threshold, dev_f1 = choose_threshold(dev)
    log(f"dev-chosen threshold {threshold} (mean headline F1 {dev_f1:.4f})")
    presets = choose_presets(dev)
    log("dev-chosen presets " + ", ".join(f"{name} {preset['threshold']}"
                                          for name, preset in presets.items()))
    log("scoring test")
    test = score_split(model, datasets_dir, "test", limit=limit)
    metrics = {"dev": _scores_json(quality_by_dataset(dev, threshold)),
               "test": _scores_json(quality_by_dataset(test, threshold)),
               "measure": "token bag-of-words P/R/F1 per page, mean over pages; text "
                          "mode is html-text's guess_layout rendering"}
    return {"threshold": threshold, "presets": presets, "metrics": metrics}


def rescore_card(model_path: Path, datasets_dir: Path, limit: int | None = None,
                 log: Any = print) -> dict[str, Any]:
    """Measure a trained model again with this code (features, segmentation and the threshold
    rule may have changed since it was trained) and rewrite its card's threshold and metrics;
    the artifact and its sha256 stay as they are. Returns the card."""
    model = load_model(model_path, trust=True)
    card = {**model.card, **measure(model, datasets_dir, limit, log)}
    write_card(model_path, card)
    return card


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def train(config: TrainConfig, log: Any = print) -> dict[str, Any]:
    """Train, choose the threshold on dev, report on test, save; returns the card."""
    started = time.perf_counter()
    pages = training_pages(config, log)
    log(f"fitting on {sum(len(p.paragraphs) for p in pages)} paragraphs")
    pipeline = fit(pages, config.seed)
    measured = measure(Model(pipeline=pipeline, card={}), config.datasets_dir, config.limit, log)
    card = {
        "name": "boilerplate paragraph classifier",
        "threshold": measured["threshold"],
        "presets": measured["presets"],
        "training_data": {
            "datasets": {name: {"split": "train", "licence_note": LICENCE_NOTES[name]}
                         for name in DATASETS},
            "records_per_dataset_limit": config.limit,
            "synthetic": {"sites": config.synthetic_sites, "pages_per_site": config.synthetic_pages,
                          "catalogue": str(config.catalogue), "articles": str(config.articles),
                          "catalogue_part": "train",
                          "note": "boilerplate and articles of the project's own writing"},
            "recurrence": {"indexed_share_of_site_groups": RECURRENCE_SHARE,
                           "method": "leave-one-page-out within site and rendering"},
            "paragraphs": int(sum(len(p.paragraphs) for p in pages)),
        },
        "metrics": measured["metrics"],
        "seed": config.seed,
        "library_versions": _versions(),
        "command": " ".join(["boilerplate", *sys.argv[1:]]) if sys.argv else "",
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return save_model(pipeline, card, config.output)
