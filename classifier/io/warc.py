"""Pages from WARC (and ARC) archives: one page per HTML or text ``response`` record, and one
text page per ``conversion`` record of a WET file (Common Crawl's extracted text).

A crawl archive holds much besides pages: requests, metadata, images, scripts, redirects. Only
``response``, ``resource`` and ``conversion`` records with a 2xx status (when they have one)
and an HTML or plain-text payload become pages; the others are passed over and counted in
``ReadStats.skipped`` by reason (``WARC request record``, ``WARC image/png``, ``WARC HTTP
404``...), so a run can say what it left out.

Every byte of an archive ends as a page, an error page or a counted skip: records are framed
here, not by a library that trusts them. A record's headers must end within
``MAX_HEADER_BYTES`` and hold a ``Content-Length`` of digits; after its block, the archive
must go on with the next record (or end). A record that breaks these rules becomes an error
page under its own id, and reading resumes at the next line that starts a record (for a file,
searched from the damaged record's block, so a ``Content-Length`` too large costs no record
after it). Junk between records is one error page for its bytes. In a gzipped archive (the
usual kind: a gzip member per record) a damaged member is one error page and reading resumes
at the next intact member (``members``). Memory stays bounded whatever the archive says:
headers, lines and payloads are read within limits, blocks that are not pages are skipped
unread, and the HTTP payload is decoded within the page limit (``http``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Protocol

from classifier.document import InputKind, Page
from classifier.io import http
from classifier.io.members import GzipMembers, MemberDamaged
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
#: Most bytes of a record's headers (WARC) or header line (ARC).
MAX_HEADER_BYTES = 1 << 20
#: Bytes read from the archive at a time.
_CHUNK = 1 << 16
#: The line that starts a WARC record, and one that starts an ARC record (URL, IP address,
#: 14-digit date, content type, length), each after a newline: where reading resumes.
_WARC_START = re.compile(rb"\nWARC/\d+\.\d+\r?\n")
_ARC_START = re.compile(rb"\n[a-z][-+.a-z0-9]*://\S* \S+ \d{12,14} \S+ \d+\r?\n")
_ARC_HEADER = re.compile(rb"(\S+) (\S+) (\d{12,14}) (\S+) (\d+)\r?\n")
_DIGITS = re.compile(r"\d{1,18}")
#: A header's name: an RFC 9110 token (no spaces: "WARC-Date 2026-01-01T00" is not a name).
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
#: The start of a gzip member: its magic number and the deflate method.
_MEMBER_START = GZIP_MAGIC + b"\x08"
#: What ends a record's block: blank lines (CRLF CRLF, as written; ARC: one LF).
_NOT_NEWLINE = re.compile(rb"[^\r\n]")
#: Bytes kept back when searching for the next record: its start line may span two chunks.
_LOOKBACK = 4096
#: A stream with nothing in it.
_EMPTY = io.BytesIO()


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class _Source:
    """An archive's bytes (a file, stdin or one gzip member) read in chunks, with bounded
    lines, look-ahead, skipping and the search for the next record, and its position
    ``pos``. ``rewind`` goes back to an earlier position when the stream can seek."""

    def __init__(self, stream: _Readable) -> None:
        self._stream = stream
        try:
            self._seekable = stream.seekable()  # type: ignore[attr-defined]
            self._origin = stream.tell() if self._seekable else 0  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):  # a gzip member, a pipe
            self._seekable, self._origin = False, 0
        self._buffer = bytearray()
        self._at = 0  # index in the buffer of the byte at ``pos``
        self.pos = 0

    def _fill(self) -> bool:
        data = self._stream.read(_CHUNK)
        if not data:
            return False
        if self._at > _CHUNK:  # keep the byte before ``pos``: the search for a record needs it
            del self._buffer[:self._at - 1]
            self._at = 1
        self._buffer += data
        return True

    def _ahead(self) -> int:
        return len(self._buffer) - self._at

    def peek(self, size: int) -> bytes:
        while self._ahead() < size and self._fill():
            pass
        return bytes(self._buffer[self._at:self._at + size])

    def read(self, size: int) -> bytes:
        data = self.peek(size)
        self._at += len(data)
        self.pos += len(data)
        return data

    def readline(self, limit: int) -> bytes:
        """A line, its end included, of at most ``limit`` bytes."""
        scanned = 0
        while True:
            end = self._buffer.find(b"\n", self._at + scanned, self._at + limit)
            if end >= 0:
                return self.read(end + 1 - self._at)
            scanned = self._ahead()
            if scanned >= limit or not self._fill():
                return self.read(limit)

    def skip(self, size: int) -> int:
        """Moves ``size`` bytes on, fewer at the end of the stream; returns how many."""
        done = 0
        while done < size and (self._ahead() or self._fill()):
            step = min(size - done, self._ahead())
            self._at += step
            self.pos += step
            done += step
        return done

    def skip_newlines(self) -> None:
        while True:
            found = _NOT_NEWLINE.search(self._buffer, self._at)
            if found is not None:
                self.skip(found.start() - self._at)
                return
            self.skip(self._ahead())
            if not self._fill():
                return

    def rewind(self, position: int) -> bool:
        """Goes back to ``position`` (on a stream that can seek); whether it did."""
        if not self._seekable:
            return False
        self._stream.seek(self._origin + position)  # type: ignore[attr-defined]
        self._buffer.clear()
        self._at, self.pos = 0, position
        return True

    def resync(self, start: re.Pattern[bytes]) -> int:
        """Moves to the next line after ``pos`` that ``start`` says begins a record (the end
        of the stream when there is none); returns the new position."""
        while True:
            found = start.search(self._buffer, max(self._at - 1, 0))
            if found is not None:
                self.skip(found.start() + 1 - self._at)
                return self.pos
            self.skip(max(self._ahead() - _LOOKBACK, 0))
            if not self._fill():
                self.skip(self._ahead())
                return self.pos


class _Block:
    """The ``length`` bytes of a record's block, as a bounded stream; ``missing`` counts the
    bytes the archive ended short of them (after ``drain``)."""

    def __init__(self, source: _Source, length: int) -> None:
        self._source = source
        self.start = source.pos
        self.length = length
        self.left = length
        self.missing = 0

    def read(self, size: int) -> bytes:
        data = self._source.read(min(size, self.left, _CHUNK))
        self.left -= len(data)
        return data

    def readline(self, limit: int) -> bytes:
        data = self._source.readline(min(limit, self.left))
        self.left -= len(data)
        return data

    def drain(self) -> None:
        """Skips to the block's end, counting what the archive lacks of it."""
        self.missing = self.left - self._source.skip(self.left)
        self.left = 0


