"""WARC input: written with warcio, several response records, damage of each kind."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from classifier.io.readers import ReadStats, read_pages
from tests.clirun import STORY, assert_scored, score_records

STORIES = [f"Story {i}. {STORY}" for i in range(5)]


def _record(writer: WARCWriter, url: str, body: bytes, content_type: str = "text/html",
            status: str = "200 OK", record_type: str = "response"):
    http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(url, record_type, payload=io.BytesIO(body),
                                     http_headers=http)


def write_warc(path: Path, gzip: bool = True) -> list[int]:
    """A small crawl: five HTML responses, an image, a redirect, a request record; returns
    the offset of every record and the end of the file."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    records = [
        _record(writer, "https://news.example.com/0",
                f"<html><body><p>{STORIES[0]}</p></body></html>".encode(),
                "text/html; charset=utf-8"),
        _record(writer, "https://news.example.com/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00",
                "image/png"),
        # The HTTP header's charset wins over the byte sniffing; the page says nothing.
        _record(writer, "https://news.example.com/1",
                f"<html><body><p>Café: {STORIES[1]}</p></body></html>".encode("cp1252"),
                "text/html; charset=windows-1252"),
        _record(writer, "https://news.example.com/old", b"", "text/html",
                status="301 Moved Permanently"),
        writer.create_warc_record("https://news.example.com/2", "request",
                                  payload=io.BytesIO(b"GET /2 HTTP/1.1\r\n\r\n")),
        # No HTTP charset: the page's own meta declaration is read.
        _record(writer, "https://news.example.com/2",
                ('<html><head><meta charset="iso-8859-1"></head><body><p>Crème: '
                 f"{STORIES[2]}</p></body></html>").encode("latin-1")),
        _record(writer, "https://news.example.com/3",
                f"<html><body><p>{STORIES[3]}</p></body></html>".encode()),
        _record(writer, "https://news.example.com/4.txt", STORIES[4].encode(), "text/plain"),
    ]
    offsets = []
    for record in records:
        offsets.append(buffer.tell())
        writer.write_record(record)
    offsets.append(buffer.tell())
    path.write_bytes(buffer.getvalue())
    return offsets


def test_warc_pages_ids_urls_and_charsets(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    code, records = score_records(str(path))
    assert code == 0
    assert [r["url"] for r in records] == [f"https://news.example.com/{i}" for i in range(4)] + [
        "https://news.example.com/4.txt"]
    for record, story in zip(records, STORIES, strict=True):
        assert_scored(record)
        assert record["id"].startswith("urn:uuid:")
        assert story in " ".join(p["text"] for p in record["paragraphs"])
    assert records[1]["paragraphs"][0]["text"].startswith("Café: ")
    assert records[2]["paragraphs"][0]["text"].startswith("Crème: ")


def test_records_that_are_not_pages_are_skipped_and_counted(tmp_path):
    path = tmp_path / "crawl.warc"
    write_warc(path, gzip=False)
    stats = ReadStats()
    pages = list(read_pages([str(path)], stats=stats))
    assert len(pages) == 5 and all(page.error is None for page in pages)
    assert stats.skipped == {"WARC image/png": 1, "WARC HTTP 301": 1}


def test_gzip_member_cut_short_mid_archive(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole)
    data = whole.read_bytes()
    # The sixth record (the page with the meta charset) loses the second half of its member.
    start, end = offsets[5], offsets[6]
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: start + (end - start) // 2] + data[end:])
    code, records = score_records(str(cut))
    assert code == 1
    *intact, damaged = records
    assert [r["url"] for r in intact] == ["https://news.example.com/0", "https://news.example.com/1"]
    for record in intact:
        assert_scored(record)
    assert damaged["id"] == f"{cut}:{start}"
    assert "unreadable WARC data" in damaged["error"] and damaged["paragraphs"] == []


def test_last_gzip_member_cut_short(tmp_path):
    # warcio itself ends quietly here; the bytes it could not read are reported.
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: offsets[-2] + 40])
    code, records = score_records(str(cut))
    assert code == 1
    assert len(records) == 5
    for record in records[:4]:
        assert_scored(record)
    assert records[4]["id"] == f"{cut}:{offsets[-2]}"
    assert "WARC cut short" in records[4]["error"]


def test_uncompressed_record_cut_short_keeps_its_id(tmp_path):
    whole = tmp_path / "whole.warc"
    offsets = write_warc(whole, gzip=False)
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[: offsets[-1] - 30])
    code, records = score_records(str(cut))
    assert code == 1
    assert len(records) == 5
    for record in records[:4]:
        assert_scored(record)
    assert records[4]["id"].startswith("urn:uuid:")
    assert records[4]["url"] == "https://news.example.com/4.txt"
    assert "WARC record cut short" in records[4]["error"]


def test_warc_from_stdin_detected_by_content(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    code, records = score_records("-", input=path.read_bytes())
    assert code == 0 and len(records) == 5

