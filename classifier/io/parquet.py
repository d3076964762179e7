"""Pages from Parquet files, one page per row: FineWeb and datatrove dumps (``text``, ``id``,
``url`` columns) as they come, read a batch of rows at a time so memory stays flat.

A row is read as a JSON line is (``pages.page_from_record``): the fields ``ReadOptions`` names,
dotted paths into struct columns included, and every other column passed through.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

from classifier.document import InputKind, Page
from classifier.io.pages import ReadOptions, page_from_record

#: Rows converted to Python at a time: a few MB of text for web pages.
PARQUET_BATCH_ROWS = 256


def read_parquet(stream: IO[bytes], source: str, options: ReadOptions) -> Iterator[Page]:
    """The pages of a Parquet file, one per row, in order; a row without a string HTML or text
    field is an error page, and a file that cannot be read (or stops being readable) gives one
    error page ``source:ROW`` after the rows read before it. ``stream`` is read where it
    stands when it can seek (a file), else whole into memory first (stdin)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    number = 0
    try:
        seekable = stream.seekable()
        file: Any = stream if seekable else pa.BufferReader(stream.read())
        for batch in pq.ParquetFile(file).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for record in batch.to_pylist():
                number += 1
                yield page_from_record(record, f"{source}:{number}", options)
    except (pa.ArrowException, OSError, io.UnsupportedOperation) as error:
        yield Page(id=f"{source}:{number + 1}", raw="", kind=InputKind.TEXT,
                   error=f"cannot read {source} after row {number}: "
                         f"{type(error).__name__}: {error}")