@dataclass
class _Record:
    """A record's framing: where it starts, its header fields (names lower-cased, the first of
    a repeated one), what is wrong with its headers, and its block's length."""

    start: int
    fields: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    length: int | None = None

    @property
    def type(self) -> str:
        return self.fields.get("warc-type", "")

    @property
    def id(self) -> str:
        return self.fields.get("warc-record-id", "").strip().strip("<>")

    @property
    def url(self) -> str | None:
        return self.fields.get("warc-target-uri", "").strip().strip("<>") or None


def _warc_headers(source: _Source) -> _Record:
    """The headers of the WARC record at ``source`` (its version line first)."""
    record = _Record(source.pos)
    used = len(source.readline(MAX_HEADER_BYTES))
    name = None
    while True:
        line = source.readline(MAX_HEADER_BYTES - used + 1)
        used += len(line)
        if not line:
            record.problem = "the archive ends inside its headers"
            return record
        if used > MAX_HEADER_BYTES:
            record.problem = f"headers longer than {MAX_HEADER_BYTES} bytes"
            return record
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t") and name is not None:  # a continuation line
            record.fields[name] += " " + line.strip().decode("utf-8", "replace")
            continue
        key, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(key.strip()):
            record.problem = record.problem or (f"header line without a colon {_quote(line)}"
                                                if not colon else
                                                f"malformed header name {_quote(key)}")
            name = None
            continue
        name = key.strip().lower().decode("utf-8", "replace")
        record.fields.setdefault(name, value.strip().decode("utf-8", "replace"))
    length = record.fields.get("content-length", "")
    if _DIGITS.fullmatch(length):
        record.length = int(length)
    else:
        record.problem = record.problem or f"no valid Content-Length ({length!r})"
    return record


