"""Writing scored pages: JSON lines, JSON, a table, CSV or Parquet; cleaned text or JSON lines.

Records keep the input's ``id`` and order; a page that failed carries an ``error`` field.
A paragraph's ``score`` field is its content probability (``Paragraph.content_probability``):
the name is part of the output contract. Files are written through ``atomic.atomic_path``.

Every format can hold every record:

- Strings that UTF-8 cannot encode (lone surrogates, from a JSON ``"\\ud800"`` escape or a file
  name that is not UTF-8) have those code points replaced by U+FFFD, counted in
  ``WriteStats`` (text formats: ``Encodable`` in front of the stream; Parquet: per value).
- JSON output is always JSON (``jsondata.dumps``: no ``NaN`` or ``Infinity``).
- Input fields passed through keep their names, except those the output uses for its own
  (``OWN_FIELDS``): an input field ``error`` must not make a record look failed, so such
  fields go into an ``input`` object instead.
- The table, made for a terminal, shows control characters (ANSI and OSC escape sequences,
  which could clear the screen or set the window title) and bidirectional overrides as
  visible escapes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, Protocol

from classifier import jsondata
from classifier.api import KEEP_DEFAULT, ScoringOptions, clean_page
from classifier.document import Page
from classifier.labels import Label
from classifier.metadata import page_title, removed_shares

SCORE_FORMATS = ("jsonl", "json", "table", "csv", "parquet")
CLEAN_FORMATS = ("text", "jsonl")
#: Characters of paragraph text shown per row of the table format.
TABLE_TEXT_CHARS = 90


def paragraph_records(page: Page) -> list[dict[str, Any]]:
    """The scored paragraphs of a page as plain dicts."""
    return [{"index": p.index, "label": p.label.value if p.label else None,
             "score": (round(p.content_probability, 4) if p.content_probability is not None
                       else None),
             "text": p.raw}
            for p in page.paragraphs]


#: Fields the JSON records write themselves; an input field of one of these names is passed
#: through inside ``INPUT_FIELD`` instead (an input ``id`` or ``url`` only when it is not the
#: record's own).
OWN_FIELDS = frozenset({"id", "url", "error", "paragraphs", "text", "removed", "title",
                        "language", "removed_share"})
INPUT_FIELD = "input"


@dataclass
class WriteStats:
    """What the writers changed so that every record could be written: ``replaced`` counts
    code points UTF-8 cannot encode (lone surrogates) written as U+FFFD."""

    replaced: int = 0


#: Code points UTF-8 cannot encode.
_SURROGATES = re.compile("[\ud800-\udfff]")


def encodable(text: str, stats: WriteStats | None = None) -> str:
    """``text`` with its lone surrogates replaced by U+FFFD (counted in ``stats``)."""
    if text.isascii():
        return text
    fixed, count = _SURROGATES.subn("\ufffd", text)
    if stats is not None:
        stats.replaced += count
    return fixed


class TextSink(Protocol):
    """Where the text writers write: a text stream, or ``Encodable`` in front of one."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Encodable:
    """A text stream in front of ``out`` (a UTF-8 stream with strict errors) that writes what
    ``out`` cannot encode as ``encodable`` makes it. ``write`` is all it offers, and all the
    writers here use."""

    def __init__(self, out: IO[str], stats: WriteStats) -> None:
        self.out = out
        self.stats = stats

    def write(self, text: str) -> int:
        try:
            return self.out.write(text)
        except UnicodeEncodeError:  # a text stream encodes first: nothing was written
            return self.out.write(encodable(text, self.stats))

    def flush(self) -> None:
        self.out.flush()


@dataclass(frozen=True)
class RecordOptions:
    """What JSON records hold besides ``id``, ``url``, passed-through fields and ``error``.

    ``language``: the page's ``language`` (``None`` when it could not be told).
    ``metadata``: also its ``title`` and ``removed_share``, the share of its text removed by
    label (``metadata.removed_shares``). ``removed`` (``clean``): the removed paragraphs.
    ``keep``: the labels ``clean`` keeps.
    """

    keep: frozenset[Label] = KEEP_DEFAULT
    language: bool = False
    metadata: bool = False
    removed: bool = False


def _base(page: Page, options: RecordOptions) -> dict[str, Any]:
    """``id`` and ``url`` first, then the passed-through fields (``input`` for those named
    like the record's own), ``error``, and what ``options`` add."""
    record: dict[str, Any] = {"id": page.id, "url": page.url}
    moved = {}
    for key, value in page.extra.items():
        if key in ("id", "url") and value is not None and str(value) == record[key]:
            continue  # the record's own id or URL, as read
        if key in OWN_FIELDS or key == INPUT_FIELD:
            moved[key] = value
        else:
            record[key] = value
    if moved:
        record[INPUT_FIELD] = moved
    if page.error is not None:
        record["error"] = page.error
    if options.metadata:
        record["title"] = page_title(page)
    if options.language or options.metadata:
        record["language"] = page.language
    if options.metadata:
        record["removed_share"] = removed_shares(page, options.keep)
    return record


def score_record(page: Page, options: RecordOptions = RecordOptions()) -> dict[str, Any]:
    """``{"id", "url", "paragraphs": [...]}`` (plus ``error``, passed-through fields and what
    ``options`` add)."""
    return {**_base(page, options), "paragraphs": paragraph_records(page)}


