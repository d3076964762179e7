"""The ``boilerplate`` command: a thin click shell over the library.

Each command parses its arguments, builds options, calls one library function and writes.
Exit status: 0 when every record was processed, 1 when any record came back with an error
(its output record says why), 2 for usage errors (bad options, an untrusted model).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from classifier import __version__
from classifier.api import THRESHOLD_DEFAULT, Options, score_pages
from classifier.artifact import Model, ModelError, load_model
from classifier.document import Page
from classifier.io.readers import MAX_PAGE_BYTES_DEFAULT, InputType, ReadOptions, read_pages
from classifier.io.writers import (
    CLEAN_FORMATS,
    SCORE_FORMATS,
    atomic_path,
    clean_record,
    score_record,
    write_json,
    write_jsonl,
    write_table,
    write_table_file,
)
from classifier.labels import Label


def _input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.argument("paths", nargs=-1, required=True),
        click.option("--input-type", type=click.Choice([t.value for t in InputType]),
                     default="auto", show_default=True,
                     help="How to read inputs; auto decides by file name, then content."),
        click.option("--glob", default="*", show_default=True,
                     help="File-name pattern for files found in folders."),
        click.option("--id-field", default="id", show_default=True, help="JSON lines: id field."),
        click.option("--url-field", default="url", show_default=True, help="JSON lines: URL field."),
        click.option("--html-field", default="html", show_default=True,
                     help="JSON lines: HTML field."),
        click.option("--text-field", default="text", show_default=True,
                     help="JSON lines: text field."),
        click.option("--max-bytes", type=int, default=MAX_PAGE_BYTES_DEFAULT, show_default=True,
                     help="Larger pages get an error record instead of being scored."),
        click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
                     help="A model file other than the shipped one (needs --trust-model)."),
        click.option("--trust-model", is_flag=True,
                     help="Load --model although loading a model file runs code from it."),
        click.option("--threshold", type=click.FloatRange(0, 1), default=THRESHOLD_DEFAULT,
                     show_default=True, help="Probability of content from which text is kept."),
        click.option("--keep", multiple=True, type=click.Choice(["comment"]),
                     help="Also keep these paragraphs (e.g. readers' comments)."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Write here (atomically) instead of stdout."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _read_options(kw: dict[str, Any]) -> ReadOptions:
    return ReadOptions(input_type=InputType(kw["input_type"]), id_field=kw["id_field"],
                       url_field=kw["url_field"], html_field=kw["html_field"],
                       text_field=kw["text_field"], glob=kw["glob"], max_bytes=kw["max_bytes"])


def _options(kw: dict[str, Any]) -> Options:
    keep = frozenset({Label.CONTENT, *(Label(k) for k in kw["keep"])})
    return Options(threshold=kw["threshold"], keep=keep)


def _model(kw: dict[str, Any]) -> Model:
    try:
        return load_model(kw["model_path"], trust=kw["trust_model"])
    except ModelError as error:
        raise click.UsageError(str(error)) from None


class _ErrorCount:
    """Counts pages that carry an error as they stream past."""

    def __init__(self) -> None:
        self.errors = 0

    def __call__(self, pages: Iterable[Page]) -> Iterator[Page]:
        for page in pages:
            if page.error is not None:
                self.errors += 1
            yield page


def _emit(kw: dict[str, Any], write: Callable[[IO[str], Path | None], None]) -> None:
    output: Path | None = kw["output"]
    if output is None:
        write(sys.stdout, None)
        return
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
        write(out, tmp)


def _scored(kw: dict[str, Any], counter: _ErrorCount) -> Iterator[Page]:
    pages = read_pages(kw["paths"], _read_options(kw), stdin=sys.stdin.buffer)
    return counter(score_pages(pages, _model(kw), _options(kw)))


@click.group()
@click.version_option(__version__, prog_name="boilerplate")
def main() -> None:
    """Separate editorial text from boilerplate (ads, disclaimers, navigation) in web pages."""


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(SCORE_FORMATS), default="table",
              show_default=True)
def score(fmt: str, **kw: Any) -> None:
    """Label every paragraph of each page (PATHS: files, folders or - for stdin)."""
    counter = _ErrorCount()
    pages = _scored(kw, counter)

    def write(out: IO[str], path: Path | None) -> None:
        if fmt == "jsonl":
            write_jsonl((score_record(p) for p in pages), out)
        elif fmt == "json":
            write_json((score_record(p) for p in pages), out)
        elif fmt == "table":
            write_table(pages, out)
        else:
            if fmt == "parquet" and path is None:
                raise click.UsageError("--format parquet needs --output PATH")
            write_table_file(pages, fmt, path, out)

    _emit(kw, write)
    sys.exit(1 if counter.errors else 0)


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(CLEAN_FORMATS), default="text",
              show_default=True)
@click.option("--removed", is_flag=True, help="jsonl: also list removed paragraphs and labels.")
def clean(fmt: str, removed: bool, **kw: Any) -> None:
    """Print the editorial text of each page (PATHS: files, folders or - for stdin)."""
    counter = _ErrorCount()
    pages = _scored(kw, counter)
    options = _options(kw)

    def write(out: IO[str], path: Path | None) -> None:
        if fmt == "jsonl":
            write_jsonl((clean_record(p, options, removed) for p in pages), out)
            return
        for page in pages:
            if page.error is not None:
                click.echo(f"{page.id}: {page.error}", err=True)
                continue
            out.write(clean_record(page, options)["text"] + "\n\n")

    _emit(kw, write)
    sys.exit(1 if counter.errors else 0)


@main.command()
@click.option("--datasets", "datasets_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Corpora folder [default: $BOILERPLATE_DATASETS or "
              "../shared/datasets].")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("classifier/model_data/default.joblib"), show_default=True)
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True,
              help="Processes for labelling pages.")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="At most this many pages per dataset and split (quick runs).")
@click.option("--seed", type=int, default=None, help="Random seed [default: the shipped one].")
def train(datasets_dir: Path | None, output: Path, jobs: int, limit: int | None,
          seed: int | None) -> None:
    """Rebuild the model from the public corpora (train; threshold chosen on dev)."""
    from classifier.training.datasets import datasets_dir as resolve
    from classifier.training.train import SEED_DEFAULT, TrainConfig
    from classifier.training.train import train as run

    config = TrainConfig(datasets_dir=resolve(datasets_dir), output=output, jobs=jobs,
                         limit=limit, seed=SEED_DEFAULT if seed is None else seed)
    card = run(config, log=lambda message: click.echo(message, err=True))
    click.echo(f"wrote {output} (sha256 {card['sha256'][:12]}…), threshold {card['threshold']}")


@main.command()
@click.option("--datasets", "datasets_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Corpora folder [default: $BOILERPLATE_DATASETS or "
              "../shared/datasets].")
@click.option("--split", type=click.Choice(["train", "dev", "test"]), default="test",
              show_default=True)
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None)
@click.option("--trust-model", is_flag=True)
@click.option("--threshold", type=click.FloatRange(0, 1), default=THRESHOLD_DEFAULT,
              show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None,
              help="At most this many pages per dataset.")
def evaluate(datasets_dir: Path | None, split: str, model_path: str | None, trust_model: bool,
             threshold: float, limit: int | None) -> None:
    """Print per-dataset token precision, recall and F1 in html and text mode."""
    from classifier.training.datasets import datasets_dir as resolve
    from classifier.training.evaluate import report, score_split

    model = _model({"model_path": model_path, "trust_model": trust_model})
    result = report(score_split(model, resolve(datasets_dir), split, limit=limit), threshold)
    click.echo(f"{'mode':6s} {'dataset':12s} {'precision':>9s} {'recall':>7s} {'f1':>6s}")
    for mode, per in result.items():
        for name, s in per.items():
            click.echo(f"{mode:6s} {name:12s} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}")