def _arc_header(source: _Source) -> _Record:
    """The header line of the ARC record at ``source``, as a record's fields."""
    record = _Record(source.pos)
    line = source.readline(MAX_HEADER_BYTES)
    match = _ARC_HEADER.fullmatch(line)
    if match is None:
        record.problem = f"malformed ARC header line {_quote(line)}"
        return record
    url, _, _, media, length = (part.decode("utf-8", "replace") for part in match.groups())
    record.fields.update({"warc-target-uri": url, "content-type": media,
                          "warc-type": "warcinfo" if url.startswith("filedesc:") else "response"})
    record.length = int(length)
    return record


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


class _Reader:
    """Reads the records of one archive into pages: ``pages`` per stream (the file, or each of
    its gzip members in turn), what holds across them (is it ARC?) kept here."""

    def __init__(self, name: str, options: ReadOptions, stats: ReadStats | None) -> None:
        self.name = name  # the archive, for ids and messages
        self.options = options
        self.stats = stats
        self.arc = False
        self.record: _Record | None = None  # the record being read
        self.source = _Source(_EMPTY)
        self.member: int | None = None  # the offset of the gzip member being read

    def pages(self, source: _Source, member: int | None = None) -> Iterator[Page]:
        """The pages and error pages of ``source`` (a gzip member at file offset ``member``,
        or the whole archive), in order, skips counted."""
        self.source, self.member = source, member
        while True:
            source.skip_newlines()
            start = source.pos
            head = source.peek(len(b"filedesc://"))
            if not head:
                return
            if head.startswith(b"WARC/"):
                self.record = _warc_headers(source)
            elif self.arc or head == b"filedesc://" and start == 0:
                self.arc = True
                self.record = _arc_header(source)
            else:
                end = source.resync(self._start_line)
                yield self._error(_Record(start), None, f"unreadable WARC data: "
                                                        f"{self._span(start, end)} are not a "
                                                        "WARC record")
                continue
            page = self._framed(self.record)
            self.record = None
            if page is not None:
                yield page

    @property
    def _start_line(self) -> re.Pattern[bytes]:
        return _ARC_START if self.arc else _WARC_START

    def _span(self, start: int, end: int) -> str:
        """Bytes ``start`` to ``end`` of the stream, as a message names them."""
        if self.member is None:
            return f"bytes {start}-{end}"
        return f"bytes {start}-{end} of the gzip member at byte {self.member}"

    def _id(self, record: _Record | None) -> str:
        """A record's id, else ``archive:offset`` (of its gzip member, or of the record)."""
        if record is not None and record.id:
            return record.id
        if self.member is not None or record is None:
            return f"{self.name}:{self.member or 0}"
        return f"{self.name}:{record.start}"

    def _error(self, record: _Record | None, url: str | None, error: str) -> Page:
        return Page(id=self._id(record), raw="", kind=InputKind.HTML, url=url, error=error)

    def _skip(self, reason: str) -> None:
        if self.stats is not None:
            self.stats.skipped[reason] += 1

    def _framed(self, record: _Record) -> Page | None:
        """Reads ``record``'s block and checks that the archive goes on after it; returns its
        page (``None`` for a skip), or the error page the framing calls for."""
        source = self.source
        if record.length is None:  # no block to skip: resume at the next record
            source.rewind(record.start + 1)
            end = source.resync(self._start_line)
            return self._error(record, record.url, f"malformed WARC record: {record.problem}; "
                                                   f"{self._span(record.start, end)} skipped")
        block = _Block(source, record.length)
        page = self._payload(record, block)
        block.drain()
        if not block.missing and self._boundary():
            if isinstance(page, Page):
                return page
            self._skip(page)  # counted only now: a record whose framing fails is an error
            return None
        # The block is not followed by a record: its length is wrong, or the archive ends
        # inside it. Where the stream can seek, the next record is searched from the block's
        # start, so a length too large costs no record after it.
        source.rewind(block.start)
        end = source.resync(self._start_line)
        if block.missing and source.peek(1) == b"":
            return self._error(record, record.url,
                               f"WARC record cut short: {block.missing} bytes missing")
        return self._error(record, record.url,
                           f"WARC record's Content-Length ({record.length}) does not match its "
                           f"block; {self._span(block.start, end)} skipped")

    def _boundary(self) -> bool:
        """Whether the block ends where a record's block ends: at the end of the archive, or
        before a blank line (the CRLF CRLF after a WARC record, the LF after an ARC record; at
        the end of the archive, what is left of one). What follows the blank lines is the next
        record's business (junk is an error of its own)."""
        head = self.source.peek(2)
        return head in (b"", b"\r", b"\r\n") or head.startswith(b"\n")

    def _payload(self, record: _Record, block: _Block) -> Page | str:
        """The page ``record`` holds, an error page, or why it holds none (a skip reason)."""
        if record.problem is not None:
            return self._error(record, record.url, f"malformed WARC record: {record.problem}")
        if not record.type:
            return self._error(record, record.url, "malformed WARC record: no WARC-Type")
        if record.type not in _PAGE_RECORDS:
            return "ARC file header" if self.arc else f"WARC {record.type} record"
        media, charset = _media_type(record.fields.get("content-type"))
        http_response = record.type == "response" and (
            media == "application/http"
            or (record.url or "").lower().startswith(("http:", "https:")))
        try:
            response = http.read_head(block) if http_response else http.Response("200")
            if not response.status.startswith("2"):
                return f"WARC HTTP {response.status}"
            if http_response:
                media, charset = _media_type(response.headers.get("content-type"))
            if media and media not in _HTML_TYPES and media not in _TEXT_TYPES:
                return f"WARC {media}"
            data = http.read_payload(block, response, self.options.max_bytes)
        except http.HttpError as error:
            return self._error(record, record.url, f"unreadable HTTP response in WARC record: "
                                                   f"{error}")
        if len(data) > self.options.max_bytes:
            return self._error(record, record.url, f"page too large: more than "
                                                   f"{self.options.max_bytes} bytes (see "
                                                   "--max-bytes)")
        if media in _HTML_TYPES:
            kind = InputKind.HTML
        elif media in _TEXT_TYPES:
            kind = InputKind.TEXT
        else:
            kind = page_kind(sniff(data[:SNIFF_BYTES]))
        return page_from_bytes(data, kind, self._id(record),
                               url=record.url, site=self.options.site, charset=charset,
                               max_bytes=self.options.max_bytes)


