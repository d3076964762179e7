"""Pages from files, folders, JSON lines, WARC archives and stdin, one ``Page`` per record.

Nothing here raises for bad input: an unreadable file, binary data, an empty or oversized page,
a malformed JSON line or a record without text becomes a ``Page`` whose ``error`` says why, so
the batch goes on and the output keeps one record per input record.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any

from classifier.document import InputKind, Page
from classifier.io.decode import decode
from classifier.sites import site_of

#: Pages larger than this (bytes, after decompression) are refused with an error record: past
#: it, parsing time and memory grow with no gain in what a reader would call one article.
MAX_PAGE_BYTES_DEFAULT = 20 * 1024 * 1024
#: A NUL byte among the first bytes of a page that is not UTF-16/32 means binary data.
_SNIFF_BYTES = 8192
_GZIP_MAGIC = b"\x1f\x8b"


class InputType(str, Enum):
    """How inputs are read; ``auto`` decides per file by name, then by content."""

    AUTO = "auto"
    TEXT = "text"
    HTML = "html"
    JSONL = "jsonl"
    WARC = "warc"


@dataclass(frozen=True)
class ReadOptions:
    """Where records come from and which JSON fields hold what."""

    input_type: InputType = InputType.AUTO
    id_field: str = "id"
    url_field: str = "url"
    html_field: str = "html"
    text_field: str = "text"
    site_field: str = "site"
    glob: str = "*"
    max_bytes: int = MAX_PAGE_BYTES_DEFAULT


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
    head = data[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16/32 with BOM
        return False
    return b"\x00" in head


def _open(path: str, stdin: IO[bytes] | None) -> IO[bytes]:
    """A binary stream of ``path`` (``-`` is stdin), gunzipped when it is gzip."""
    raw: IO[bytes] = (stdin or _stdin()) if path == "-" else open(path, "rb")  # noqa: SIM115
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
    return buffered


def _stdin() -> IO[bytes]:
    import sys

    return sys.stdin.buffer


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
    if len(raw) > max_bytes:
        page.error = f"page too large: {len(raw)} characters (limit {max_bytes}, see --max-bytes)"
    elif not raw.strip():
        page.error = "empty page"
    else:
        page.raw = raw
    return page


def _json_record(line: bytes, source: str, number: int, options: ReadOptions) -> Page:
    fallback_id = f"{source}:{number}"
    try:
        record = json.loads(line)
    except ValueError as error:
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error=f"malformed JSON line: {error}")
    if not isinstance(record, dict):
        return Page(id=fallback_id, raw="", kind=InputKind.TEXT,
                    error="JSON line is not an object")
    id = record.get(options.id_field)
    id = fallback_id if id is None else str(id)
    url = record.get(options.url_field)
    url = str(url) if url is not None else None
    site = record.get(options.site_field)
    extra = {k: v for k, v in record.items()
             if k not in (options.html_field, options.text_field)}
    for field, kind in ((options.html_field, InputKind.HTML), (options.text_field, InputKind.TEXT)):
        value = record.get(field)
        if isinstance(value, str):
            return page_from_text(value, kind, id, url, str(site) if site else None,
                                  options.max_bytes, extra)
    return Page(id=id, raw="", kind=InputKind.TEXT, url=url, extra=extra,
                error=f"record has no string '{options.html_field}' or '{options.text_field}' field")


def _read_jsonl(stream: IO[bytes], source: str, options: ReadOptions) -> Iterator[Page]:
    number = 0
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield _json_record(line, source, number, options)


def _read_whole(stream: IO[bytes], source: str, kind: InputType, options: ReadOptions) -> Page:
    data = stream.read(options.max_bytes + 1)
    if kind is InputType.AUTO:
        kind = sniff(data[:_SNIFF_BYTES])
    input_kind = InputKind.HTML if kind is InputType.HTML else InputKind.TEXT
    return page_from_bytes(data, input_kind, source, max_bytes=options.max_bytes)


def read_source(path: str, options: ReadOptions, stdin: IO[bytes] | None = None
                ) -> Iterator[Page]:
    """The pages of one input (a file or ``-``), errors included."""
    kind = options.input_type
    if kind is InputType.AUTO and path != "-":
        kind = _by_name(path) or InputType.AUTO
    try:
        stream = _open(path, stdin)
    except OSError as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {error.strerror or error}")
        return
    try:
        if kind is InputType.AUTO:
            kind = sniff(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]) if hasattr(stream, "peek") \
                else InputType.AUTO
        if kind is InputType.JSONL:
            yield from _read_jsonl(stream, path, options)
        elif kind is InputType.WARC:
            from classifier.io.warc import read_warc

            yield from read_warc(stream, path, options)
        else:
            yield _read_whole(stream, path, kind, options)
    except (OSError, EOFError, zlib.error) as error:
        yield Page(id=path, raw="", kind=InputKind.TEXT,
                   error=f"cannot read {path}: {type(error).__name__}: {error}")
    finally:
        if path != "-":
            stream.close()


def read_pages(paths: Sequence[str], options: ReadOptions | None = None,
               stdin: IO[bytes] | None = None) -> Iterator[Page]:
    """Every page of every input, in order, streamed."""
    options = options or ReadOptions()
    for path in expand(paths, options.glob):
        yield from read_source(path, options, stdin)
