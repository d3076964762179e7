"""Pages from files, folders, JSON lines, Parquet, WARC archives and stdin, one ``Page`` per
record; gzip, bzip2, xz and zstandard read transparently.

Nothing here raises for bad input: an unreadable file, binary data, an empty or oversized page,
a malformed JSON line or a record without text becomes a ``Page`` whose ``error`` says why, so
the batch goes on and the output keeps one record per input record.
"""

from __future__ import annotations

import codecs
import gzip
import io
import lzma
import os
import stat
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

from classifier import jsondata
from classifier.document import InputKind, Page
from classifier.io.compressed import READ_BUFFER, decompressed
from classifier.io.lines import BINARY, TOO_LONG, Lines
from classifier.io.pages import (
    GZIP_MAGIC,
    SNIFF_BYTES,
    InputFormat,
    ReadOptions,
    ReadStats,
    format_by_name,
    page_from_bytes,
    page_from_record,
    page_kind,
    sniff,
)
from classifier.io.parquet import read_parquet

#: Errors of reading and decompressing a stream: each becomes an error record.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)
#: A JSON line may be this many times ``max_bytes`` long before it is refused unparsed: JSON
#: escaping grows a page up to six-fold (``\uXXXX`` for one character), and a line parsed
#: within this bound still names its record in the error when the page is too large.
JSON_LINE_FACTOR = 6


def expand(paths: Sequence[str], glob: str = "*") -> Iterator[str]:
    """Files named by ``paths``: folders are walked recursively (sorted, names matching
    ``glob``), ``-`` stays as stdin, anything else is passed through as is."""
    for path in paths:
        if path != "-" and os.path.isdir(path):
            for found in sorted(Path(path).rglob(glob)):
                if found.is_file():
                    yield str(found)
        else:
            yield path


def input_size(paths: Sequence[str], glob: str = "*") -> int | None:
    """Bytes of the files ``paths`` name (as stored), or ``None`` when one of them is stdin or
    not a regular file: a total for a progress bar."""
    total = 0
    for path in expand(paths, glob):
        try:
            info = os.stat(path)
        except OSError:
            continue  # its error record costs nothing to read
        if path == "-" or not stat.S_ISREG(info.st_mode):
            return None
        total += info.st_size
    return total


class _Counted(io.RawIOBase):
    """A binary stream that adds the bytes read from it to ``stats.bytes_read``; closing it
    closes ``source`` when it ``owns`` it (a file, not stdin)."""

    def __init__(self, source: IO[bytes], stats: ReadStats | None, owns: bool) -> None:
        self.source = source
        self.stats = stats
        self.owns = owns

    def close(self) -> None:
        if self.owns:
            self.source.close()
        super().close()

    def seekable(self) -> bool:
        # A file (stdin too, when it is one, or spooled to one): Parquet is read by seeking,
        # and a WARC record whose Content-Length was wrong is searched again for the next.
        return self.source.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.source.seek(offset, whence)

    def tell(self) -> int:
        return self.source.tell()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.source.readinto(buffer)  # type: ignore[attr-defined]
        if self.stats is not None and n:
            self.stats.bytes_read += n
        return n


def _open(path: str, stdin: IO[bytes] | None, stats: ReadStats | None) -> io.BufferedReader:
    """A buffered binary stream of ``path`` (``-`` is stdin), as stored (not gunzipped), whose
    reads are counted in ``stats.bytes_read``."""
    if path != "-":
        file = open(path, "rb")  # noqa: SIM115 -- closed with the stream, by read_source
        return io.BufferedReader(_Counted(file, stats, owns=True), READ_BUFFER)
    source = stdin if stdin is not None else sys.stdin.buffer
    return io.BufferedReader(_Counted(source, stats, owns=False), READ_BUFFER)


def _head(stream: io.BufferedReader, compressed: bool) -> bytes:
    """The first bytes of ``stream``'s content (gunzipped when ``compressed``), not consumed."""
    head = stream.peek(SNIFF_BYTES)
    if not compressed:
        return head[:SNIFF_BYTES]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
    except zlib.error:
        return b""


def _json_record(line: bytes, source: str, number: int, options: ReadOptions) -> Page:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        # JSON is UTF-8 by definition, so a bad byte means a damaged record, not a legacy
        # charset to guess; the rest of the line may still parse well enough to name it.
        damaged = _record_from_text(line.decode("utf-8", "replace"), source, number, options)
        return Page(id=damaged.id, raw="", kind=damaged.kind, url=damaged.url,
                    extra=damaged.extra, error=f"invalid UTF-8 in JSON line at byte {error.start}")
    return _record_from_text(text, source, number, options)


