"""What the readers share: input formats, reading options and counts, sniffing, and pages
made from the bytes or text of one record.

``page_from_bytes`` and ``page_from_text`` are the I/O side of making a page: they decode,
bound its size and turn an empty or binary payload into an error page; the page itself, and
its site key, come from ``sites.make_page``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from classifier.document import InputKind, Page
from classifier.io.decode import decode
from classifier.sites import make_page

#: Pages larger than this (bytes, after decompression) are refused with an error record: past
#: it, parsing time and memory grow with no gain in what a reader would call one article.
MAX_PAGE_BYTES_DEFAULT = 20 * 1024 * 1024
#: Bytes read ahead to tell the format of an input; a NUL byte among them (not UTF-16/32) means
#: binary data.
SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"
#: How a Parquet file starts (and ends).
PARQUET_MAGIC = b"PAR1"
#: Extensions of compressed files, read transparently (by their magic numbers, not these).
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


class InputFormat(str, Enum):
    """How inputs are read; ``auto`` decides per file by name, then by content."""

    AUTO = "auto"
    TEXT = "text"
    HTML = "html"
    JSONL = "jsonl"
    WARC = "warc"
    PARQUET = "parquet"


@dataclass(frozen=True)
class ReadOptions:
    """Where records come from and which JSON fields hold what.

    ``site``: a site key for every page read, given to ``sites.make_page`` before a JSON
    line's ``site_field`` and the page's URL: recurrence evidence is shared within a site only.
    """

    input_format: InputFormat = InputFormat.AUTO
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
    ``bytes_read``: bytes of input read so far, as stored (compressed), for progress.
    """

    skipped: Counter[str] = field(default_factory=Counter)
    bytes_read: int = 0


def format_by_name(name: str) -> InputFormat | None:
    """The format a file's name says (``.html``, ``.jsonl.gz``...), or ``None``."""
    lowered = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        lowered = lowered.removesuffix(suffix)
    if lowered.endswith((".warc", ".arc")):
        return InputFormat.WARC
    if lowered.endswith((".jsonl", ".ndjson", ".jl")):
        return InputFormat.JSONL
    if lowered.endswith(".parquet"):
        return InputFormat.PARQUET
    if lowered.endswith((".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx")):
        return InputFormat.HTML
    if lowered.endswith((".txt", ".text", ".md")):
        return InputFormat.TEXT
    return None


def sniff(head: bytes) -> InputFormat:
    """Guess the format of a payload from its first bytes."""
    if head.startswith(PARQUET_MAGIC):
        return InputFormat.PARQUET
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"WARC/") or stripped.startswith(b"filedesc://"):
        return InputFormat.WARC
    if stripped.startswith(b"{"):
        return InputFormat.JSONL
    lowered = stripped[:2048].lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml")) or any(
            tag in lowered for tag in (b"<html", b"<body", b"<div", b"<p>", b"<p ", b"<head")):
        return InputFormat.HTML
    return InputFormat.TEXT


def page_kind(input_format: InputFormat) -> InputKind:
    """How a page of a (sniffed) format is read: HTML as HTML, anything else as text."""
    return InputKind.HTML if input_format is InputFormat.HTML else InputKind.TEXT


def _is_binary(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16/32 with BOM
        return False
    return b"\x00" in head


def page_from_bytes(data: bytes, kind: InputKind, id: str, url: str | None = None,
                    site: str | None = None, charset: str | None = None,
                    max_bytes: int = MAX_PAGE_BYTES_DEFAULT,
                    extra: dict[str, Any] | None = None) -> Page:
    """A page from raw bytes, or an error page (too large, binary; an empty page gets its
    error when it is segmented, as every page does)."""
    error = None
    if len(data) > max_bytes:
        error = f"page too large: {len(data)} bytes (limit {max_bytes}, see --max-bytes)"
    elif _is_binary(data):
        error = "binary data, not text or HTML"
    page = make_page("" if error else decode(data, charset), kind, id, url, site, extra)
    page.error = error
    return page


def page_from_text(raw: str, kind: InputKind, id: str, url: str | None = None,
                   site: str | None = None, max_bytes: int = MAX_PAGE_BYTES_DEFAULT,
                   extra: dict[str, Any] | None = None) -> Page:
    """A page from already-decoded text, or an error page (too large; an empty page gets its
    error when it is segmented)."""
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
        page = make_page("", kind, id, url, site, extra)
        page.error = f"page too large: {size} bytes (limit {max_bytes}, see --max-bytes)"
        return page
    return make_page(raw, kind, id, url, site, extra)


def field_value(record: dict[str, Any], name: str) -> Any:
    """``record[name]``, else the value at the dotted path ``name`` in nested objects
    (``metadata.url``, as datatrove and FineWeb records keep it), else ``None``."""
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _string(record: dict[str, Any], name: str) -> str | None:
    value = field_value(record, name)
    return None if value is None else str(value)


def page_from_record(record: dict[str, Any], fallback_id: str, options: ReadOptions) -> Page:
    """A page from one record of JSON lines or Parquet: its fields named by ``options``
    (dotted paths reach nested fields), the others passed through in ``extra``; an error page
    when it has no string HTML or text field. ``fallback_id`` when it has no id."""
    id = _string(record, options.id_field) or fallback_id
    url = _string(record, options.url_field)
    site = options.site or _string(record, options.site_field)
    extra = {k: v for k, v in record.items()
             if k not in (options.html_field, options.text_field)}
    for name, kind in ((options.html_field, InputKind.HTML), (options.text_field, InputKind.TEXT)):
        value = field_value(record, name)
        if isinstance(value, str):
            return page_from_text(value, kind, id, url, site, options.max_bytes, extra)
    return Page(id=id, raw="", kind=InputKind.TEXT, url=url, extra=extra,
                error=f"record has no string '{options.html_field}' or "
                      f"'{options.text_field}' field")
