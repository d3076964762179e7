"""Writing scored pages: JSON lines, JSON, a table, CSV or Parquet; cleaned text or JSON lines.

Records keep the input's ``id`` and order; a page that failed carries an ``error`` field.
A paragraph's ``score`` field is its content probability (``Paragraph.content_probability``):
the name is part of the output contract. Files are written through ``atomic.atomic_path``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

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
    """``id`` and ``url`` first, then the passed-through fields, ``error``, and what
    ``options`` add."""
    record: dict[str, Any] = {"id": page.id, "url": page.url}
    record.update((k, v) for k, v in page.extra.items() if k not in ("id", "url"))
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


def write_texts(texts: Iterable[str], out: IO[str]) -> None:
    """Cleaned texts, one per page (empty for a page with an error or nothing kept), each
    ending with a newline, pages separated by ``PAGE_SEPARATOR``; flushed per page."""
    for i, text in enumerate(texts):
        out.write((PAGE_SEPARATOR if i else "") + text + "\n")
        out.flush()


#: Characters that JSON allows raw but that many line splitters (Python's ``splitlines``,
#: older JavaScript) take for line ends; escaped, so one record stays one line for everyone.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _json(record: dict[str, Any]) -> str:
    # default=str: passed-through Parquet columns may hold dates and decimals.
    return json.dumps(record, ensure_ascii=False, default=str).translate(_LINE_BREAKS)


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """One JSON object per line, flushed per record so pipes see progress."""
    for record in records:
        out.write(_json(record) + "\n")
        out.flush()


def write_json(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """One JSON array, streamed record by record."""
    out.write("[")
    for i, record in enumerate(records):
        out.write(("," if i else "") + "\n" + _json(record))
    out.write("\n]\n")


def write_table(pages: Iterable[Page], out: IO[str]) -> None:
    """A human-readable table: one block per page, one row per paragraph."""
    for page in pages:
        out.write(f"== {page.id}" + (f"  {page.url}" if page.url else "") + "\n")
        if page.error:
            out.write(f"   error: {page.error}\n")
        for p in page.paragraphs:
            text = p.text
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


def write_csv(pages: Iterable[Page], out: IO[str]) -> None:
    """CSV with a header and one row per paragraph, streamed."""
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS)
    writer.writeheader()
    writer.writerows(flat_rows(pages))


def write_parquet(pages: Iterable[Page], path: Path) -> None:
    """Parquet with one row per paragraph, written in row groups as pages stream past."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"index": pa.int64(), "score": pa.float64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in FLAT_COLUMNS])
    with pq.ParquetWriter(path, schema) as writer:
        rows = flat_rows(pages)
        while group := list(islice(rows, PARQUET_ROWS_PER_GROUP)):
            writer.write_table(pa.Table.from_pylist(group, schema=schema))