def _gzipped(stream: IO[bytes]) -> bool:
    """Whether ``stream`` is read as gzip members: it starts with one, or it does not start
    with a record and a member starts soon after (junk before the first member is then one
    damaged member's error, not the whole archive's)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return False
    head = peek(_CHUNK)
    if head.startswith(GZIP_MAGIC):
        return True
    return (not head.lstrip(b"\r\n").startswith((b"WARC/", b"filedesc://"))
            and _MEMBER_START in head[:_CHUNK])


def read_warc(stream: IO[bytes], source: str, options: ReadOptions,
              stats: ReadStats | None = None) -> Iterator[Page]:
    """The pages of a WARC or ARC archive (gzip per record or uncompressed), in record order.

    ``stream`` is the archive as stored (not gunzipped). A page's id is its ``WARC-Record-ID``
    (else ``source:offset``), its URL the ``WARC-Target-URI``; the charset comes from the HTTP
    ``Content-Type``, else the page's own declaration. Records that are not pages are counted in
    ``stats.skipped`` by reason; damage yields error pages (see the module docstring).
    """
    reader = _Reader(source, options, stats)
    if not _gzipped(stream):
        yield from reader.pages(_Source(stream))
        return
    for member in GzipMembers(stream):
        try:
            yield from reader.pages(_Source(member), member.offset)
        except MemberDamaged as damage:
            yield reader._error(reader.record, reader.record.url if reader.record else None,
                                f"damaged gzip member in WARC: {damage}")
            reader.record = None


def _quote(line: bytes) -> str:
    return repr(line[:60].rstrip(b"\r\n").decode("utf-8", "replace"))
