"""The hand-checked sample of boilerplate kinds, and the weak rules' precision on it.

``data/handcheck/boilerplate-kinds.csv`` holds, for boilerplate paragraphs (neither content
nor comment by gold alignment) of train-split HTML pages: page id, paragraph index, the sha1 of
the paragraph's text (so a change of segmentation is caught, not silently mislabelled) and the
kind a person gave it. No dataset text is stored.

    python -m classifier.training.handcheck sample --out /tmp/sample.jsonl   # texts to label
    python -m classifier.training.handcheck precision                       # rules vs hand
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from classifier.labels import BOILERPLATE_KINDS, Label
from classifier.training.datasets import HEADLINE_DATASETS, datasets_dir, iter_records
from classifier.training.examples import labelled_paragraphs

HANDCHECK_DEFAULT = Path("data/handcheck/boilerplate-kinds.csv")
SAMPLE_PER_KIND = 75


def text_sha1(text: str) -> str:
    """Short sha1 of a paragraph's text, to check a sample row still points at the same text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def sample(root: Path, per_kind: int, seed: int) -> list[dict]:
    """``per_kind`` random boilerplate paragraphs of each rule kind from train HTML pages, with
    the text and DOM context a person needs to label them (the rule's kind is included for
    the precision computation, and must be hidden from whoever labels)."""
    pool: dict[Label, list[dict]] = defaultdict(list)
    for record in iter_records(root, HEADLINE_DATASETS, ["train"]):
        for p in labelled_paragraphs(record):
            if p.label in BOILERPLATE_KINDS:
                pool[p.label].append({"page_id": record["id"], "paragraph_index": p.index,
                                      "text_sha1": text_sha1(p.text), "rule_kind": p.label.value,
                                      "text": p.text[:600], "tag": p.tag,
                                      "ancestors": " ".join(p.ancestors[:8]),
                                      "link_density": round(p.link_density, 2),
                                      "in_nav": p.in_nav, "in_footer": p.in_footer})
    rng = random.Random(seed)
    chosen = [row for kind in BOILERPLATE_KINDS
              for row in rng.sample(pool[kind], min(per_kind, len(pool[kind])))]
    rng.shuffle(chosen)
    return chosen


def precision(root: Path, handcheck: Path) -> dict[str, dict[str, float]]:
    """Per rule kind: how many sampled paragraphs the rules gave that kind and the share a
    person agreed with. Raises if a row no longer points at the text it was checked on."""
    with handcheck.open(encoding="utf-8") as lines:
        rows = list(csv.DictReader(lines))
    wanted: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        wanted[row["page_id"]][int(row["paragraph_index"])] = row
    rule_of: dict[tuple[str, int], str] = {}
    for record in iter_records(root, HEADLINE_DATASETS, ["train"]):
        if record["id"] not in wanted:
            continue
        paragraphs = labelled_paragraphs(record)
        for index, row in wanted[record["id"]].items():
            if index >= len(paragraphs) or text_sha1(paragraphs[index].text) != row["text_sha1"]:
                raise ValueError(f"{record['id']} paragraph {index} changed since it was "
                                 "hand-checked; re-sample")
            rule_of[(record["id"], index)] = (paragraphs[index].label or Label.OTHER).value
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        rule = rule_of[(row["page_id"], int(row["paragraph_index"]))]
        tally[rule]["n"] += 1
        tally[rule]["agree"] += rule == row["kind"]
    return {kind: {"sampled": c["n"], "precision": c["agree"] / c["n"]}
            for kind, c in sorted(tally.items())}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Hand-checked boilerplate kinds")
    parser.add_argument("command", choices=["sample", "precision"])
    parser.add_argument("--datasets-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("/tmp/handcheck-sample.jsonl"))
    parser.add_argument("--handcheck", type=Path, default=HANDCHECK_DEFAULT)
    parser.add_argument("--per-kind", type=int, default=SAMPLE_PER_KIND)
    parser.add_argument("--seed", type=int, default=300)
    args = parser.parse_args(argv)
    root = datasets_dir(args.datasets_dir)
    if args.command == "sample":
        rows = sample(root, args.per_kind, args.seed)
        with args.out.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(rows)} rows to {args.out} (contains dataset text: keep it out of git)")
        return
    result = precision(root, args.handcheck)
    total = sum(r["sampled"] for r in result.values())
    agree = sum(r["precision"] * r["sampled"] for r in result.values())
    print("| rule kind | sampled | precision |\n|---|---:|---:|")
    for kind, r in result.items():
        print(f"| {kind} | {r['sampled']} | {r['precision']:.3f} |")
    print(f"| all | {total} | {agree / total:.3f} |")


if __name__ == "__main__":
    main()
