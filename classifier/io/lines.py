"""The non-blank lines of a byte stream, with their numbers, at the cost of a byte scan for the
lines that hold nothing.

JSON-lines input is split here. Blank lines (however many: a gigabyte of them costs about a
second) are passed over by a regular expression over large blocks, never line by line; a line
longer than ``limit`` bytes, or one holding a NUL byte (which JSON text never does: binary
data, or a gzip bomb of zeros), is reported as soon as that is known and skipped to its end
without being held in memory. So memory stays within about ``limit`` plus one block, whatever
the stream holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

#: Bytes asked of the stream at a time (``read1``: what is there, so a pipe fed line by line
#: gets each line scored as it comes, rather than once a block is full).
BLOCK = 1 << 20
#: The first byte of a line that is not blank (JSON's white space: space, tab, CR, LF).
_NOT_BLANK = re.compile(rb"[^ \t\r\n]")
#: ``Line.problem`` of a line longer than the limit, and of one holding a NUL byte.
TOO_LONG = "too long"
BINARY = "binary"


@dataclass(frozen=True)
class Line:
    """Line ``number`` (from 1) of the stream: its bytes (end of line included), or empty with
    ``problem`` (``TOO_LONG``, ``BINARY``) when it was skipped unread."""

    number: int
    data: bytes
    problem: str | None = None


class Lines:
    """Iterates the non-blank lines of ``stream`` (see the module docstring)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._read = getattr(stream, "read1", stream.read)
        self.limit = limit
        self._buffer = bytearray()
        self._pos = 0  # index in the buffer of the next byte not yet looked at
        self._number = 0  # newlines before ``_pos``
        self._eof = False

    def _more(self) -> bool:
        """Appends a block of the stream to the buffer (dropping what was looked at); False at
        the end of the stream."""
        if self._eof:
            return False
        data = self._read(BLOCK)
        if not data:
            self._eof = True
            return False
        if self._pos:
            del self._buffer[:self._pos]
            self._pos = 0
        self._buffer += data
        return True

    def __iter__(self) -> Iterator[Line]:
        while True:
            found = _NOT_BLANK.search(self._buffer, self._pos)
            if found is None:
                self._number += self._buffer.count(b"\n", self._pos)
                self._pos = len(self._buffer)
                if not self._more():
                    return
                continue
            self._number += self._buffer.count(b"\n", self._pos, found.start())
            self._pos = self._buffer.rfind(b"\n", self._pos, found.start()) + 1 or self._pos
            yield self._line()

    def _line(self) -> Line:
        """The line starting at ``_pos``, moving past it."""
        number = self._number + 1
        start = self._pos
        scanned = start
        while True:
            end = self._buffer.find(b"\n", scanned)
            if self._buffer.find(b"\x00", scanned, len(self._buffer) if end < 0 else end) >= 0:
                return self._skip(number, BINARY)
            if end >= 0:
                end += 1
                break
            if len(self._buffer) - start > self.limit:
                return self._skip(number, TOO_LONG)
            scanned = len(self._buffer)
            if not self._more():
                end = len(self._buffer)
                break
            scanned -= start
            start = 0  # the buffer now starts at the line
        if end - start > self.limit + 1:
            self._pos = end
            self._number += 1
            return Line(number, b"", TOO_LONG)
        data = bytes(self._buffer[start:end])
        self._pos = end
        self._number += 1
        return Line(number, data)

    def _skip(self, number: int, problem: str) -> Line:
        """Moves past the end of the current line without keeping it."""
        while (end := self._buffer.find(b"\n", self._pos)) < 0:
            self._pos = len(self._buffer)
            if not self._more():
                return Line(number, b"", problem)
        self._pos = end + 1
        self._number += 1
        return Line(number, b"", problem)
