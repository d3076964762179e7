"""The ``boilerplate`` command: a thin click shell over the library.

Each command parses its arguments, turns them into one typed invocation object (as
trafilatura's ``args_to_extractor`` does: ``ScoringInvocation``, ``IndexInvocation``) that is
handed down whole, calls the library and writes.
Exit status (``ExitStatus``): 0 when every record was processed, 1 when any record came back
with an error (its output record says why), 2 for usage errors (bad options, an untrusted model,
an index file refused), 3 when the run itself failed (its output or index could not be written:
disk full, a read-only folder; or an internal error, reported with its traceback as a bug), 130
when interrupted (Ctrl-C), 143 when terminated (SIGTERM), 141 when the reader of its output went
away (a closed pipe, as after ``| head``). A failed run leaves no partial output or index file.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from classifier import __version__
from classifier.api import ScoringOptions, clean_page
from classifier.artifact import Model, ModelError, card_path, load_model
from classifier.atomic import atomic_path
from classifier.document import Page
from classifier.io.pages import MAX_PAGE_BYTES_DEFAULT, InputFormat, ReadOptions, ReadStats
from classifier.io.readers import input_size, read_pages
from classifier.io.writers import (
    CLEAN_FORMATS,
    SCORE_FORMATS,
    Encodable,
    RecordOptions,
    TextSink,
    clean_record,
    printable,
    score_record,
    write_csv,
    write_json,
    write_jsonl,
    write_parquet,
    write_table,
    write_texts,
)
from classifier.labels import Label
from classifier.progress import SiteKeys, progress
from classifier.runner import (
    TIME_LIMIT_DEFAULT,
    RunOptions,
    build_index,
    run,
    segmented_again,
)
from classifier.sites import MAX_SITE_PAGES_DEFAULT
from classifier.summary import Summary

# The site index (numpy, pandas, datasketch) and the Spark job are imported when a command
# needs them.
if TYPE_CHECKING:
    from classifier.fingerprints import IndexConfig
    from classifier.recurrence import SiteIndex
    from classifier.spark import SparkJob


def _apply(command: Callable[..., Any], decorators: list[Callable[..., Any]]
           ) -> Callable[..., Any]:
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """PATHS and how they are read: shared by scoring, indexing and Spark commands."""
    return _apply(command, [
        click.argument("paths", nargs=-1),
        click.option("--input-type", "input_format",
                     type=click.Choice([f.value for f in InputFormat]),
                     default="auto", show_default=True,
                     help="How to read inputs; auto decides by file name, then content."),
        click.option("--glob", default="*", show_default=True,
                     help="File-name pattern for files found in folders."),
        click.option("--id-field", default="id", show_default=True,
                     help="JSON lines and Parquet: id field (dotted paths reach nested ones: "
                          "metadata.id)."),
        click.option("--url-field", default="url", show_default=True,
                     help="JSON lines and Parquet: URL field."),
        click.option("--html-field", default="html", show_default=True,
                     help="JSON lines and Parquet: HTML field."),
        click.option("--text-field", default="text", show_default=True,
                     help="JSON lines and Parquet: text field."),
        click.option("--max-bytes", type=int, default=MAX_PAGE_BYTES_DEFAULT, show_default=True,
                     help="Larger pages get an error record instead of being scored."),
        click.option("--site", default=None,
                     help="Site key for every page (else the registered domain of its URL, "
                          "else of an HTML page's canonical link); pages without one get no "
                          "recurrence evidence."),
    ])


def _model_fields(command: Callable[..., Any]) -> Callable[..., Any]:
    """Which model scores and what is kept (``ModelSource``, ``ScoringOptions``)."""
    return _apply(command, [
        click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
                     help="A model file other than the shipped one (needs --trust-model)."),
        click.option("--trust-model", is_flag=True,
                     help="Load --model although loading a model file runs code from it."),
        click.option("--threshold", type=click.FloatRange(0, 1), default=None,
                     help="Probability of content from which text is kept [default: the "
                          "model's, from its card]."),
        click.option("--precision", "preset", flag_value="precision", default=None,
                     help="Lean to precision: the threshold chosen on dev for the best "
                          "F0.5 (from the model's card): less boilerplate kept, more text lost."),
        click.option("--recall", "preset", flag_value="recall",
                     help="Lean to recall: the threshold chosen on dev for the best F2 (from "
                          "the model's card): more text kept, more boilerplate too."),
        click.option("--keep", multiple=True, type=click.Choice(["comment"]),
                     help="Also keep these paragraphs (e.g. readers' comments)."),
    ])


def _site_cap(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-site-pages``: ``IndexConfig.max_site_pages`` (``None`` when not given)."""
    return click.option(
        "--max-site-pages", type=click.IntRange(min=0), default=None,
        help="Pages of one site the index keeps, those whose URL hashes lowest; the site's "
             "other pages are compared with them as outsiders. 0: no cap [default: "
             f"{MAX_SITE_PAGES_DEFAULT}, or the --index file's].")(command)


