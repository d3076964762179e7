"""WARC input: written with warcio, several response records, damage of each kind."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from classifier.io.pages import ReadStats
from classifier.io.readers import read_pages
from tests.clirun import STORY, assert_scored, score_records

STORIES = [f"Story {i}. {STORY}" for i in range(5)]
#: The sixth record: a page long enough that a cut late in its gzip member leaves its headers.
LONG_PAGE = "".join(f"<p>Part {i}. {STORY}</p>" for i in range(40))


def _record_id(number: int) -> str:
    return f"urn:uuid:00000000-0000-4000-8000-{number:012d}"


def _record(writer: WARCWriter, url: str, body: bytes, content_type: str = "text/html",
            status: str = "200 OK", record_type: str = "response"):
    http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    return writer.create_warc_record(url, record_type, payload=io.BytesIO(body),
                                     http_headers=http)


def write_warc(path: Path, gzip: bool = True) -> list[int]:
    """A small crawl: five HTML responses, an image, a redirect, a request record; returns
    the offset of every record and the end of the file. The same bytes on every call."""
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
                 f"{STORIES[2]}</p>{LONG_PAGE}</body></html>").encode("latin-1")),
        _record(writer, "https://news.example.com/3",
                f"<html><body><p>{STORIES[3]}</p></body></html>".encode()),
        _record(writer, "https://news.example.com/4.txt", STORIES[4].encode(), "text/plain"),
    ]
    offsets = []
    for number, record in enumerate(records):
        record.rec_headers.replace_header("WARC-Record-ID", f"<{_record_id(number)}>")
        record.rec_headers.replace_header("WARC-Date", "2026-01-01T00:00:00Z")
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


def _cut_sixth_member(tmp_path: Path, keep: float) -> tuple[Path, int, int]:
    """The archive with the sixth record's gzip member cut to its first ``keep`` share; returns
    the file, where that member starts and where the next one now starts."""
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole)
    start, end = offsets[5], offsets[6]
    kept = start + int((end - start) * keep)
    cut = tmp_path / "cut.warc.gz"
    data = whole.read_bytes()
    cut.write_bytes(data[:kept] + data[end:])
    return cut, start, kept


def _assert_all_but_sixth_scored(records: list[dict]) -> dict:
    """The five pages but the damaged one (the third page) came through; returns that one."""
    assert [r["url"] for r in records[:2] + records[3:]] == [
        "https://news.example.com/0", "https://news.example.com/1",
        "https://news.example.com/3", "https://news.example.com/4.txt"]
    for record in records[:2] + records[3:]:
        assert_scored(record)
    return records[2]


def test_gzip_member_cut_short_mid_archive_costs_one_record(tmp_path):
    # Read as one gzip stream, the cut member's deflate data runs on into the next members;
    # read member by member, only the cut record is lost.
    cut, start, kept = _cut_sixth_member(tmp_path, 0.5)
    code, records = score_records(str(cut))
    assert code == 1 and len(records) == 5
    damaged = _assert_all_but_sixth_scored(records)
    # Half the member may not hold all the record's headers: then it is named by offset.
    assert damaged["id"] in (_record_id(5), f"{cut}:{start}")
    assert damaged["error"].startswith("damaged gzip member in WARC: ")
    assert damaged["error"].endswith(f"; bytes {start}-{kept} skipped")
    assert damaged["paragraphs"] == []


def test_damaged_member_keeps_the_id_and_url_of_its_record(tmp_path):
    cut, start, kept = _cut_sixth_member(tmp_path, 0.8)
    code, records = score_records(str(cut))
    assert code == 1 and len(records) == 5
    damaged = _assert_all_but_sixth_scored(records)
    assert damaged["id"] == _record_id(5) and damaged["url"] == "https://news.example.com/2"
    assert damaged["error"].endswith(f"; bytes {start}-{kept} skipped")


def _splice_before_seventh(tmp_path: Path, inserted: bytes) -> tuple[Path, int, list[dict]]:
    """The gzipped archive with ``inserted`` before its seventh record, scored: returns the
    file, where ``inserted`` starts, and the records, all but the fourth (``inserted``'s)
    checked to have come through whole."""
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole)
    data = whole.read_bytes()
    at = offsets[6]
    spliced = tmp_path / "spliced.warc.gz"
    spliced.write_bytes(data[:at] + inserted + data[at:])
    code, records = score_records(str(spliced))
    assert code == 1 and len(records) == 6
    for record in records[:3] + records[4:]:
        assert_scored(record)
    return spliced, at, records


def test_junk_between_members_is_skipped_past_a_false_gzip_magic(tmp_path):
    # Junk holding the gzip magic, followed by bytes that are not deflate data.
    junk = b"junk" + b"\x1f\x8b\x08\x00" + random.Random(0).randbytes(600)
    spliced, at, records = _splice_before_seventh(tmp_path, junk)
    assert records[3]["id"] == f"{spliced}:{at}"
    assert records[3]["error"] == ("damaged gzip member in WARC: incorrect header check; "
                                   f"bytes {at}-{at + len(junk)} skipped")
    assert records[4]["url"] == "https://news.example.com/3"


def test_one_gzip_stream_for_the_whole_archive(tmp_path):
    # Not the usual member per record, but valid gzip: every record is read.
    plain = tmp_path / "crawl.warc"
    write_warc(plain, gzip=False)
    whole = tmp_path / "crawl.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    code, records = score_records(str(whole))
    assert code == 0 and len(records) == 5
    for record in records:
        assert_scored(record)


def test_last_gzip_member_cut_short(tmp_path):
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
    assert records[4]["error"] == ("damaged gzip member in WARC: the file ends inside it; "
                                   f"bytes {offsets[-2]}-{offsets[-2] + 40} skipped")


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



def test_a_member_that_holds_no_record(tmp_path):
    spliced, at, records = _splice_before_seventh(
        tmp_path, gzip.compress(b"not a record\r\n\r\n"))
    assert records[3]["id"] == f"{spliced}:{at}"
    assert records[3]["error"].startswith(f"unreadable WARC record at byte {at}: ArchiveLoadFailed")


def test_garbage_in_an_uncompressed_archive_stops_it_after_the_records_before(tmp_path):
    whole = tmp_path / "whole.warc"
    offsets = write_warc(whole, gzip=False)
    data = whole.read_bytes()
    spliced = tmp_path / "spliced.warc"
    spliced.write_bytes(data[:offsets[6]] + b"garbage\r\n\r\n" + data[offsets[6]:])
    code, records = score_records(str(spliced))
    assert code == 1 and len(records) == 4
    for record in records[:3]:
        assert_scored(record)
    assert records[3]["id"] == f"{spliced}:{offsets[6]}"
    assert records[3]["error"].startswith(f"unreadable WARC data from byte {offsets[6]} on: ")


WET_NOTE = ("Fusion Media would like to remind you that the data contained in this website is "
            "not necessarily real-time nor accurate.")


def write_wet(path: Path) -> None:
    """A Common Crawl WET file as Common Crawl writes one: a warcinfo record, then one
    ``conversion`` record of extracted text (a line per block) per page."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(writer.create_warcinfo_record("crawl.warc.wet.gz",
                                                      {"software": "test"}))
    for i, story in enumerate(STORIES[:3]):
        text = f"Markets | World | Sport\n{story}\n{WET_NOTE}\n"
        record = writer.create_warc_record(f"https://www.investing.example.com/news/{i}",
                                           "conversion", payload=io.BytesIO(text.encode()),
                                           warc_content_type="text/plain")
        record.rec_headers.replace_header("WARC-Record-ID", f"<{_record_id(i)}>")
        writer.write_record(record)
    path.write_bytes(buffer.getvalue())


