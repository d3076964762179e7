"""Reading inputs: folders, globs, stdin, gzip, type detection, JSON-lines field names."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from classifier.document import InputKind
from classifier.io.pages import InputFormat, ReadOptions, sniff
from classifier.io.readers import read_pages
from tests.clirun import STORY, assert_scored, score_records

HTML = f"<html><body><article><p>{STORY}</p></article></body></html>"


def test_folders_are_walked_recursively_in_order_with_a_glob(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    for name in ("a.html", "b/c.html", "b/deep/d.html", "b/notes.txt"):
        (tmp_path / name).write_text(HTML)
    code, records = score_records("--glob", "*.html", str(tmp_path))
    assert code == 0
    assert [Path(r["id"]).relative_to(tmp_path).as_posix() for r in records] == [
        "a.html", "b/c.html", "b/deep/d.html"]


def test_type_by_name_then_content_and_an_explicit_type_wins(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(HTML)
    odd = tmp_path / "page.data"
    odd.write_text(HTML)
    by_name, by_content = read_pages([str(page), str(odd)])
    assert by_name.kind is InputKind.TEXT and by_content.kind is InputKind.HTML
    (forced,) = read_pages([str(page)], ReadOptions(input_format=InputFormat.HTML))
    assert forced.kind is InputKind.HTML


def test_sniff():
    assert sniff(b"WARC/1.0\r\n") is InputFormat.WARC
    assert sniff(b'\xef\xbb\xbf{"id": 1}') is InputFormat.JSONL
    assert sniff(b"<!DOCTYPE html><html>") is InputFormat.HTML
    assert sniff(b"Just words.\n\nMore words.") is InputFormat.TEXT


def test_gzip_is_read_transparently_by_name_or_by_content(tmp_path):
    named = tmp_path / "page.html.gz"
    named.write_bytes(gzip.compress(HTML.encode()))
    unnamed = tmp_path / "pages"
    unnamed.write_bytes(gzip.compress(json.dumps({"id": "x", "html": HTML}).encode() + b"\n"))
    first, second = read_pages([str(named), str(unnamed)])
    assert first.kind is InputKind.HTML and first.raw == HTML
    assert second.id == "x" and second.raw == HTML


def test_stdin_text_and_jsonl():
    code, records = score_records("-", input=STORY)
    assert code == 0 and records[0]["id"] == "-"
    line = json.dumps({"id": "s1", "text": STORY})
    code, records = score_records("--input-type", "jsonl", "-", input=line)
    assert code == 0 and records[0]["id"] == "s1"


def test_json_field_names_are_configurable_and_other_fields_pass_through(tmp_path):
    path = tmp_path / "scraped.jsonl"
    rows = [{"doc": "d1", "link": "https://example.com/1", "body_html": HTML, "lang": "en"},
            {"doc": "d2", "link": "https://example.com/2", "body": STORY, "crawl": {"n": 2}}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, records = score_records("--id-field", "doc", "--url-field", "link", "--html-field",
                                  "body_html", "--text-field", "body", str(path))
    assert code == 0
    assert [(r["id"], r["url"]) for r in records] == [("d1", "https://example.com/1"),
                                                      ("d2", "https://example.com/2")]
    assert records[0]["lang"] == "en" and records[1]["crawl"] == {"n": 2}
    assert "body_html" not in records[0] and "body" not in records[1]
    page = next(read_pages([str(path)], ReadOptions(id_field="doc", url_field="link",
                                                    html_field="body_html")))
    assert page.kind is InputKind.HTML and page.site == "example.com"


def test_zstd_bzip2_and_xz_inputs_are_read(tmp_path):
    import bz2
    import lzma

    import zstandard

    lines = "".join(json.dumps({"id": f"p{i}", "url": f"https://a.example.com/{i}",
                                "text": f"{i}. {STORY}"}) + "\n" for i in range(3)).encode()
    compressors = {"jsonl.zst": zstandard.ZstdCompressor().compress,
                   "jsonl.bz2": bz2.compress, "jsonl.xz": lzma.compress}
    for suffix, compress in compressors.items():
        (tmp_path / f"pages.{suffix}").write_bytes(compress(lines))
    # Named or not: the magic number tells the compression, the content the format.
    (tmp_path / "pages.data").write_bytes(zstandard.ZstdCompressor().compress(lines))
    (tmp_path / "page.html.zst").write_bytes(zstandard.ZstdCompressor().compress(HTML.encode()))
    code, records = score_records(str(tmp_path))
    assert code == 0
    assert [r["id"] for r in records] == [str(tmp_path / "page.html.zst")] + [
        f"p{i}" for i in range(3)] * 4
    for record in records:
        assert_scored(record)
    zst = (tmp_path / "pages.jsonl.zst").read_bytes()
    (tmp_path / "cut.jsonl.zst").write_bytes(zst[:len(zst) // 2] + b"\x00" * 8 + zst[-8:])
    (tmp_path / "cut.jsonl.bz2").write_bytes(bz2.compress(lines)[:-20])
    *_, zst_error = read_pages([str(tmp_path / "cut.jsonl.zst")])
    *_, bz2_error = read_pages([str(tmp_path / "cut.jsonl.bz2")])
    assert "zstandard" in zst_error.error and "cannot read" in zst_error.error
    assert "EOFError" in bz2_error.error


def test_dotted_field_paths_reach_nested_fields(tmp_path):
    """A datatrove / FineWeb record: text at the top, url and id in ``metadata``."""
    path = tmp_path / "fineweb.jsonl"
    row = {"text": STORY, "id": "doc-1",
           "metadata": {"url": "https://news.example.com/1", "dump": "CC-MAIN-2024-10"}}
    path.write_text(json.dumps(row) + "\n")
    (page,) = read_pages([str(path)], ReadOptions(url_field="metadata.url"))
    assert page.url == "https://news.example.com/1" and page.site == "example.com"
    assert page.extra == {"id": "doc-1", "metadata": row["metadata"]}
    code, records = score_records("--url-field", "metadata.url", "--id-field", "id", str(path))
    assert code == 0 and records[0]["url"] == "https://news.example.com/1"
    # A top-level field named with a dot wins over the path.
    (page,) = read_pages([str(path)], ReadOptions(url_field="metadata.dump"))
    assert page.url == "CC-MAIN-2024-10"


def test_parquet_input_fineweb_style(tmp_path):
    """A FineWeb-style Parquet file (text, id, url, dump, date columns), read a row per page,
    the other columns passed through; a damaged file is one error record."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 600  # more than one batch of rows
    table = pa.table({
        "text": [f"Story {i}. {STORY}" for i in range(rows)],
        "id": [f"<urn:uuid:{i}>" for i in range(rows)],
        "dump": ["CC-MAIN-2024-10"] * rows,
        "url": [f"https://news.example.com/{i}" for i in range(rows)],
        "date": [datetime.datetime(2024, 3, 1, 12, 0)] * rows,
    })
    path = tmp_path / "000_00000.parquet"
    pq.write_table(table, path, row_group_size=200)
    pages = list(read_pages([str(path)]))
    assert [p.id for p in pages] == table.column("id").to_pylist()
    assert pages[7].url == "https://news.example.com/7" and pages[7].site == "example.com"
    assert pages[7].raw == f"Story 7. {STORY}" and pages[7].extra["dump"] == "CC-MAIN-2024-10"
    pq.write_table(table.slice(0, 2), tmp_path / "first.parquet")
    code, out = score_records(str(tmp_path / "first.parquet"))
    assert code == 0 and [r["id"] for r in out] == ["<urn:uuid:0>", "<urn:uuid:1>"]
    assert out[0]["date"] == "2024-03-01 12:00:00" and out[0]["dump"] == "CC-MAIN-2024-10"
    assert_scored(out[0])
    # From stdin too, told by its first bytes.
    code, out = score_records("-", input=(tmp_path / "first.parquet").read_bytes())
    assert code == 0 and len(out) == 2
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    (page,) = read_pages([str(damaged)])
    assert page.error.startswith(f"cannot read {damaged} after row 0: ")