def _index_config(max_site_pages: int | None) -> IndexConfig:
    """The index's config for ``--max-site-pages`` (not given: the default cap; 0: none)."""
    from classifier.fingerprints import IndexConfig

    if max_site_pages is None:
        return IndexConfig()
    return IndexConfig(max_site_pages=max_site_pages or None)


def _scoring_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Everything ``score``, ``clean`` and ``show`` take besides where and how they write."""
    return _apply(_model_fields(_site_cap(_reading_options(command))), [
        click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True,
                     help="Worker processes; output stays in input order."),
        click.option("--time-limit", type=click.FloatRange(min=0), default=TIME_LIMIT_DEFAULT,
                     show_default=True,
                     help="Seconds a page may take before it gets an error record; 0: no limit "
                          "(with --jobs 1, pages are then scored in this process)."),
        click.option("--quiet", "-q", is_flag=True,
                     help="No progress bar and no closing summary on stderr."),
        click.option("--recurrence/--no-recurrence", default=True, show_default=True,
                     help="Read the whole input once first, so pages of one site share "
                          "evidence of recurring paragraphs (stdin is spooled to a temporary "
                          "file); --no-recurrence reads it once, scoring each page alone."),
        click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="A site index file to read evidence from and add this "
                     "run's pages to (created if missing, written atomically)."),
        click.option("--language", "languages", multiple=True, metavar="CODES",
                     help="Keep only pages whose kept text is in these languages (ISO 639-1 "
                          "codes, comma-separated or repeated: en,de); JSON records get a "
                          "language field. Pages with an error are always written."),
        click.option("--with-metadata", "metadata", is_flag=True,
                     help="JSON records also get the page's title, language and "
                          "removed_share (the share of its text removed, by label)."),
    ])


def _input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Everything ``score`` and ``clean`` take besides their output format."""
    return _apply(_scoring_options(command), [
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Write here (atomically) instead of stdout."),
    ])


