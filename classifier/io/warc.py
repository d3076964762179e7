"""Pages from WARC (and ARC) archives: one page per HTML or text ``response`` record.

A crawl archive holds much besides pages: requests, metadata, images, scripts, redirects. Only
``response`` (and ``resource``) records with a 2xx status and an HTML or plain-text payload
become pages; the others are passed over and counted in ``ReadStats.skipped`` by reason, so a
run can say what it left out. A damaged archive never stops the batch: a record cut short, or
bytes that cannot be read as a record (a gzip member cut short, garbage), become one error
page each, and the records before them come through intact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from classifier.document import InputKind, Page
from classifier.io.readers import (
    GZIP_MAGIC,
    SNIFF_BYTES,
    InputType,
    ReadOptions,
    ReadStats,
    page_from_bytes,
    sniff,
)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})
#: Record types that hold a fetched document; requests, metadata and the like are not pages.
_PAGE_RECORDS = frozenset({"response", "resource"})
#: How much of the stream is read per call when draining it to measure its length.
_DRAIN_BYTES = 1 << 20
#: Characters of a warcio error message kept in an error record.
_MESSAGE_CHARS = 120


class _CountingReader:
    """A read-only stream that counts the bytes read through it (warcio only calls ``read``)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def drain(self) -> int:
        """Read to the end; returns the total number of bytes the stream held."""
        while self.read(_DRAIN_BYTES):
            pass
        return self.count


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``"text/html; charset=UTF-8"``; ``("", None)`` if absent."""
    if not content_type:
        return "", None
    media, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _payload_type(record: ArcWarcRecord) -> tuple[str, str | None]:
    if record.http_headers is not None:
        return _media_type(record.http_headers.get_header("Content-Type"))
    return _media_type(record.rec_headers.get_header("Content-Type"))


def _skip_reason(record: ArcWarcRecord) -> str | None:
    """Why ``record`` is not a page, or ``None`` when it is one (or might be: no content type)."""
    if record.http_headers is not None and record.http_headers.get_statuscode():
        status = record.http_headers.get_statuscode()
        if not status.startswith("2"):
            return f"HTTP {status}"
    media, _ = _payload_type(record)
    if media and media not in _HTML_TYPES and media not in _TEXT_TYPES:
        return media
    return None


def _record_page(record: ArcWarcRecord, id: str, url: str | None, options: ReadOptions) -> Page:
    media, charset = _payload_type(record)
    data = record.content_stream().read(options.max_bytes + 1)
    if record.raw_stream.limit:  # fewer bytes than the record's Content-Length declares
        return Page(id=id, raw="", kind=InputKind.HTML, url=url,
                    error=f"WARC record cut short: {record.raw_stream.limit} bytes missing")
    if media in _HTML_TYPES:
        kind = InputKind.HTML
    elif media in _TEXT_TYPES:
        kind = InputKind.TEXT
    else:
        kind = InputKind.HTML if sniff(data[:SNIFF_BYTES]) is InputType.HTML else InputKind.TEXT
    return page_from_bytes(data, kind, id, url=url, charset=charset, max_bytes=options.max_bytes)


def read_warc(stream: IO[bytes], source: str, options: ReadOptions,
              stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of a WARC or ARC archive (gzip per record or uncompressed), in record order.

    ``stream`` is the archive as stored (not gunzipped). A page's id is its ``WARC-Record-ID``
    (else ``source:offset``), its URL the ``WARC-Target-URI``; the charset comes from the HTTP
    ``Content-Type``, else the page's own declaration. Records that are not pages are counted in
    ``stats.skipped`` by reason. Damage yields an error page: a record whose payload is cut short
    keeps its id; unreadable bytes stop the archive with one page ``source:offset`` for the rest.
    """
    peek = getattr(stream, "peek", None)
    compressed = bool(peek and peek(2)[:2] == GZIP_MAGIC)
    counted = _CountingReader(stream)
    records = ArchiveIterator(counted, arc2warc=True)
    end = 0  # offset just past the last record read whole
    try:
        for record in records:
            offset = records.offset  # where the current record starts
            if record.rec_type not in _PAGE_RECORDS:
                end = _record_end(records)
                continue
            reason = _skip_reason(record)
            if reason is not None:
                if stats is not None:
                    stats.skipped[f"WARC {reason}"] += 1
                end = _record_end(records)
                continue
            record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
            url = record.rec_headers.get_header("WARC-Target-URI")
            page = _record_page(record, record_id or f"{source}:{offset}", url, options)
            end = _record_end(records)
            yield page
    except Exception as error:  # warcio fails in many ways on damaged data; the batch goes on
        # warcio's messages quote the bad bytes; the first line is enough to say what broke.
        message = str(error).splitlines()[0][:_MESSAGE_CHARS] if str(error) else ""
        yield Page(id=f"{source}:{end}", raw="", kind=InputKind.HTML,
                   error=f"unreadable WARC data from byte {end} on: {type(error).__name__}: "
                         f"{message}")
        return
    # warcio ends quietly on a gzip member cut short: what it read past the last record is lost.
    if compressed and counted.drain() > end:
        yield Page(id=f"{source}:{end}", raw="", kind=InputKind.HTML,
                   error=f"WARC cut short: {counted.count - end} bytes from byte {end} on "
                         "hold no complete record")


def _record_end(records: ArchiveIterator) -> int:
    """Offset just past the current record (reads the rest of it)."""
    return records.get_record_offset() + records.get_record_length()
