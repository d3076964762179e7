"""Reading the public corpora in ``../shared/datasets`` (gzip JSON lines, one page a line)."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: The corpora, in the order they are reported.
DATASETS = ("dragnet", "cleaneval", "l3s-gn1", "readability", "wcxb")
#: The corpora whose mean F1 is the headline figure (readability's test split is too small;
#: WCXB's modern pages are reported on their own, overall and per page type).
HEADLINE_DATASETS = ("dragnet", "cleaneval", "l3s-gn1")
SPLITS = ("train", "dev", "test")
#: Where the corpora are looked for unless ``BOILERPLATE_DATASETS`` or an argument says.
DATASETS_DIR_DEFAULT = Path("../shared/datasets")


def datasets_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The corpora folder: ``path``, else ``$BOILERPLATE_DATASETS``, else ``../shared/datasets``."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get("BOILERPLATE_DATASETS", DATASETS_DIR_DEFAULT))


def iter_records(root: Path, datasets: Sequence[str] = DATASETS,
                 splits: Sequence[str] = SPLITS) -> Iterator[dict[str, Any]]:
    """Records of ``datasets`` whose ``split`` is in ``splits``, in file order (sorted by id)."""
    for name in datasets:
        path = root / f"{name}.jsonl.gz"
        if not path.exists():
            raise FileNotFoundError(f"dataset file {path} not found "
                                    f"(is {root} the datasets folder?)")
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if record["split"] in splits:
                    yield record


def split_key(record: dict[str, Any]) -> str:
    """The key a corpus splits its records by: the record's ``site``, else its id."""
    return str(record.get("site") or record["id"])


def split_records(root: Path, split: str, datasets: Sequence[str] = DATASETS,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """The records of ``split`` of each of ``datasets``, in order (the first ``limit`` of
    each)."""
    records: list[dict[str, Any]] = []
    for name in datasets:
        taken = list(iter_records(root, [name], [split]))
        records += taken[:limit] if limit else taken
    return records


#: Corpora whose licence lets short excerpts of their pages appear in committed outputs
#: (reports, notebooks): Dragnet's data is AGPLv3, Readability's repository Apache-2.0. L3S-GN1
#: (research use only, non-transferable) and CleanEval (no licence stated) are shown by ids and
#: labels only.
EXCERPT_DATASETS = frozenset({"dragnet", "readability"})

#: Licence notes of each corpus, from the datasets' README; copied into every model card.
LICENCE_NOTES = {
    "dragnet": "AGPLv3 (upstream README); research/non-commercial use, commercial use if "
               "open-sourced",
    "cleaneval": "no licence stated upstream; all rights belong to the original owners",
    "l3s-gn1": "research use only, non-exclusive, non-transferable; cite Kohlschuetter et al., "
               "WSDM 2010",
    "readability": "Mozilla Readability repository Apache-2.0; the pages are third-party web "
                   "pages",
    "wcxb": "CC-BY-4.0 (its metadata; the repository's LICENSE file is Apache-2.0); credit: "
            "WCXB: Web Content eXtraction Benchmark (Foley, 2025-26)",
}