def _record_from_text(text: str, source: str, number: int, options: ReadOptions) -> Page:
    fallback_id = f"{source}:{number}"
    try:
        record = jsondata.loads(text)
    except ValueError as error:  # not JSON, or nested too deep
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error=f"malformed JSON line: {error}")
    if not isinstance(record, dict):
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error="JSON line is not an object")
    return page_from_record(record, fallback_id, options)


def _read_jsonl(stream: IO[bytes], source: str, options: ReadOptions) -> Iterator[Page]:
    # Blank lines cost a byte scan; a line over the limit, or holding a NUL byte, is skipped
    # unread (``lines``): memory stays bounded however long a line runs.
    lines = Lines(stream, options.max_bytes * JSON_LINE_FACTOR)
    number = 0
    try:
        for line in lines:
            number = line.number
            data = line.data.removeprefix(codecs.BOM_UTF8) if number == 1 else line.data
            if line.problem == TOO_LONG:
                yield Page(id=f"{source}:{number}", raw="", kind=InputKind.TEXT,
                           error=f"JSON line too long: more than {lines.limit} bytes "
                                 "(limit follows --max-bytes)")
            elif line.problem == BINARY:
                yield Page(id=f"{source}:{number}", raw="", kind=InputKind.TEXT,
                           error="binary data in JSON line (a NUL byte), not JSON")
            elif data.strip():
                yield _json_record(data, source, number, options)
    except READ_ERRORS as error:
        yield Page(id=f"{source}:{number + 1}", raw="", kind=InputKind.TEXT,
                   error=f"cannot read {source} after line {number}: "
                         f"{type(error).__name__}: {error}")


def _read_whole(stream: IO[bytes], source: str, input_format: InputFormat,
                options: ReadOptions) -> Page:
    data = stream.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        return Page(id=source, raw="", kind=InputKind.TEXT,
                    error=f"page too large: more than {options.max_bytes} bytes "
                          "(see --max-bytes)")
    if input_format is InputFormat.AUTO:
        input_format = sniff(data[:SNIFF_BYTES])
    return page_from_bytes(data, page_kind(input_format), source, site=options.site,
                           max_bytes=options.max_bytes)


def read_source(path: str, options: ReadOptions, stdin: IO[bytes] | None = None,
                stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of one input (a file or ``-``), errors included; gzip, bzip2, xz and
    zstandard read transparently.

    ``stats`` (optional) counts records passed over because they are not pages, and the bytes
    read.
    """
    try:
        stored = _open(path, stdin, stats)
    except OSError as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {error.strerror or error}")
        return
    try:
        yield from read_stream(stored, path, options, stats)
    finally:
        if path != "-":
            stored.close()


def read_stream(stored: io.BufferedReader, path: str, options: ReadOptions,
                stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of one input already opened as ``stored`` (as stored: decompressed here),
    named ``path`` (``-`` for stdin), as ``read_source`` reads them; the caller closes it. A
    job that opens its inputs itself (by URI) reads them through this."""
    input_format = options.input_format
    if input_format is InputFormat.AUTO and path != "-":
        input_format = format_by_name(path) or InputFormat.AUTO
    try:
        raw = decompressed(stored) or stored
        compressed = raw.peek(2)[:2] == GZIP_MAGIC
        if input_format is InputFormat.AUTO:
            input_format = sniff(_head(raw, compressed))
        if input_format is InputFormat.WARC:
            # Not gunzipped here: read_warc reads gzip member by member, one per record, which
            # is how a damaged member costs one record instead of the rest of the archive.
            from classifier.io.warc import read_warc  # only for WARC input

            yield from read_warc(raw, path, options, stats)
            return
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw) if compressed else raw)
        if input_format is InputFormat.PARQUET:
            yield from read_parquet(stream, path, options)
        elif input_format is InputFormat.JSONL:
            yield from _read_jsonl(stream, path, options)
        else:
            yield _read_whole(stream, path, input_format, options)
    except READ_ERRORS as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {type(error).__name__}: {error}")


def read_pages(paths: Sequence[str], options: ReadOptions | None = None,
               stdin: IO[bytes] | None = None, stats: ReadStats | None = None) -> Iterator[Page]:
    """Every page of every input, in order, streamed (see ``read_source``)."""
    options = options or ReadOptions()
    for path in expand(paths, options.glob):
        yield from read_source(path, options, stdin, stats)
