"""Pages from files, folders, JSON lines, WARC archives and stdin, one ``Page`` per record.

Nothing here raises for bad input: an unreadable file, binary data, an empty or oversized page,
a malformed JSON line or a record without text becomes a ``Page`` whose ``error`` says why, so
the batch goes on and the output keeps one record per input record.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import sys
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO, Any, cast

from classifier.document import InputKind, Page
from classifier.io.decode import decode
from classifier.sites import site_of

#: Pages larger than this (bytes, after decompression) are refused with an error record: past
#: it, parsing time and memory grow with no gain in what a reader would call one article.
MAX_PAGE_BYTES_DEFAULT = 20 * 1024 * 1024
#: A JSON line may be this many times ``max_bytes`` long before it is refused unparsed: JSON
#: escaping grows a page up to six-fold (``\uXXXX`` for one character), and a line parsed
#: within this bound still names its record in the error when the page is too large.
JSON_LINE_FACTOR = 6
#: Bytes read ahead to tell the type of an input; a NUL byte among them (not UTF-16/32) means
#: binary data.
SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"


class InputType(str, Enum):
    """How inputs are read; ``auto`` decides per file by name, then by content."""

    AUTO = "auto"
    TEXT = "text"
    HTML = "html"
    JSONL = "jsonl"
    WARC = "warc"


@dataclass(frozen=True)
class ReadOptions:
    """Where records come from and which JSON fields hold what.

    ``site``: a site key for every page read, overriding the one from its URL (or a JSON
    line's ``site_field``): recurrence evidence is shared within a site only.
    """

    input_type: InputType = InputType.AUTO
    id_field: str = "id"
    url_field: str = "url"
    html_field: str = "html"
    text_field: str = "text"
    site_field: str = "site"
    site: str | None = None
    glob: str = "*"
    max_bytes: int = MAX_PAGE_BYTES_DEFAULT


@dataclass
class ReadStats:
    """What the readers passed over without writing a record, counted by reason.

    Only records that are not pages at all are skipped (an image or a redirect in a WARC);
    anything meant as a page that cannot be read becomes an error record instead.
    """

    skipped: Counter[str] = field(default_factory=Counter)


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


def _by_name(name: str) -> InputType | None:
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith((".warc", ".arc")):
        return InputType.WARC
    if lowered.endswith((".jsonl", ".ndjson", ".jl")):
        return InputType.JSONL
    if lowered.endswith((".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx")):
        return InputType.HTML
    if lowered.endswith((".txt", ".text", ".md")):
        return InputType.TEXT
    return None


def sniff(head: bytes) -> InputType:
    """Guess the type of a payload from its first bytes."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"WARC/") or stripped.startswith(b"filedesc://"):
        return InputType.WARC
    if stripped.startswith(b"{"):
        return InputType.JSONL
    lowered = stripped[:2048].lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml")) or any(
            tag in lowered for tag in (b"<html", b"<body", b"<div", b"<p>", b"<p ", b"<head")):
        return InputType.HTML
    return InputType.TEXT


def _is_binary(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16/32 with BOM
        return False
    return b"\x00" in head


def _open(path: str, stdin: IO[bytes] | None) -> io.BufferedReader:
    """A buffered binary stream of ``path`` (``-`` is stdin), as stored (not gunzipped)."""
    if path != "-":
        return open(path, "rb")  # noqa: SIM115 -- closed by read_source
    source = stdin if stdin is not None else sys.stdin.buffer
    return source if isinstance(source, io.BufferedReader) else io.BufferedReader(source)  # type: ignore[arg-type]


def _head(stream: io.BufferedReader, compressed: bool) -> bytes:
    """The first bytes of ``stream``'s content (gunzipped when ``compressed``), not consumed."""
    head = stream.peek(SNIFF_BYTES)
    if not compressed:
        return head[:SNIFF_BYTES]
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
    except zlib.error:
        return b""


def page_from_bytes(data: bytes, kind: InputKind, id: str, url: str | None = None,
                    site: str | None = None, charset: str | None = None,
                    max_bytes: int = MAX_PAGE_BYTES_DEFAULT,
                    extra: dict[str, Any] | None = None) -> Page:
    """A page from raw bytes, or an error page (empty, binary, too large)."""
    page = Page(id=id, raw="", kind=kind, url=url, site=site or site_of(url), extra=extra or {})
    if len(data) > max_bytes:
        page.error = f"page too large: {len(data)} bytes (limit {max_bytes}, see --max-bytes)"
    elif not data.strip():
        page.error = "empty page"
    elif _is_binary(data):
        page.error = "binary data, not text or HTML"
    else:
        page.raw = decode(data, charset)
    return page


def page_from_text(raw: str, kind: InputKind, id: str, url: str | None = None,
                   site: str | None = None, max_bytes: int = MAX_PAGE_BYTES_DEFAULT,
                   extra: dict[str, Any] | None = None) -> Page:
    """A page from already-decoded text, or an error page (empty, too large)."""
    page = Page(id=id, raw="", kind=kind, url=url, site=site or site_of(url), extra=extra or {})
    size = len(raw)
    if not raw.isascii():
        try:
            size = len(raw.encode("utf-8"))
        except UnicodeEncodeError:
            # Lone surrogates (a JSON "\ud800" escape) are not text and break the hashing
            # of features; they become U+FFFD as in any other undecodable input.
            data = raw.encode("utf-8", "surrogatepass")
            size, raw = len(data), data.decode("utf-8", "replace")
    if size > max_bytes:
        page.error = f"page too large: {size} bytes (limit {max_bytes}, see --max-bytes)"
    elif not raw.strip():
        page.error = "empty page"
    else:
        page.raw = raw
    return page


def _string(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    return None if value is None else str(value)


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
        record = json.loads(text)
    except ValueError as error:
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error=f"malformed JSON line: {error}")
    if not isinstance(record, dict):
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error="JSON line is not an object")
    id = _string(record, options.id_field) or fallback_id
    url = _string(record, options.url_field)
    site = _string(record, options.site_field)
    extra = {k: v for k, v in record.items()
             if k not in (options.html_field, options.text_field)}
    for name, kind in ((options.html_field, InputKind.HTML), (options.text_field, InputKind.TEXT)):
        value = record.get(name)
        if isinstance(value, str):
            return page_from_text(value, kind, id, url, site, options.max_bytes, extra)
    return Page(id=id, raw="", kind=InputKind.TEXT, url=url, extra=extra,
                error=f"record has no string '{options.html_field}' or "
                      f"'{options.text_field}' field")


