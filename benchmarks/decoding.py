"""How well page bytes are decoded: ours (``io.decode``) against w3lib's own decoder and the
chain we had before, on pages in legacy charsets.

    python benchmarks/decoding.py [--datasets DIR]

Pages: the articles of ``data/synthetic/articles.json`` (28 languages) as HTML pages encoded in
the legacy charsets of their scripts, each declared in a meta tag under the labels the web uses
(``x-sjis``, ``windows-874``, ``gb2312``, ``ks_c_5601-1987``...); the same pages cut short in the
middle of a character, with one stray byte, and declaring a charset they are not in; and the
corpora's pages whose recorded encoding is not UTF-8 (cleaneval, dragnet), encoded back into it,
their own declarations as they are. A page counts as decoded when the text comes back exactly
(for a cut page: up to the cut; for a stray byte: what lies a third of the page before and after
it). Printed per case: the share of pages each decoder gets right (a decoder that raises gets
the page wrong: w3lib raises on ``charset=undefined``).

Decoders: ``ours``; ``w3lib`` (``html_to_unicode``: BOM, HTTP header, meta, else UTF-8);
``before`` (BOM, strict UTF-8, a declared label through Python's codec aliases decoded strictly,
else windows-1252: the chain this package had until issue 15).
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path

from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from classifier.io.decode import decode

ROOT = Path(__file__).resolve().parents[1]
#: Per language, (label as declared, codec the page is written in).
CHARSETS = {
    "ja": [("shift_jis", "cp932"), ("x-sjis", "cp932"), ("euc-jp", "euc_jp"),
           ("iso-2022-jp", "iso2022_jp")],
    "zh": [("gb2312", "gb18030"), ("gbk", "gb18030"), ("big5", "big5hkscs")],
    "ko": [("euc-kr", "cp949"), ("ks_c_5601-1987", "cp949")],
    "th": [("windows-874", "cp874"), ("tis-620", "cp874"), ("iso-8859-11", "cp874")],
    "ru": [("windows-1251", "cp1251"), ("koi8-r", "koi8_r")],
    "uk": [("windows-1251", "cp1251"), ("koi8-u", "koi8_u")],
    "el": [("windows-1253", "cp1253"), ("iso-8859-7", "iso8859_7")],
    "he": [("windows-1255", "cp1255")],
    "ar": [("windows-1256", "cp1256")],
    "tr": [("windows-1254", "cp1254"), ("iso-8859-9", "cp1254")],
    "pl": [("iso-8859-2", "iso8859_2"), ("windows-1250", "cp1250")],
    "cs": [("iso-8859-2", "iso8859_2"), ("windows-1250", "cp1250")],
    "hu": [("iso-8859-2", "iso8859_2")],
    "vi": [("windows-1258", "cp1258")],
    **{language: [("iso-8859-1", "cp1252"), ("latin1", "cp1252"), ("windows-1252", "cp1252")]
       for language in ("de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "id")},
}


def before(data: bytes) -> str:
    """The chain this package had: BOM, strict UTF-8, a declared label (Python's aliases,
    latin-1 as windows-1252) decoded strictly, else windows-1252."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    label = html_body_declared_encoding(data[:4096])  # the meta tag, as before read by regex
    try:
        if label and codecs.lookup(label).name != "utf-8":
            return data.decode(label)
    except (LookupError, UnicodeError):
        pass
    return data.decode("cp1252", "replace")


DECODERS: dict[str, Callable[[bytes], str]] = {
    "ours": decode,
    "w3lib": lambda data: html_to_unicode(None, data)[1],
    "before": before,
}


def page(label: str, text: str) -> str:
    return (f'<html><head><meta charset="{label}"><title>t</title></head><body><p>{text}</p>'
            "</body></html>")


def cases(datasets: Path | None) -> dict[str, list[tuple[bytes, str, str]]]:
    """Per case, (bytes, expected text, how it must match: whole, prefix or one-off)."""
    articles = json.loads((ROOT / "data" / "synthetic" / "articles.json").read_text("utf-8"))
    found: dict[str, list[tuple[bytes, str, str]]] = {
        "declared correctly": [], "cut mid-character": [], "one stray byte": [],
        "declared wrongly (a windows-1252 page)": []}
    for article in articles:
        text = " ".join(article["paragraphs"])
        for label, codec in CHARSETS.get(article["language"], []):
            html = page(label, text)
            try:
                data = html.encode(codec)
            except UnicodeEncodeError:
                continue
            found["declared correctly"].append((data, html, "whole"))
            body = data[:len(data) - len("</p></body></html>")]
            cut = body[:-1] if body[-1] >= 0x80 else body[:-2]
            found["cut mid-character"].append((cut, html[:len(html) // 2], "prefix"))
            middle = len(data) // 2
            found["one stray byte"].append((data[:middle] + b"\xff" + data[middle:], html,
                                            "one-off"))
    for language in ("de", "fr", "es", "pt"):
        for article in (a for a in articles if a["language"] == language):
            text = " ".join(article["paragraphs"])
            for label in ("shift_jis", "utf-16", "euc-kr", "undefined"):
                html = page(label, text)
                found["declared wrongly (a windows-1252 page)"].append(
                    (html.encode("cp1252"), html, "whole"))
    if datasets is not None:
        found["corpus pages in their legacy encodings"] = list(_corpus(datasets))
    return found


def _corpus(datasets: Path):
    for name in ("cleaneval", "dragnet"):
        with gzip.open(datasets / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if "+" in record["encoding"] or record["encoding"] == "utf-8":
                    continue
                try:
                    yield record["html"].encode(record["encoding"]), record["html"], "whole"
                except UnicodeEncodeError:
                    continue


def right(decoder: Callable[[bytes], str], data: bytes, expected: str, how: str) -> bool:
    """Whether ``decoder`` gets ``data`` right (a decoder that raises does not)."""
    try:
        decoded = decoder(data)
    except (UnicodeError, LookupError):
        return False
    if how == "whole":
        return decoded == expected
    if how == "prefix":
        return decoded.startswith(expected)
    third = len(expected) // 3  # one stray byte: what lies before and after it comes through
    return decoded.startswith(expected[:third]) and decoded.endswith(expected[-third:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("BOILERPLATE_DATASETS", ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--datasets", type=Path, default=default)
    args = parser.parse_args()
    datasets = args.datasets if (args.datasets / "cleaneval.jsonl.gz").exists() else None
    print(f"{'case':42s} {'pages':>5s} " + " ".join(f"{name:>7s}" for name in DECODERS))
    for case, pages in cases(datasets).items():
        shares = [sum(right(decoder, data, expected, how) for data, expected, how in pages)
                  / max(len(pages), 1) for decoder in DECODERS.values()]
        print(f"{case:42s} {len(pages):5d} " + " ".join(f"{share:7.3f}" for share in shares))
    if datasets is None:
        print(f"(corpus pages skipped: no datasets at {args.datasets})")


if __name__ == "__main__":
    main()