#: What looks like a URL rather than a path: a scheme and ``//``.
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def input_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The inputs to read: ``paths``, or stdin (``-``) when none is given and stdin is not a
    terminal. A URL is a usage error that says how to feed pages: nothing is fetched."""
    if not paths:
        if sys.stdin is None or sys.stdin.isatty():
            raise click.UsageError("no input: give files or folders, - for stdin, or pipe "
                                   "pages in")
        return ("-",)
    for path in paths:
        if _URL.match(path) and not os.path.exists(path):
            raise click.UsageError(
                f"{path} is a URL, and boilerplate does not fetch pages: download them first "
                f"(e.g. curl -sL '{path}' | boilerplate clean -), or give it what your scraper "
                "saved: HTML or text files, JSON lines with url and html fields, or WARC files")
    return paths


#: Output formats told by the ``--output`` file's extension when ``--format`` is not given.
FORMAT_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jl": "jsonl", ".json": "json",
                    ".csv": "csv", ".parquet": "parquet", ".txt": "text"}


def output_format(fmt: str | None, output: Path | None, formats: tuple[str, ...],
                  default: str) -> str:
    """``fmt`` when given, else the one ``output``'s extension tells, else ``default``. An
    extension naming a format the command does not write is a usage error (``.txt`` is the
    table for ``score``)."""
    if fmt is not None:
        return fmt
    inferred = FORMAT_BY_SUFFIX.get(output.suffix.lower()) if output is not None else None
    if inferred is None or (inferred == "text" and inferred not in formats):
        return default
    if inferred not in formats:
        raise click.UsageError(f"cannot write {inferred} (from the extension of {output}); "
                               f"this command writes {', '.join(formats)}: give --format")
    return inferred


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def language_codes(values: tuple[str, ...]) -> frozenset[str]:
    """The language codes of ``--language`` options (each comma-separated), lower-cased; a code
    that is not two or three letters is a usage error."""
    codes = frozenset(code.strip().lower() for value in values for code in value.split(",")
                      if code.strip())
    wrong = sorted(code for code in codes if not _LANGUAGE_CODE.match(code))
    if wrong:
        raise click.UsageError(f"--language takes ISO 639-1 codes such as en or de, not "
                               f"{', '.join(wrong)}")
    return codes


def _decision(args: dict[str, Any]) -> ScoringOptions:
    """The scoring options of what a paragraph needs to be kept: ``--threshold`` or a preset
    (``--precision``/``--recall``; both is a usage error) and the labels kept (``--keep``)."""
    if args["preset"] is not None and args["threshold"] is not None:
        raise click.UsageError(f"give --threshold or --{args['preset']}, not both")
    return ScoringOptions(threshold=args["threshold"], preset=args["preset"],
                          keep=frozenset({Label.CONTENT, *(Label(k) for k in args["keep"])}))


def _read_options(args: dict[str, Any]) -> ReadOptions:
    return ReadOptions(input_format=InputFormat(args["input_format"]),
                       id_field=args["id_field"], url_field=args["url_field"],
                       html_field=args["html_field"], text_field=args["text_field"],
                       glob=args["glob"], max_bytes=args["max_bytes"], site=args["site"])


@dataclass(frozen=True)
class ModelSource:
    """Which model to load: the shipped one (``path`` ``None``), or a file the user trusts."""

    path: str | None = None
    trust: bool = False

    def load(self, options: ScoringOptions) -> tuple[Model, float]:
        """The model and the threshold it is scored at (``options``', else its card's); a model
        that cannot be used is a usage error, found before any page is read."""
        try:
            model = load_model(self.path, trust=self.trust)
            return model, options.threshold_for(model)
        except ModelError as error:
            raise click.UsageError(str(error)) from None


@dataclass(frozen=True)
class ScoringInvocation:
    """What one ``score``, ``clean`` or ``show`` command was asked to do, built once from its
    arguments
    (``from_args``) and handed down whole.

    ``fmt``: the output format (``html`` for ``show``). ``records``: what JSON records hold
    besides the page (its language, metadata, what ``clean`` removed). ``languages``: keep only
    pages in these (empty: all). ``recurrence``: read the input twice, the first time into a
    site index (loaded from and saved to ``index_path`` when given). ``max_site_pages``: the
    index's cap, ``None`` when not given. ``output``: a file instead of stdout (for ``show``,
    the folder it writes into).
    """

    paths: tuple[str, ...]
    read: ReadOptions
    model: ModelSource
    scoring: ScoringOptions
    run: RunOptions
    recurrence: bool
    index_path: Path | None
    output: Path | None
    quiet: bool
    fmt: str
    records: RecordOptions = RecordOptions()
    languages: frozenset[str] = frozenset()
    max_site_pages: int | None = None

    @classmethod
    def from_args(cls, args: dict[str, Any], formats: tuple[str, ...] = SCORE_FORMATS,
                  default_format: str = "table") -> ScoringInvocation:
        """The invocation from click's parsed arguments (``formats``: those the command writes,
        ``default_format`` when neither ``--format`` nor the output's extension says);
        inconsistent ones are usage errors."""
        args = {**args, "paths": input_paths(args["paths"]),
                "fmt": output_format(args["fmt"], args["output"], formats, default_format)}
        if args["index_path"] is not None and not args["recurrence"]:
            raise click.UsageError("--index needs recurrence evidence; drop --no-recurrence")
        if args["fmt"] == "parquet" and args["output"] is None:
            raise click.UsageError("--format parquet needs --output PATH")
        if args.get("removed") and args["fmt"] != "jsonl":
            raise click.UsageError("--removed needs --format jsonl")
        if args["metadata"] and args["fmt"] not in ("jsonl", "json"):
            raise click.UsageError("--with-metadata needs --format jsonl or json")
        languages = language_codes(args["languages"])
        decision = _decision(args)
        records = RecordOptions(keep=decision.keep, language=bool(languages),
                                metadata=args["metadata"], removed=args.get("removed", False))
        return cls(paths=tuple(args["paths"]), read=_read_options(args),
                   model=ModelSource(args["model_path"], args["trust_model"]),
                   scoring=replace(decision, language=records.language or records.metadata),
                   run=RunOptions(jobs=args["jobs"], time_limit=args["time_limit"] or None),
                   recurrence=args["recurrence"], index_path=args["index_path"],
                   output=args["output"], quiet=args["quiet"], fmt=args["fmt"],
                   records=records, languages=languages,
                   max_site_pages=args["max_site_pages"])


@dataclass(frozen=True)
class IndexInvocation:
    """What one ``index build`` or ``index update`` command was asked to do."""

    paths: tuple[str, ...]
    read: ReadOptions
    index_path: Path
    max_site_pages: int | None = None

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> IndexInvocation:
        """The invocation from click's parsed arguments."""
        return cls(paths=input_paths(args["paths"]), read=_read_options(args),
                   index_path=args["index_path"], max_site_pages=args["max_site_pages"])


