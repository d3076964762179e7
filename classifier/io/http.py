"""The HTTP response a WARC or ARC record holds: status line, headers, and the payload as the
server meant it (de-chunked and decompressed), read within bounds.

Archives keep responses as they came over the wire, so the payload may be chunked
(``Transfer-Encoding``) and compressed (``Content-Encoding``). Both are undone here as a stream,
with every line and every decompression step bounded: a header block of endless lines, a chunk
size of gigabytes or a compressed bomb cost at most about the page limit in memory. What cannot
be read raises ``HttpError`` saying what is wrong, and becomes that record's error.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

#: Most bytes of a response's status line and headers.
MAX_HEAD_BYTES = 1 << 20
#: Most bytes of one chunk-size line (a hex size and extensions).
_CHUNK_LINE = 1024
#: Bytes read from the record at a time.
_STEP = 1 << 16
_STATUS = re.compile(rb"HTTP/\d(?:\.\d)?[ \t]+(\d{3})(?:[ \t].*)?\r?\n?", re.S)


class HttpError(ValueError):
    """A response that cannot be read: what is wrong with it."""


class Stream(Protocol):
    """What the response is read from: a record's block, bounded."""

    def read(self, size: int, /) -> bytes: ...

    def readline(self, limit: int, /) -> bytes: ...


@dataclass
class Response:
    """A response's status code (three digits) and headers (names lower-cased; a repeated
    header keeps its first value)."""

    status: str
    headers: dict[str, str] = field(default_factory=dict)


def read_head(stream: Stream) -> Response:
    """The status line and headers at the start of ``stream`` (which is left at the payload);
    ``HttpError`` when the status line is not ``HTTP/x.y NNN`` or the head has no end within
    ``MAX_HEAD_BYTES``. Header lines without a colon are passed over, as clients do."""
    line = stream.readline(MAX_HEAD_BYTES)
    status = _STATUS.fullmatch(line)
    if status is None:
        raise HttpError(f"malformed HTTP status line {_quote(line)}")
    response = Response(status.group(1).decode("ascii"))
    used = len(line)
    while True:
        line = stream.readline(MAX_HEAD_BYTES - used + 1)
        used += len(line)
        if used > MAX_HEAD_BYTES:
            raise HttpError(f"HTTP headers longer than {MAX_HEAD_BYTES} bytes")
        if not line.strip():  # the blank line ending the head, or the end of the record
            return response
        name, colon, value = line.partition(b":")
        if colon and name.strip():
            response.headers.setdefault(name.strip().lower().decode("latin-1"),
                                        value.strip().decode("latin-1"))


def read_payload(stream: Stream, response: Response, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the payload after the head, de-chunked and decompressed
    (gzip, deflate; br when the ``brotli`` module is installed). A payload that is not encoded
    as its headers say (chunked or compressed) is read as it is, as browsers do; one that
    breaks off inside its encoding raises ``HttpError``."""
    read: Callable[[int], bytes] = stream.read
    if response.headers.get("transfer-encoding", "").strip().lower() == "chunked":
        read = _Chunks(stream).read
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate", "br"):
        return _decompressed(read, encoding, limit + 1)
    return _read_up_to(read, limit + 1)


def _read_up_to(read: Callable[[int], bytes], size: int) -> bytes:
    out = bytearray()
    while len(out) < size and (data := read(min(_STEP, size - len(out)))):
        out += data
    return bytes(out)


class _Chunks:
    """A chunked payload de-chunked, as a ``read``; read as it is from the first byte that is
    not chunk framing (servers that say chunked and are not)."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream
        self._left = 0  # bytes of the current chunk not yet read
        self._plain = False
        self._done = False

    def read(self, size: int) -> bytes:
        if self._plain:
            return self._stream.read(size)
        if self._done:
            return b""
        if not self._left:
            line = self._stream.readline(_CHUNK_LINE)
            digits = line.split(b";")[0].strip()
            if not line.endswith(b"\n") or not re.fullmatch(rb"[0-9a-fA-F]{1,16}", digits):
                self._plain = True
                return line + self._stream.read(max(size - len(line), 0))
            self._left = int(digits, 16)
            if not self._left:
                self._done = True
                return b""
        data = self._stream.read(min(size, self._left))
        self._left -= len(data)
        if not self._left:
            self._stream.readline(_CHUNK_LINE)  # the CRLF after a chunk
        if not data:
            raise HttpError("chunked HTTP payload cut short")
        return data


def _decompressed(read: Callable[[int], bytes], encoding: str, size: int) -> bytes:
    """Up to ``size`` bytes of what ``read`` gives, decompressed, with the output of every step
    bounded (a bomb costs ``size``, not what it would inflate to)."""
    first = read(_STEP)
    try:
        inflate = _decompressor(encoding, first)
    except HttpError:
        return first + _read_up_to(read, size - len(first)) if len(first) < size else first[:size]
    out = bytearray()
    data = first
    while data and len(out) < size:
        out += inflate(data, size - len(out))
        data = read(_STEP) if len(out) < size else b""
    return bytes(out[:size])


def _decompressor(encoding: str, first: bytes) -> Callable[[bytes, int], bytes]:
    """``decompress(data, most)`` for ``encoding``, checked on the payload's first bytes;
    ``HttpError`` when they are not so encoded (the payload is then read as it is)."""
    if encoding == "br":
        try:
            import brotli
        except ImportError:
            raise HttpError("Content-Encoding br needs the brotli module") from None
        return _brotli(brotli.Decompressor())
    for wbits in ((16 + zlib.MAX_WBITS,) if encoding.endswith("gzip")
                  else (zlib.MAX_WBITS, -zlib.MAX_WBITS)):  # deflate: zlib-wrapped, or raw
        probe = zlib.decompressobj(wbits)
        try:
            probe.decompress(first, 1)
        except zlib.error:
            continue
        return _zlib(zlib.decompressobj(wbits))
    raise HttpError(f"payload is not {encoding}-encoded")


def _zlib(inflater: zlib._Decompress) -> Callable[[bytes, int], bytes]:
    def inflate(data: bytes, most: int) -> bytes:
        out = bytearray()
        try:
            while data and len(out) < most:
                out += inflater.decompress(data, most - len(out))
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error as error:
            raise HttpError(f"damaged compressed HTTP payload: {error}") from None
        return bytes(out)
    return inflate


def _brotli(decompressor: Any) -> Callable[[bytes, int], bytes]:
    def inflate(data: bytes, most: int) -> bytes:
        try:  # output_buffer_limit (brotli 1.2): the output of one call is bounded
            return decompressor.process(data, output_buffer_limit=most)  # type: ignore[no-any-return]
        except TypeError:
            raise HttpError("Content-Encoding br needs brotli 1.2 or later") from None
        except Exception as error:  # brotli.error
            raise HttpError(f"damaged compressed HTTP payload: {error}") from None
    return inflate


def _quote(line: bytes) -> str:
    return repr(line[:60].rstrip(b"\r\n").decode("latin-1"))