def test_wet_conversion_records_are_text_pages(tmp_path):
    path = tmp_path / "crawl.warc.wet.gz"
    write_wet(path)
    stats = ReadStats()
    pages = list(read_pages([str(path)], stats=stats))
    assert [p.kind.value for p in pages] == ["text"] * 3 and not stats.skipped
    assert {p.site for p in pages} == {"example.com"}
    code, records = score_records(str(path))
    assert code == 0
    assert [r["id"] for r in records] == [_record_id(i) for i in range(3)]
    for record, story in zip(records, STORIES[:3], strict=True):
        assert_scored(record)
        assert [p["text"] for p in record["paragraphs"]] == [
            "Markets | World | Sport", story, WET_NOTE]
        labels = [p["label"] for p in record["paragraphs"]]
        assert labels[1] == "content" and labels[2] != "content"


def test_warcio_warnings_do_not_leak_to_stderr(tmp_path, capfd):
    # A record whose Content-Length is too short: warcio finds no blank line after it and
    # would print a warning quoting the bytes it found instead.
    path = tmp_path / "bad-length.warc"
    write_warc(path, gzip=False)
    data = path.read_bytes()
    length = data.index(b"Content-Length: ") + len(b"Content-Length: ")
    end = data.index(b"\r\n", length)
    path.write_bytes(data[:length] + str(int(data[length:end]) - 40).encode() + data[end:])
    pages = list(read_pages([str(path)]))
    assert len(pages) >= 4  # warcio reads on past the damage
    assert capfd.readouterr().err == ""