def clean_record(page: Page, options: RecordOptions = RecordOptions()) -> dict[str, Any]:
    """``{"id", "url", "text"}`` (plus ``error``, passed-through fields and what ``options``
    add); with ``options.removed``, also the dropped paragraphs and their labels."""
    record = {**_base(page, options), "text": clean_page(page, ScoringOptions(keep=options.keep))}
    if options.removed:
        rows = zip(paragraph_records(page), page.paragraphs, strict=True)
        record["removed"] = [row for row, p in rows if p.label not in options.keep]
    return record


#: Written between two pages of ``clean``'s text output: a line holding only a form feed. A
#: page's text never holds such a line (a text page's paragraphs are split at lines of white
#: space, an HTML paragraph's white space is folded to single spaces), so the output splits
#: back into one text per input record with ``output.split("\f\n")``.
PAGE_SEPARATOR = "\f\n"


def write_texts(texts: Iterable[str], out: TextSink) -> None:
    """Cleaned texts, one per page (empty for a page with an error or nothing kept), each
    ending with a newline, pages separated by ``PAGE_SEPARATOR``; flushed per page."""
    for i, text in enumerate(texts):
        out.write((PAGE_SEPARATOR if i else "") + text + "\n")
        out.flush()


#: Characters that JSON allows raw but that many line splitters (Python's ``splitlines``,
#: older JavaScript) take for line ends; escaped, so one record stays one line for everyone.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(record: dict[str, Any]) -> str:
    """A record as one line of JSON (no line end): UTF-8 characters as they are, line
    separators escaped."""
    # default=str: passed-through Parquet columns may hold dates and decimals.
    return jsondata.dumps(record, default=str).translate(_LINE_BREAKS)


def write_jsonl(records: Iterable[dict[str, Any]], out: TextSink) -> None:
    """One JSON object per line, flushed per record so pipes see progress."""
    for record in records:
        out.write(json_line(record) + "\n")
        out.flush()


def write_json(records: Iterable[dict[str, Any]], out: TextSink) -> None:
    """One JSON array, streamed record by record."""
    out.write("[")
    for i, record in enumerate(records):
        out.write(("," if i else "") + "\n" + json_line(record))
    out.write("\n]\n")


#: Control characters (C0 but the tab, DEL, C1) and the bidirectional embeddings, overrides
#: and isolates, as the table shows them: a terminal would act on them.
_VISIBLE = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
            for code in [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0),
                         *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control characters and bidirectional overrides
    as visible escapes (``\\x1b``, ``\\u202e``)."""
    return text.translate(_VISIBLE)


def write_table(pages: Iterable[Page], out: TextSink) -> None:
    """A human-readable table: one block per page, one row per paragraph (text cut at
    ``TABLE_TEXT_CHARS``; control characters shown as escapes, see ``printable``)."""
    for page in pages:
        out.write(printable(f"== {page.id}" + (f"  {page.url}" if page.url else "")) + "\n")
        if page.error:
            out.write(f"   error: {printable(page.error)}\n")
        for p in page.paragraphs:
            text = printable(p.text)
            if len(text) > TABLE_TEXT_CHARS:
                text = text[:TABLE_TEXT_CHARS - 1] + "…"
            label = p.label.value if p.label else "-"
            score = (f"{p.content_probability:.3f}" if p.content_probability is not None
                     else "  -  ")
            out.write(f"{p.index:4d}  {label:13s} {score}  {text}\n")
        out.write("\n")


#: Columns of the flat formats (CSV, Parquet): one row per paragraph.
FLAT_COLUMNS = ("id", "url", "error", "index", "label", "score", "text")
#: Paragraph rows per Parquet row group: a few MB of text, so memory stays flat however many
#: pages are written.
PARQUET_ROWS_PER_GROUP = 10_000


def flat_rows(pages: Iterable[Page]) -> Iterator[dict[str, Any]]:
    """One row per paragraph (pages with an error or no paragraphs give one row each)."""
    for page in pages:
        base = {"id": page.id, "url": page.url, "error": page.error}
        rows = paragraph_records(page)
        if not rows:
            yield {**base, "index": None, "label": None, "score": None, "text": None}
        for row in rows:
            yield {**base, **row}


def write_csv(pages: Iterable[Page], out: TextSink) -> None:
    """CSV with a header and one row per paragraph, streamed."""
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS)
    writer.writeheader()
    writer.writerows(flat_rows(pages))


def write_parquet(pages: Iterable[Page], path: Path, stats: WriteStats | None = None) -> None:
    """Parquet with one row per paragraph, written in row groups as pages stream past
    (strings made ``encodable``, counted in ``stats``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"index": pa.int64(), "score": pa.float64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in FLAT_COLUMNS])
    with pq.ParquetWriter(path, schema) as writer:
        rows = ({name: encodable(value, stats) if isinstance(value, str) else value
                 for name, value in row.items()} for row in flat_rows(pages))
        while group := list(islice(rows, PARQUET_ROWS_PER_GROUP)):
            writer.write_table(pa.Table.from_pylist(group, schema=schema))