def _emit(output: Path | None, summary: Summary, write: Callable[[TextSink], None]) -> None:
    """Run ``write`` on stdout or on ``output`` (atomically), UTF-8 whatever the locale says;
    what UTF-8 cannot encode is replaced and counted (``writers.Encodable``)."""
    with _writing(output or "stdout"):
        if output is None:
            if isinstance(sys.stdout, io.TextIOWrapper):
                sys.stdout.reconfigure(encoding="utf-8", errors="strict")
            write(Encodable(sys.stdout, summary.written))
            sys.stdout.flush()
            return
        with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8", newline="") as out:
            write(Encodable(out, summary.written))


class ExitStatus(enum.IntEnum):
    """How a command ends (see the module docstring)."""

    OK = 0
    RECORD_ERRORS = 1
    USAGE = 2
    RUN_FAILED = 3
    INTERRUPTED = 128 + signal.SIGINT
    BROKEN_PIPE = 128 + signal.SIGPIPE
    TERMINATED = 128 + signal.SIGTERM


class RunFailed(click.ClickException):
    """The run cannot go on (an output or index that cannot be written): its message, no
    traceback, exit status 3."""

    exit_code = ExitStatus.RUN_FAILED


@contextlib.contextmanager
def _writing(target: str | Path) -> Iterator[None]:
    """An ``OSError`` while writing ``target`` (disk full, a read-only folder) becomes
    ``RunFailed`` naming it; a closed pipe stays what it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        if target == "stdout":
            _abandon_stdout()
        raise RunFailed(f"cannot write {target}: {error.strerror or error}") from None


def _save_index(index: SiteIndex, path: Path, replace: bool = False) -> None:
    """``SiteIndex.save`` (merging what other runs wrote there, unless ``replace``); a file
    that cannot be written or merged with ends the run with a message (``RunFailed``)."""
    from classifier.index_file import IndexFileError

    with _writing(f"the index file {path}"):
        try:
            index.save(path, replace=replace)
        except IndexFileError as error:
            raise RunFailed(str(error)) from None


def _load_index(path: Path | None, max_site_pages: int | None = None) -> SiteIndex:
    """The index at ``path``, else a new one; a cap given that differs from the file's is a
    usage error (the pages it dropped cannot come back)."""
    from classifier.index_file import IndexFileError
    from classifier.recurrence import SiteIndex

    config = _index_config(max_site_pages)
    if path is None or not path.exists():
        return SiteIndex(config)
    try:
        index = SiteIndex.load(path)
    except IndexFileError as error:
        raise click.UsageError(str(error)) from None
    kept = index.config.max_site_pages
    if max_site_pages is not None and kept != config.max_site_pages:
        raise click.UsageError(f"{path} keeps {kept or 'all'} pages of a site at most "
                               f"(--max-site-pages {kept or 0}); build a new index to change it")
    return index


@contextlib.contextmanager
def _inputs(invocation: ScoringInvocation) -> Iterator[Callable[[], IO[bytes]]]:
    """Opens stdin for each pass: spooled to a temporary file when there are two passes."""
    if "-" not in invocation.paths or not invocation.recurrence:
        yield lambda: sys.stdin.buffer
        return
    with tempfile.TemporaryDirectory(prefix="boilerplate-") as folder:
        spool = Path(folder) / "stdin"
        with open(spool, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        with contextlib.ExitStack() as opened:
            yield lambda: opened.enter_context(open(spool, "rb"))


def _scored(invocation: ScoringInvocation, summary: Summary, model: Model) -> Iterator[Page]:
    """Read, score (with ``model``) and count the pages, with a progress bar per pass on a
    terminal.

    With recurrence on, a first pass reads every page and adds it to the site index (loaded
    from and saved to ``--index`` when given), then the second pass scores against it.
    """
    shown = not invocation.quiet and sys.stderr.isatty()
    total = input_size(invocation.paths, invocation.read.glob) if shown else None
    # The first pass keeps the paragraphs it segments in ``kept``, so that the second pass
    # does not segment them again.
    with _inputs(invocation) as stdin, tempfile.TemporaryFile(prefix="boilerplate-") as kept:
        index = None
        if invocation.recurrence:
            first, keys = ReadStats(), SiteKeys()
            pages = keys.count(read_pages(invocation.paths, invocation.read, stdin=stdin(),
                                          stats=first))
            if shown:
                pages = progress(pages, first, total, "indexing")
            index = build_index(pages, _load_index(invocation.index_path,
                                                     invocation.max_site_pages),
                                invocation.run, keep=kept)
            _warn(invocation.quiet, keys.warning(
                "each page is scored alone, without evidence from the others; give --site KEY "
                "for pages of one site", at_least=2))
            if invocation.index_path is not None:
                _save_index(index, invocation.index_path)
        pages = read_pages(invocation.paths, invocation.read, stdin=stdin(), stats=summary.read)
        if index is not None:
            pages = segmented_again(pages, kept)
        scored = summary.count(run(pages, model, invocation.scoring, invocation.run, index))
        if shown:
            scored = progress(scored, summary.read, total, "scoring", summary.rate)
        if invocation.languages:
            scored = summary.in_languages(scored, invocation.languages)
        yield from scored


def _warn(quiet: bool, warning: str | None) -> None:
    if warning is not None and not quiet:
        click.echo(warning, err=True)


def _finish(invocation: ScoringInvocation, summary: Summary) -> None:
    if not invocation.quiet:
        click.echo(summary.line(), err=True)
    sys.exit(ExitStatus.RECORD_ERRORS if summary.errors else ExitStatus.OK)


def _abandon_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what could not be
    written (a closed pipe, a full disk) does not fail again with a message of its own."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _terminated(signum: int, frame: object) -> None:
    # SIGTERM ends the run the way Ctrl-C does: cleanups run (temporary files, workers).
    raise SystemExit(ExitStatus.TERMINATED)


class _Commands(click.Group):
    """The command group, ending every command with a status that tells a failed run from a
    record's error (``ExitStatus``): click alone gives 1 for Ctrl-C and a closed pipe, and a
    traceback for a full disk."""

    def invoke(self, ctx: click.Context) -> Any:
        with contextlib.ExitStack() as restore:
            with contextlib.suppress(ValueError):  # signals can be set in the main thread only
                previous = signal.signal(signal.SIGTERM, _terminated)
                restore.callback(signal.signal, signal.SIGTERM, previous)
            try:
                return super().invoke(ctx)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except KeyboardInterrupt:
                click.echo("\ninterrupted", err=True)
                raise SystemExit(ExitStatus.INTERRUPTED) from None
            except BrokenPipeError:
                _abandon_stdout()
                raise SystemExit(ExitStatus.BROKEN_PIPE) from None
            except OSError as error:
                raise RunFailed(f"{error.strerror or error}"
                                + (f": {error.filename}" if error.filename else "")) from None
            except MemoryError:
                raise RunFailed("out of memory") from None
            except Exception:
                traceback.print_exc()
                click.echo("boilerplate: internal error, a bug: please report it with the "
                           "traceback above", err=True)
                raise SystemExit(ExitStatus.RUN_FAILED) from None


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="boilerplate")
def main() -> None:
    """Separate editorial text from boilerplate (ads, disclaimers, navigation) in web pages."""


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(SCORE_FORMATS), default=None,
              help="Output format [default: from --output's extension, else table].")
def score(**args: Any) -> None:
    """Label every paragraph of each page.

    PATHS: files, folders, - for stdin; none: stdin when it is piped."""
    invocation = ScoringInvocation.from_args(args)
    summary = Summary(keep=invocation.scoring.keep)
    model, _ = invocation.model.load(invocation.scoring)
    pages = _scored(invocation, summary, model)
    if invocation.fmt == "parquet":
        assert invocation.output is not None  # from_args makes sure
        with atomic_path(invocation.output) as tmp:
            write_parquet(pages, tmp, summary.written)
    elif invocation.fmt == "jsonl":
        _emit(invocation.output, summary, lambda out: write_jsonl(
            (score_record(p, invocation.records) for p in pages), out))
    elif invocation.fmt == "json":
        _emit(invocation.output, summary, lambda out: write_json(
            (score_record(p, invocation.records) for p in pages), out))
    elif invocation.fmt == "csv":
        _emit(invocation.output, summary, lambda out: write_csv(pages, out))
    else:
        _emit(invocation.output, summary, lambda out: write_table(pages, out))
    _finish(invocation, summary)


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(CLEAN_FORMATS), default=None,
              help="Output format [default: from --output's extension, else text].")
@click.option("--removed", is_flag=True,
              help="Also list removed paragraphs with their labels, for auditing (jsonl only).")
def clean(**args: Any) -> None:
    """Print the editorial text of each page.

    PATHS: files, folders, - for stdin; none: stdin when it is piped.

    Text output: each page's kept paragraphs separated by blank lines, pages separated by a
    line holding only a form feed (empty for a page with an error, which goes to stderr)."""
    invocation = ScoringInvocation.from_args(args, CLEAN_FORMATS, "text")
    summary = Summary(keep=invocation.scoring.keep)
    model, _ = invocation.model.load(invocation.scoring)
    pages = _scored(invocation, summary, model)

    def text(page: Page) -> str:
        if page.error is not None:
            click.echo(printable(f"{page.id}: {page.error}"), err=True)
        return clean_page(page, invocation.scoring)

    def write(out: TextSink) -> None:
        if invocation.fmt == "jsonl":
            write_jsonl((clean_record(p, invocation.records) for p in pages), out)
        else:
            write_texts(map(text, pages), out)

    _emit(invocation.output, summary, write)
    _finish(invocation, summary)


@main.command()
@_scoring_options
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for index.html and one view per page (created if missing).")
def show(**args: Any) -> None:
    """Write an HTML view of each page's labels into a folder, with an index.html of the pages
    (PATHS: files, folders or - for stdin). Open index.html in any browser."""
    from classifier.show import write_site

    invocation = ScoringInvocation.from_args({**args, "fmt": "html"})
    assert invocation.output is not None  # click requires it
    model, _ = invocation.model.load(invocation.scoring)
    summary = Summary(keep=invocation.scoring.keep)
    index = write_site(_scored(invocation, summary, model), invocation.output, model,
                       invocation.scoring)
    if not invocation.quiet:
        click.echo(f"wrote {index}", err=True)
    _finish(invocation, summary)


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
@click.option("--metrics-only", is_flag=True,
              help="Train nothing: measure the model at --output again with this code "
                   "(threshold chosen on dev, metrics on dev and test) and rewrite its card "
                   "(artifact untouched).")
def train(datasets_dir: Path | None, output: Path, jobs: int, limit: int | None,
          seed: int | None, metrics_only: bool) -> None:
    """Rebuild the model from the public corpora (train; threshold chosen on dev)."""
    from classifier.training.datasets import datasets_dir as resolve
    from classifier.training.train import SEED_DEFAULT, TrainConfig, rescore_card
    from classifier.training.train import train as run_training

    if metrics_only:
        card = rescore_card(output, resolve(datasets_dir), limit,
                            log=lambda message: click.echo(message, err=True))
        headline = {mode: per["headline"]["f1"] for mode, per in card["metrics"]["test"].items()}
        click.echo(f"rewrote the threshold ({card['threshold']}) and metrics of "
                   f"{card_path(output)}; test headline F1 {headline}")
        return
    config = TrainConfig(datasets_dir=resolve(datasets_dir), output=output, jobs=jobs,
                         limit=limit, seed=SEED_DEFAULT if seed is None else seed)
    card = run_training(config, log=lambda message: click.echo(message, err=True))
    click.echo(f"wrote {output} (sha256 {card['sha256'][:12]}…), threshold {card['threshold']}")


@main.command()
@click.option("--datasets", "datasets_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Corpora folder [default: $BOILERPLATE_DATASETS or "
              "../shared/datasets].")
@click.option("--split", type=click.Choice(["train", "dev", "test"]), default="test",
              show_default=True)
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None)
@click.option("--trust-model", is_flag=True)
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Probability of content from which text is kept [default: the model's].")
@click.option("--limit", type=click.IntRange(1), default=None,
              help="At most this many pages per dataset.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Also write report.md and its PNG plots into this folder "
              "(needs matplotlib: the report extra).")
@click.option("--quality-json", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="With --report: peers and speed from the JSON of "
              "benchmarks/quality.py --json.")
@click.option("--recurrence-json", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="With --report: the recurrence ablation from the JSON of "
              "benchmarks/recurrence.py --json.")
def evaluate(datasets_dir: Path | None, split: str, model_path: str | None, trust_model: bool,
             threshold: float | None, limit: int | None, report_dir: Path | None,
             quality_json: Path | None, recurrence_json: Path | None) -> None:
    """Print per-dataset token precision, recall and F1 in html and text mode."""
    from classifier.training.datasets import datasets_dir as resolve
    from classifier.training.evaluate import quality_by_dataset, score_split

    if report_dir is None and (quality_json or recurrence_json):
        raise click.UsageError("--quality-json and --recurrence-json go with --report DIR")
    if report_dir is not None:
        try:  # now, not after minutes of scoring
            import classifier.plots  # noqa: F401
        except ImportError as error:
            raise click.UsageError(str(error)) from None
    model, threshold = ModelSource(model_path, trust_model).load(ScoringOptions(threshold))
    scored = score_split(model, resolve(datasets_dir), split, limit=limit,
                         gold_labels=report_dir is not None)
    result = quality_by_dataset(scored, threshold)
    click.echo(f"{'mode':6s} {'dataset':12s} {'precision':>9s} {'recall':>7s} {'f1':>6s}")
    for mode, per in result.items():
        for name, s in per.items():
            click.echo(f"{mode:6s} {name:12s} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}")
    if report_dir is not None:
        import datetime

        from classifier.report import ReportOptions, write_report

        facts = (f"split `{split}`" + (f", first {limit} pages of each corpus" if limit else ""),
                 f"model `{model_path or 'shipped default'}`, sha256 "
                 f"`{model.card['sha256'][:12]}`",
                 f"made by `boilerplate evaluate --report` on {datetime.date.today()}")
        path = write_report(
            report_dir, scored, ReportOptions(threshold=threshold, facts=facts),
            quality=json.loads(quality_json.read_text("utf-8")) if quality_json else None,
            recurrence=json.loads(recurrence_json.read_text("utf-8")) if recurrence_json else None)
        click.echo(f"wrote {path}", err=True)


@main.group()
def index() -> None:
    """Build, update or inspect a persistent site index (recurrence evidence across runs)."""


def _index_inputs(command: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(_site_cap(_reading_options(command)), [
        click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
                     required=True, help="The index file (written atomically)."),
    ])


def _add_to_index(invocation: IndexInvocation, index: SiteIndex, replace: bool) -> None:
    keys = SiteKeys()
    build_index(keys.count(read_pages(invocation.paths, invocation.read, stdin=sys.stdin.buffer)),
                index)
    _warn(False, keys.warning("none was added to the index; give --site KEY for pages of one "
                              "site"))
    _save_index(index, invocation.index_path, replace)
    click.echo(json.dumps(index.stats()))


@index.command()
@_index_inputs
def build(**args: Any) -> None:
    """A new index of the pages in PATHS (replacing the file)."""
    invocation = IndexInvocation.from_args(args)
    _add_to_index(invocation, _load_index(None, invocation.max_site_pages), replace=True)


@index.command()
@_index_inputs
def update(**args: Any) -> None:
    """Add the pages in PATHS to the index (a page already in it is replaced)."""
    invocation = IndexInvocation.from_args(args)
    _add_to_index(invocation, _load_index(invocation.index_path, invocation.max_site_pages),
                  replace=False)


@index.command()
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True)
def stats(index_path: Path) -> None:
    """Print the index's counts as JSON: sites, pages, distinct paragraphs."""
    if not index_path.exists():
        raise click.UsageError(f"index file {index_path} not found")
    click.echo(json.dumps(_load_index(index_path).stats()))


