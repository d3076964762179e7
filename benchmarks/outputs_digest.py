"""A digest of every label and score on the public test pages, to show a change keeps outputs.

    python benchmarks/outputs_digest.py [--split test] [--json PATH] [--dump DIR]

Run it before and after a change that must not change behaviour (a restructuring, a speed-up)
and compare the digests: equal digests mean identical outputs. It scores every page of
``--split`` of dragnet, cleaneval, l3s-gn1 and readability in html mode and in text mode (the
page as a scraper's text), each of them four ways:

- ``library``: each page alone, through the library; every paragraph's label and its content
  probability at full precision (``float.hex``), with a hash of its raw text.
- ``library-index``: as a run with recurrence does: a site index over all the pages first
  (``runner.build_index``), then every page scored with it (``runner.run``).
- ``cli-score``, ``cli-clean``: the bytes ``boilerplate score --format jsonl`` and
  ``boilerplate clean --format jsonl --removed`` write for the pages given as JSON lines (the
  command's default run, with the site index), and ``cli-score-alone`` with
  ``--no-recurrence``.

``--dump DIR`` writes what each digest hashes, one line per paragraph (library) or the output
itself (cli), so that two runs that differ can be compared with ``diff -r``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Run from a checkout, where the package may not be installed; import it from here then.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier import make_page, score_pages  # noqa: E402
from classifier.artifact import Model, load_model  # noqa: E402
from classifier.document import Page, Paragraph  # noqa: E402
from classifier.runner import RunOptions, build_index, run  # noqa: E402
from classifier.sites import site_of  # noqa: E402
from classifier.training.datasets import DATASETS, datasets_dir, iter_records  # noqa: E402
from classifier.training.render import scraper_text  # noqa: E402

MODES = ("html", "text")
#: The paragraph field holding the content probability; ``score`` before it was renamed, read
#: so that this script also runs on the commits before the rename.
_PROBABILITY = next(name for name in ("content_probability", "score")
                    if name in Paragraph.__dataclass_fields__)
#: One process, no time limit: the same scores as worker processes, with less to go wrong.
IN_PROCESS = RunOptions(jobs=1, time_limit=None)


def load_inputs(root: Path, split: str) -> list[dict[str, Any]]:
    """Every page of ``split``: id, URL, HTML and the scraper's text of it."""
    return [{"id": r["id"], "url": r.get("url"), "html": r["html"],
             "text": scraper_text(r["html"])}
            for r in iter_records(root, DATASETS, (split,))]


def _pages(inputs: list[dict[str, Any]], mode: str) -> Iterator[Page]:
    for record in inputs:
        page = make_page(record[mode], mode, id=record["id"], url=record["url"])
        if page.site is None:  # before ``make_page`` decided the site key itself
            page.site = site_of(record["url"])
        yield page


def _library_lines(pages: Iterator[Page]) -> Iterator[str]:
    for page in pages:
        yield f"page {page.id} error={page.error}"
        for p in page.paragraphs:
            text = hashlib.sha256(p.raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            label = p.label.value if p.label else None
            yield f"{p.index} {label} {float(getattr(p, _PROBABILITY)).hex()} {text}"


def library_outputs(inputs: list[dict[str, Any]], mode: str, model: Model) -> dict[str, str]:
    """What the library gives for every page of ``mode``, alone and with a site index."""
    alone = "\n".join(_library_lines(score_pages(_pages(inputs, mode), model)))
    index = build_index(_pages(inputs, mode), run_options=IN_PROCESS)
    indexed = "\n".join(_library_lines(run(_pages(inputs, mode), model, run_options=IN_PROCESS,
                                           index=index)))
    return {"library": alone, "library-index": indexed}


def cli_outputs(inputs: list[dict[str, Any]], mode: str, folder: Path) -> dict[str, str]:
    """What ``boilerplate score`` and ``clean`` write for the pages of ``mode`` as JSON lines."""
    source = folder / f"{mode}.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for record in inputs:
            out.write(json.dumps({"id": record["id"], "url": record["url"],
                                  mode: record[mode]}) + "\n")
    common = ["--format", "jsonl", "--quiet", "--jobs", "1", "--time-limit", "0", str(source)]
    commands = {"cli-score": ["score", *common],
                "cli-score-alone": ["score", "--no-recurrence", *common],
                "cli-clean": ["clean", "--removed", *common]}
    outputs = {}
    for name, args in commands.items():
        done = subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True,
                              check=False)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"boilerplate {' '.join(args)} failed:\n{done.stderr.decode()}")
        outputs[name] = done.stdout.decode("utf-8")
    return outputs


def digest(text: str) -> str:
    """The sha256 of ``text`` (UTF-8), in hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def main(argv: list[str] | None = None) -> None:
    """Score the split every way, print a digest of each and of all."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets-dir", help="folder of the *.jsonl.gz corpora "
                        "(default: $BOILERPLATE_DATASETS or ../shared/datasets)")
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--json", type=Path, help="also write the digests to this JSON file")
    parser.add_argument("--dump", type=Path, help="write what each digest hashes into DIR")
    args = parser.parse_args(argv)
    inputs = load_inputs(datasets_dir(args.datasets_dir), args.split)
    model = load_model()
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="outputs-digest-") as folder:
        for mode in MODES:
            outputs = {**library_outputs(inputs, mode, model),
                       **cli_outputs(inputs, mode, Path(folder))}
            for name, text in outputs.items():
                key = f"{mode}/{name}"
                digests[key] = digest(text)
                print(f"{key:22s} {digests[key]}  ({text.count(chr(10)) + 1} lines)")
                if args.dump:
                    (args.dump / mode).mkdir(parents=True, exist_ok=True)
                    (args.dump / mode / name).write_text(text, encoding="utf-8",
                                                         errors="surrogatepass")
    digests["all"] = digest(json.dumps(digests, sort_keys=True))
    print(f"{len(inputs)} pages of split {args.split}; all: {digests['all']}")
    if args.json:
        args.json.write_text(json.dumps(digests, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