def _read_jsonl(stream: IO[bytes], source: str, options: ReadOptions) -> Iterator[Page]:
    # Lines are read with a bound, so one endless line cannot exhaust memory.
    limit = options.max_bytes * JSON_LINE_FACTOR + 1
    number = 0
    try:
        while line := stream.readline(limit):
            number += 1
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if len(line) >= limit and not line.endswith(b"\n"):
                while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                    pass
                yield Page(id=f"{source}:{number}", raw="", kind=InputKind.TEXT,
                           error=f"JSON line too long: more than {limit - 1} bytes "
                                 "(limit follows --max-bytes)")
            elif line.strip():
                yield _json_record(line, source, number, options)
    except (OSError, EOFError, zlib.error) as error:
        yield Page(id=f"{source}:{number + 1}", raw="", kind=InputKind.TEXT,
                   error=f"cannot read {source} after line {number}: "
                         f"{type(error).__name__}: {error}")


def _read_whole(stream: IO[bytes], source: str, kind: InputType, options: ReadOptions) -> Page:
    data = stream.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        return Page(id=source, raw="", kind=InputKind.TEXT,
                    error=f"page too large: more than {options.max_bytes} bytes "
                          "(see --max-bytes)")
    if kind is InputType.AUTO:
        kind = sniff(data[:SNIFF_BYTES])
    input_kind = InputKind.HTML if kind is InputType.HTML else InputKind.TEXT
    return page_from_bytes(data, input_kind, source, max_bytes=options.max_bytes)


def read_source(path: str, options: ReadOptions, stdin: IO[bytes] | None = None,
                stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of one input (a file or ``-``), errors included, gzip read transparently.

    ``stats`` (optional) counts records passed over because they are not pages.
    """
    kind = options.input_type
    if kind is InputType.AUTO and path != "-":
        kind = _by_name(path) or InputType.AUTO
    try:
        raw = _open(path, stdin)
    except OSError as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {error.strerror or error}")
        return
    try:
        compressed = raw.peek(2)[:2] == GZIP_MAGIC
        if kind is InputType.AUTO:
            kind = sniff(_head(raw, compressed))
        if kind is InputType.WARC:
            from classifier.io.warc import read_warc

            # Not gunzipped here: read_warc reads gzip member by member, one per record, which
            # is how a damaged member costs one record instead of the rest of the archive.
            yield from read_warc(raw, path, options, stats)
            return
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw) if compressed else raw)
        if kind is InputType.JSONL:
            yield from _read_jsonl(stream, path, options)
        else:
            yield _read_whole(stream, path, kind, options)
    except (OSError, EOFError, zlib.error) as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {type(error).__name__}: {error}")
    finally:
        if path != "-":
            raw.close()


def read_pages(paths: Sequence[str], options: ReadOptions | None = None,
               stdin: IO[bytes] | None = None, stats: ReadStats | None = None) -> Iterator[Page]:
    """Every page of every input, in order, streamed (see ``read_source``)."""
    options = options or ReadOptions()
    for path in expand(paths, options.glob):
        for page in read_source(path, options, stdin, stats):
            if options.site is not None:
                page.site = options.site
            yield page