@main.group()
def spark() -> None:
    """Score or clean a corpus on Spark: what score/clean write, one part per input file."""


def _spark_options(command: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(_model_fields(_site_cap(_reading_options(command))), [
        click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="A file listing input paths or URIs, one a line "
                     "(blank lines and lines starting with # aside), read after PATHS."),
        click.option("--output", "-o", required=True,
                     help="The output folder, a path or URI Spark writes to: one part-NNNNN "
                          "per input file, in input order."),
        click.option("--recurrence/--no-recurrence", default=True, show_default=True,
                     help="Pages of one site share evidence of recurring paragraphs (each "
                          "input is read twice); --no-recurrence scores each page alone."),
        click.option("--partitions", type=click.IntRange(1), default=None,
                     help="Parts of the per-site stage [default: Spark's default "
                          "parallelism]."),
        click.option("--master", default=None,
                     help="Spark master URL, e.g. local[4] or yarn [default: spark-submit's, "
                          "else local[*]]."),
        click.option("--conf", "settings", multiple=True, metavar="KEY=VALUE",
                     help="A Spark setting, as spark-submit's --conf (repeatable)."),
        click.option("--quiet", "-q", is_flag=True, help="No closing line on stderr."),
    ])


def _manifest(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True)
class SparkInvocation:
    """What one ``spark score`` or ``spark clean`` command was asked to do: the job, the model,
    and the Spark settings given on the command line (all others stay Spark's own)."""

    job: SparkJob
    model: ModelSource
    master: str | None
    settings: tuple[tuple[str, str], ...]
    quiet: bool

    @classmethod
    def from_args(cls, args: dict[str, Any], command: str) -> SparkInvocation:
        """The invocation from click's parsed arguments; input folders are listed here."""
        from classifier.spark import SparkJob, input_files

        paths = [*args["paths"], *(_manifest(args["manifest"]) if args["manifest"] else [])]
        if not paths:
            raise click.UsageError("give input PATHS or --manifest")
        if "-" in paths:
            raise click.UsageError("a Spark job reads files, not stdin (-)")
        settings = []
        for setting in args["settings"]:
            key, equals, value = setting.partition("=")
            if not (key and equals):
                raise click.UsageError(f"--conf takes KEY=VALUE, got {setting!r}")
            settings.append((key, value))
        decision = _decision(args)
        inputs = input_files(paths, args["glob"])
        if not inputs:
            raise click.UsageError(f"no input files in {' '.join(paths)}")
        try:
            job = SparkJob(inputs=tuple(inputs), output=args["output"], command=command,
                           read=_read_options(args), scoring=decision,
                           records=RecordOptions(keep=decision.keep,
                                                 removed=args.get("removed", False)),
                           index=_index_config(args["max_site_pages"]),
                           recurrence=args["recurrence"], partitions=args["partitions"])
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        return cls(job=job, model=ModelSource(args["model_path"], args["trust_model"]),
                   master=args["master"], settings=tuple(settings), quiet=args["quiet"])


