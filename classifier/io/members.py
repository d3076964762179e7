"""Gzip members read one at a time, each as a stream of its own, recovering from damage.

A WARC (or ARC) archive is gzipped record by record: a series of gzip members. Read as one gzip
stream, a member cut short runs on into the members after it (its deflate data continues with
their bytes), and where that stops depends on the bytes involved: the rest of the archive can
vanish without a word. Read member by member, every member is checked whole (deflate data, CRC
and length), a damaged one (bad data, a failed check, the file ending inside it) is reported
with the bytes it spans, and reading resumes at the next member that inflates cleanly.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO, NoReturn

#: Raw bytes read from the stream at a time.
_CHUNK = 1 << 16
#: Most bytes inflated per call: a member can inflate a thousandfold, memory must not.
_INFLATE_BYTES = 1 << 16
#: Raw bytes a candidate member must inflate without error to count as the next member. Bytes
#: that merely contain the gzip magic fail within a few dozen bytes (a deflate block header,
#: code lengths or a distance out of range); a real member passes.
_PROBE_BYTES = 1 << 12
#: Raw bytes of the member being read kept behind the read position: where the member after
#: a damaged one may start (never before the damaged one's start). A member cut short is
#: noticed a few hundred bytes into the member after it, at most a few kilobytes; the window
#: bounds memory on members of any size.
_WINDOW = 1 << 20
#: The start of a gzip member: magic and the deflate method.
_MAGIC = b"\x1f\x8b\x08"
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class MemberDamaged(Exception):
    """A gzip member that could not be read whole; bytes ``start`` to ``end`` were skipped
    (``end``: where the next good member starts, or the end of the file)."""

    def __init__(self, start: int, end: int, reason: str) -> None:
        super().__init__(f"{reason}; bytes {start}-{end} skipped")
        self.start = start
        self.end = end
        self.reason = reason


class Member:
    """One gzip member as a read-only stream of its inflated bytes; ``offset``: where it starts
    in the file. ``read`` returns ``b""`` only once the member ended and passed its checks, and
    raises ``MemberDamaged`` when it cannot be read whole."""

    def __init__(self, members: GzipMembers, offset: int) -> None:
        self.offset = offset
        self.done = False
        self.fault: str | None = None  # the error found after the bytes already returned
        self._members = members
        self.inflater = zlib.decompressobj(_GZIP_WBITS)

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if size is None or size < 0:
            return b"".join(iter(lambda: self._members.inflate(self, _INFLATE_BYTES), b""))
        return self._members.inflate(self, min(size, _INFLATE_BYTES))


class GzipMembers:
    """The members of a gzip stream, in order. A member left partly read is read to its end
    (and checked) before the next one starts; damage found then is not raised again."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._raw = bytearray()  # bytes from file offset ``_base`` on
        self._base = 0
        self._pos = 0  # index in ``_raw`` of the next byte to inflate
        self._start = 0  # file offset of the member being read

    def __iter__(self) -> Iterator[Member]:
        while self._pos < len(self._raw) or self._fill():
            self._start = self._base + self._pos
            member = Member(self, self._start)
            yield member
            try:
                while member.read(_INFLATE_BYTES):
                    pass
            except MemberDamaged:
                pass  # the reader stopped at an error of its own and has reported it

    def inflate(self, member: Member, size: int) -> bytes:
        """Up to ``size`` (at least 1) inflated bytes of ``member``; ``b""`` once it ended."""
        inflater = member.inflater
        while not member.done:
            if member.fault is not None:
                self._damaged(member, member.fault)
            if self._pos == len(self._raw) and not self._fill():
                self._damaged(member, "the file ends inside it")
            with memoryview(self._raw) as view:
                data = view[self._pos:self._pos + _CHUNK].tobytes()
            before = inflater.copy()
            try:
                out = inflater.decompress(data, size)
            except zlib.error as error:
                # The bytes before the error are returned first: the record's headers among
                # them name the record in the error.
                member.fault = str(error).rpartition(": ")[2]
                out = _salvage(before, data, size)
                if out:
                    return out
                continue
            if inflater.eof:
                self._pos += len(data) - len(inflater.unused_data)
                member.done = True
            else:
                self._pos += len(data) - len(inflater.unconsumed_tail)
            if out:
                return out
        return b""

    def _damaged(self, member: Member, reason: str) -> NoReturn:
        member.done = True
        raise MemberDamaged(member.offset, self._resync(member.offset), reason)

    def _resync(self, start: int) -> int:
        """Moves to the first member after byte ``start`` that inflates cleanly for
        ``_PROBE_BYTES``; returns its offset, or the end of the file when there is none."""
        self._pos = max(start + 1 - self._base, 0)
        while True:
            found = self._raw.find(_MAGIC, self._pos)
            if found < 0:
                self._pos = max(self._pos, len(self._raw) - len(_MAGIC) + 1)
                if not self._fill(keep_from=self._base + self._pos):
                    self._pos = len(self._raw)
                    return self._base + self._pos
                continue
            self._pos = found
            while (len(self._raw) - self._pos < _PROBE_BYTES
                   and self._fill(keep_from=self._base + self._pos)):
                pass
            if _inflates(bytes(self._raw[self._pos:self._pos + _PROBE_BYTES])):
                return self._base + self._pos
            self._pos += 1

    def _fill(self, keep_from: int | None = None) -> bool:
        """Reads more of the stream; False at its end. Bytes before ``keep_from`` (a file
        offset; default: the member's start, at most ``_WINDOW`` behind the read position) may
        be let go, those not yet read never."""
        chunk = self._stream.read(_CHUNK)
        if not chunk:
            return False
        if keep_from is None:
            keep_from = max(self._start, self._base + self._pos - _WINDOW)
        drop = min(max(keep_from - self._base, 0), self._pos)
        if drop >= _CHUNK:
            del self._raw[:drop]
            self._base += drop
            self._pos -= drop
        self._raw += chunk
        return True


def _salvage(inflater: zlib._Decompress, data: bytes, size: int) -> bytes:
    """What ``inflater`` makes of ``data`` (at most ``size`` bytes) before the error in it; fed
    a byte at a time, as zlib returns nothing from a call that fails."""
    out = bytearray()
    for at in range(len(data)):
        try:
            out += inflater.decompress(data[at:at + 1], size - len(out))
        except zlib.error:
            break
        if len(out) == size:
            break
    return bytes(out)


def _inflates(data: bytes) -> bool:
    """Whether ``data`` starts a gzip member: it inflates without error, to its end or to
    some output."""
    inflater = zlib.decompressobj(_GZIP_WBITS)
    try:
        out = inflater.decompress(data, _INFLATE_BYTES)
    except zlib.error:
        return False
    return inflater.eof or bool(out)
