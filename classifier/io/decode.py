"""Bytes to text the way browsers do it: BOM, valid UTF-8, the declared charset, else cp1252.

The one decoding path of every page read from bytes (files, WARC payloads). It cannot raise:
whatever a page or its HTTP header declares, the answer is text. Charset labels are resolved
by w3lib (Scrapy's maintained encoding helpers: WHATWG aliases such as ``x-sjis`` -> cp932,
``windows-874`` -> cp874, ``latin1`` -> cp1252, ``gb2312`` -> gb18030), and a label is used only
when it names a codec that reads ASCII as ASCII, as every encoding a browser accepts for a page
does. So ``undefined``, ``base64``, ``zlib`` and the like (Python codecs that cannot decode a
page), UTF-7 (which can smuggle markup through ASCII bytes) and UTF-16/32 declared in a page of
8-bit bytes (browsers ignore such a meta tag; a UTF-16/32 page carries a BOM) fall through to
the next guess instead of failing the page.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterator

from w3lib.encoding import (
    html_body_declared_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

#: Every printable ASCII character and the line ends, and two backslash escapes: a codec fit
#: for a web page decodes these bytes, strictly, to the same characters. UTF-7 ("+"), UTF-16
#: and UTF-32 (pairs and quads of bytes), EBCDIC, the escape codecs ("\\x", "\\u") and "undefined"
#: do not.
_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\r\n\\xZZ\\uZZZZ"
#: Bytes from the end of a page within which an invalid UTF-8 sequence is a character cut in
#: two by a truncated download, not a sign of another charset.
_UTF8_TAIL = 3
#: Bytes a declared charset may fail to decode (U+FFFD each), besides one per fifty non-ASCII
#: characters it decodes, and still be the page's charset: a page cut inside a character, a
#: stray byte. More, and the declaration is wrong: windows-1252 bytes read as Shift_JIS give a
#: few odd characters and many failures (``benchmarks/decoding.py`` measures both kinds).
_STRAY_BYTES = 2


@functools.lru_cache(maxsize=256)
def page_codec(label: str | None) -> str | None:
    """The Python codec a charset label stands for when a web page may be read with it, else
    ``None``: unknown labels and codecs that do not read ASCII as ASCII (see the module
    docstring). A pure function of the label, cached."""
    if not label:
        return None
    try:
        name = resolve_encoding(label.strip())
        if name is None or _ASCII_PROBE.decode(name) != _ASCII_PROBE.decode("ascii"):
            return None
        name = codecs.lookup(name).name
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None
    return name


def _utf8(data: bytes) -> str | None:
    """``data`` as UTF-8, or ``None`` when it is not UTF-8. A character cut short at the very
    end, as a truncated download leaves it, is replaced by U+FFFD rather than disqualifying a
    page whose other bytes are UTF-8 with some non-ASCII character among them."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if (error.start >= len(data) - _UTF8_TAIL and error.reason == "unexpected end of data"
                and not data[:error.start].isascii()):
            return data.decode("utf-8", "replace")
        return None


def _labels(data: bytes, charset: str | None) -> Iterator[str | None]:
    """The charset labels to try in turn: the HTTP header's, then the page's own declaration
    (w3lib: a meta charset or http-equiv content-type in the first 4 KB outside comments, or
    an XML declaration), read only when the first did not do."""
    yield charset
    yield html_body_declared_encoding(data)


def decode(data: bytes, charset: str | None = None) -> str:
    """Decode page bytes: a BOM, else valid UTF-8, else ``charset`` (e.g. from the HTTP
    header), else the page's own declaration, else windows-1252. A declared charset that fails
    on a few bytes (a page cut inside a character, a stray byte) still decodes the page, with
    U+FFFD for those bytes; one that fails on many is a wrong declaration, passed over. ASCII
    holding escape sequences is read in its declared charset first (ISO-2022-JP is 7-bit: valid
    UTF-8, yet not text in it). Never raises."""
    codec, bom = read_bom(data)
    if codec is not None and bom is not None:
        return to_unicode(data[len(bom):], codec)
    text = _utf8(data)
    if text is not None and not (b"\x1b" in data and data.isascii()):
        return text
    damaged = None  # the first declared codec, for a page with a few bytes it does not define
    for label in _labels(data, charset):
        codec = page_codec(label)
        if codec is None or codec == "utf-8":  # not UTF-8: tried above
            continue
        try:
            return data.decode(codec)
        except (LookupError, UnicodeError, ValueError, TypeError):
            damaged = damaged or codec
    if damaged is not None:
        # A page cut inside a character, or with a stray byte, is still in its charset; a page
        # the declaration does not fit (windows-1252 bytes declared Shift_JIS) has many bytes
        # it does not define, and is read as windows-1252 instead.
        try:
            decoded = to_unicode(data, damaged)
            if decoded.count("\ufffd") <= max(_STRAY_BYTES, _non_ascii(decoded) // 50):
                return decoded
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass
    return text if text is not None else data.decode("cp1252", "replace")


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))