def _run_spark(invocation: SparkInvocation) -> None:
    model, _ = invocation.model.load(invocation.job.scoring)
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise click.UsageError("boilerplate spark needs pyspark: pip install "
                               "'boilerplate-classifier[spark]' (and a Java runtime)") from None
    from classifier.spark import run_job, spark_context

    with spark_context(invocation.master, invocation.settings) as context:
        counts = run_job(context, invocation.job, model)
    if not invocation.quiet:
        click.echo(f"{counts.pages} pages, {counts.errors} "
                   f"error{'s' if counts.errors != 1 else ''}; "
                   f"{len(invocation.job.inputs)} parts in {invocation.job.output}", err=True)
    sys.exit(1 if counts.errors else 0)


@spark.command("score")
@_spark_options
def spark_score(**args: Any) -> None:
    """Label every paragraph of each page in PATHS (files, folders, URIs), on Spark: what
    ``score --format jsonl`` writes."""
    _run_spark(SparkInvocation.from_args(args, "score"))


@spark.command("clean")
@_spark_options
@click.option("--removed", is_flag=True,
              help="Also list removed paragraphs with their labels, for auditing.")
def spark_clean(**args: Any) -> None:
    """The editorial text of each page in PATHS (files, folders, URIs), on Spark: what
    ``clean --format jsonl`` writes."""
    _run_spark(SparkInvocation.from_args(args, "clean"))
