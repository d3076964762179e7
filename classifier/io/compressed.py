"""bzip2, xz and zstandard streams, decompressed as they are read (gzip is read where it is
met: WARC archives are read gzip member by member).

A compressed input is told by its first bytes, not its name; a stream cut short or corrupt
raises ``EOFError`` or ``OSError`` as it is read, which the readers turn into an error record.
"""

from __future__ import annotations

import bz2
import io
import lzma
from typing import IO, Any

#: Magic numbers of the compressions read here (gzip's is ``pages.GZIP_MAGIC``).
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: Bytes read from an input at a time.
READ_BUFFER = 256 * 1024
#: Compressed bytes decompressed at a time from a zstandard stream, whose decompressor has no
#: bound on its output: small, so that a highly compressed stream inflates by a few MB at a
#: time at worst, not by gigabytes.
ZSTD_INPUT_CHUNK = 2048


class _Zstd(io.RawIOBase):
    """A zstandard stream (one frame after another) decompressed, its errors raised as
    ``OSError`` and a stream cut short mid-frame as ``EOFError``, as the other decompressors
    do (zstandard's own stream reader ends silently there). zstandard is imported only for a
    zstandard input."""

    def __init__(self, source: IO[bytes]) -> None:
        import zstandard

        self.zstandard = zstandard
        self.source = source
        self.frame: Any = None  # the decompressor of the frame being read
        self.unused = b""  # input read past the end of the last frame
        self.pending = b""  # output not yet given out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            chunk = self.unused or self.source.read(ZSTD_INPUT_CHUNK)
            self.unused = b""
            if not chunk:
                if self.frame is not None and not self.frame.eof:
                    raise EOFError("zstandard stream ended before the end of its last frame")
                return 0
            if self.frame is None or self.frame.eof:
                self.frame = self.zstandard.ZstdDecompressor().decompressobj()
            try:
                self.pending = self.frame.decompress(chunk)
            except self.zstandard.ZstdError as error:
                raise OSError(f"zstandard: {error}") from None
            if self.frame.eof:
                self.unused = self.frame.unused_data
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def decompressed(raw: io.BufferedReader) -> io.BufferedReader | None:
    """``raw`` decompressed when it starts with the magic number of bzip2, xz or zstandard."""
    head = raw.peek(len(XZ_MAGIC))
    if head.startswith(BZIP2_MAGIC):
        return io.BufferedReader(bz2.BZ2File(raw), READ_BUFFER)  # type: ignore[arg-type]
    if head.startswith(XZ_MAGIC):
        return io.BufferedReader(lzma.LZMAFile(raw), READ_BUFFER)  # type: ignore[arg-type]
    if head.startswith(ZSTD_MAGIC):
        return io.BufferedReader(_Zstd(raw), READ_BUFFER)
    return None
