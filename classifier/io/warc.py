"""Pages from WARC (and ARC) archives: one page per HTML or text ``response`` record, and
one text page per ``conversion`` record of a WET file (Common Crawl's extracted text).

A crawl archive holds much besides pages: requests, metadata, images, scripts, redirects. Only
``response``, ``resource`` and ``conversion`` records with a 2xx status (when they have one)
and an HTML or plain-text payload become pages; the others are passed over and counted in
``ReadStats.skipped`` by reason, so a run can say what it left out. A damaged archive never
stops the batch: a record cut short, a damaged gzip member or bytes that cannot be read as a
record become one error page each. The records before them come through intact, and in a
gzipped archive (the usual kind: a gzip member per record) so do the records after them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from classifier.document import InputKind, Page
from classifier.io.members import GzipMembers, Member, MemberDamaged
from classifier.io.pages import (
    GZIP_MAGIC,
    SNIFF_BYTES,
    ReadOptions,
    ReadStats,
    page_from_bytes,
    page_kind,
    sniff,
)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})
#: Record types that hold a fetched document, or its text (``conversion``: WET files);
#: requests, metadata and the like are not pages.
_PAGE_RECORDS = frozenset({"response", "resource", "conversion"})
#: Characters of a warcio error message kept in an error record.
_MESSAGE_CHARS = 120


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
        kind = page_kind(sniff(data[:SNIFF_BYTES]))
    return page_from_bytes(data, kind, id, url=url, site=options.site, charset=charset,
                           max_bytes=options.max_bytes)


class _Records(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator without its warning on stderr when a record is not followed by blank
    lines (it quotes the bytes found instead, garbage in a damaged archive): what cannot be
    read becomes an error record here, and the output and summary say so."""

    INC_RECORD = ""


def read_warc(stream: IO[bytes], source: str, options: ReadOptions,
              stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of a WARC or ARC archive (gzip per record or uncompressed), in record order.

    ``stream`` is the archive as stored (not gunzipped). A page's id is its ``WARC-Record-ID``
    (else ``source:offset``), its URL the ``WARC-Target-URI``; the charset comes from the HTTP
    ``Content-Type``, else the page's own declaration. Records that are not pages are counted in
    ``stats.skipped`` by reason. Damage yields an error page: a record whose payload is cut short
    keeps its id; a damaged gzip member is one error page (with the id of its record when its
    headers were read) and reading resumes at the next member; unreadable bytes in an
    uncompressed archive stop it with one page ``source:offset`` for the rest.
    """
    peek = getattr(stream, "peek", None)
    if peek and peek(2)[:2] == GZIP_MAGIC:
        for member in GzipMembers(stream):
            yield from _read_member(member, source, options, stats)
        return
    records = _Records(stream, arc2warc=True)
    end = 0  # where the record after the last one read whole starts
    try:
        for record in records:
            page = _page(record, f"{source}:{records.offset}", options, stats)
            records.read_to_end()
            end = records.offset
            if page is not None:
                yield page
    except Exception as error:  # warcio fails in many ways on damaged data; the batch goes on
        yield Page(id=f"{source}:{end}", raw="", kind=InputKind.HTML,
                   error=f"unreadable WARC data from byte {end} on: {_message(error)}")


def _read_member(member: Member, source: str, options: ReadOptions,
                 stats: ReadStats | None) -> Iterator[Page]:
    """The pages of one gzip member (one record, as a rule). A page is yielded once the bytes
    after its record were read cleanly (the next record's headers, or the member's end and
    checks), so a record in a damaged member becomes the error page instead."""
    fallback_id = f"{source}:{member.offset}"
    record_id, url = "", None  # of the record being read
    pending: Page | None = None
    try:
        for record in _Records(member, arc2warc=True):
            if pending is not None:
                yield pending
            record_id, url = _record_id(record), record.rec_headers.get_header("WARC-Target-URI")
            pending = _page(record, fallback_id, options, stats)
    except MemberDamaged as damage:
        yield Page(id=record_id or fallback_id, raw="", kind=InputKind.HTML, url=url,
                   error=f"damaged gzip member in WARC: {damage}")
        return
    except Exception as error:  # the member inflates but holds no readable record
        if pending is not None:
            yield pending
        yield Page(id=fallback_id, raw="", kind=InputKind.HTML,
                   error=f"unreadable WARC record at byte {member.offset}: {_message(error)}")
        return
    if pending is not None:
        yield pending


def _page(record: ArcWarcRecord, fallback_id: str, options: ReadOptions,
          stats: ReadStats | None) -> Page | None:
    """The page ``record`` holds, or ``None`` (counted in ``stats``) when it holds none."""
    if record.rec_type not in _PAGE_RECORDS:
        return None
    reason = _skip_reason(record)
    if reason is not None:
        if stats is not None:
            stats.skipped[f"WARC {reason}"] += 1
        return None
    return _record_page(record, _record_id(record) or fallback_id,
                        record.rec_headers.get_header("WARC-Target-URI"), options)


def _record_id(record: ArcWarcRecord) -> str:
    return (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")


def _message(error: Exception) -> str:
    # warcio's messages quote the bad bytes; the first line is enough to say what broke.
    message = str(error).splitlines()[0][:_MESSAGE_CHARS] if str(error) else ""
    return f"{type(error).__name__}: {message}"
