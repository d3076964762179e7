"""Bytes to text the way browsers do it: BOM, valid UTF-8, the declared charset, else cp1252."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
#: Labels browsers read as windows-1252.
_LATIN1_ALIASES = frozenset({"latin1", "latin-1", "iso-8859-1", "iso8859-1", "us-ascii", "ascii"})


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a meta tag or XML declaration (first 4 KB), if any."""
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "replace").lower() if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _LATIN1_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(data: bytes, charset: str | None = None) -> str:
    """Decode page bytes: BOM, strict UTF-8, ``charset`` (e.g. from HTTP headers), the page's own
    declaration, else windows-1252 (undefined bytes become U+FFFD). Never raises."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for label in (charset, declared_charset(data)):
        declared = _codec(label)
        if declared and declared != "utf-8":
            try:
                return data.decode(declared)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("cp1252", "replace")
