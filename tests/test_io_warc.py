"""WARC input: written with warcio, several response records, damage of each kind."""

from __future__ import annotations

import gzip
import gzip as gzip_module
import io
import random
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from classifier.io.pages import ReadOptions, ReadStats
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
    assert stats.skipped == {"WARC image/png": 1, "WARC HTTP 301": 1, "WARC request record": 1}


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
    assert records[3]["error"] == (f"unreadable WARC data: bytes 0-16 of the gzip member at byte "
                                   f"{at} are not a WARC record")


def test_garbage_in_an_uncompressed_archive_costs_only_its_bytes(tmp_path):
    whole = tmp_path / "whole.warc"
    offsets = write_warc(whole, gzip=False)
    data = whole.read_bytes()
    spliced = tmp_path / "spliced.warc"
    spliced.write_bytes(data[:offsets[6]] + b"garbage\r\n\r\n" + data[offsets[6]:])
    code, records = score_records(str(spliced))
    assert code == 1 and len(records) == 6
    for record in records[:3] + records[4:]:
        assert_scored(record)
    assert records[3]["id"] == f"{spliced}:{offsets[6]}"
    assert records[3]["error"] == (f"unreadable WARC data: bytes {offsets[6]}-{offsets[6] + 11} "
                                   "are not a WARC record")
    assert [r["url"] for r in records[4:]] == ["https://news.example.com/3",
                                               "https://news.example.com/4.txt"]


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
    assert [p.kind.value for p in pages] == ["text"] * 3
    assert stats.skipped == {"WARC warcinfo record": 1}
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


def test_damage_prints_nothing_on_stderr(tmp_path, capfd):
    # A record whose Content-Length is too short: the damage is the record's error, and
    # nothing is printed (warcio, which read archives before, printed the bytes it found).
    path = tmp_path / "bad-length.warc"
    write_warc(path, gzip=False)
    data = path.read_bytes()
    length = data.index(b"Content-Length: ") + len(b"Content-Length: ")
    end = data.index(b"\r\n", length)
    path.write_bytes(data[:length] + str(int(data[length:end]) - 40).encode() + data[end:])
    pages = list(read_pages([str(path)]))
    assert len(pages) == 5 and pages[0].error is not None  # the damaged record, then the rest
    assert capfd.readouterr().err == ""


def _three(tmp_path: Path, middle=None, gzip: bool = False, name: str = "three.warc") -> Path:
    """An archive of three HTML responses (``middle(writer)`` replaces the second's record)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    for n in range(3):
        if n == 1 and middle is not None:
            record = middle(writer)
        else:
            record = _record(writer, f"https://news.example.com/{n}",
                             f"<html><body><p>{STORIES[n]}</p></body></html>".encode())
        record.rec_headers.replace_header("WARC-Record-ID", f"<{_record_id(n)}>")
        writer.write_record(record)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _edit_first(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    return path


def _pages(path: Path) -> tuple[list, ReadStats]:
    stats = ReadStats()
    return list(read_pages([str(path)], stats=stats)), stats


def _first_fails(pages: list, message: str) -> None:
    """Three records in, three out: the first an error saying ``message``, the others pages."""
    assert [p.id for p in pages] == [_record_id(n) for n in range(3)]
    assert message in pages[0].error, pages[0].error
    assert [p.error for p in pages[1:]] == [None, None]
    assert STORIES[2] in pages[2].raw


@pytest.mark.parametrize("change", [+60, +100_000, -60])
def test_issue15_item5_a_wrong_content_length_costs_its_record_only(tmp_path, change):
    path = _three(tmp_path)
    length = int(path.read_bytes().split(b"Content-Length: ", 1)[1].split(b"\r\n")[0])
    _edit_first(path, f"Content-Length: {length}\r\n".encode(),
                f"Content-Length: {length + change}\r\n".encode())
    pages, _ = _pages(path)
    _first_fails(pages, f"WARC record's Content-Length ({length + change}) does not match its "
                        "block")


@pytest.mark.parametrize(("old", "new", "message"), [
    (b"Content-Length: ", b"Content-Length: x", "no valid Content-Length ('x"),
    (b"Content-Length: ", b"Content-Length ", "header line without a colon 'Content-Length "),
    (b"WARC-Type: response", b"WARC-Type response", "header line without a colon 'WARC-Type "),
    (b"WARC-Type: response\r\n", b"", "no WARC-Type"),
])
def test_issue15_item5_malformed_warc_headers_are_an_error_record(tmp_path, old, new, message):
    pages, _ = _pages(_edit_first(_three(tmp_path), old, new))
    _first_fails(pages, f"malformed WARC record: {message}")


def test_issue15_item5_an_http_status_that_is_not_a_number_is_an_error(tmp_path):
    path = _three(tmp_path, lambda writer: _record(writer, "https://news.example.com/1",
                                                   b"<p>x</p>", status="council"))
    pages, stats = _pages(path)
    assert [p.id for p in pages] == [_record_id(n) for n in range(3)]
    assert pages[1].error == ("unreadable HTTP response in WARC record: malformed HTTP status "
                              "line 'HTTP/1.1 council'")
    assert pages[0].error is None and pages[2].error is None and not stats.skipped


def test_issue15_item5_every_record_that_is_not_a_page_is_counted_by_its_type(tmp_path):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(writer.create_warcinfo_record("x.warc.gz", {"software": "test"}))
    for kind, payload in (("request", b"GET /0 HTTP/1.1\r\nHost: x\r\n\r\n"),
                          ("metadata", b"x: y\r\n"), ("revisit", b"HTTP/1.1 200 OK\r\n\r\n")):
        writer.write_record(writer.create_warc_record("https://news.example.com/0", kind,
                                                      payload=io.BytesIO(payload)))
    writer.write_record(_record(writer, "https://news.example.com/0", b"<p>a page</p>"))
    path = tmp_path / "kinds.warc.gz"
    path.write_bytes(buffer.getvalue())
    pages, stats = _pages(path)
    assert len(pages) == 1 and pages[0].error is None
    assert stats.skipped == {"WARC warcinfo record": 1, "WARC request record": 1,
                             "WARC metadata record": 1, "WARC revisit record": 1}


@pytest.mark.parametrize("gzip", [False, True])
def test_issue15_item5_a_21_mb_page_is_too_large_not_cut_short(tmp_path, gzip):
    big = b"<html><body>" + b"<p>" + b"x" * (21 << 20) + b"</p></body></html>"
    path = _three(tmp_path, lambda writer: _record(writer, "https://news.example.com/big", big),
                  gzip=gzip)
    pages, _ = _pages(path)
    assert [p.id for p in pages] == [_record_id(n) for n in range(3)]
    assert pages[1].error == "page too large: more than 20971520 bytes (see --max-bytes)"
    assert pages[0].error is None and pages[2].error is None


def test_issue15_item1_an_http_charset_python_cannot_decode_falls_through(tmp_path):
    body = f"<html><body><p>Café. {STORIES[1]}</p></body></html>".encode("cp1252")
    path = _three(tmp_path, lambda writer: _record(writer, "https://news.example.com/1", body,
                                                   "text/html; charset=undefined"))
    pages, _ = _pages(path)
    assert [p.error for p in pages] == [None] * 3 and "Café. " in pages[1].raw


def _http(writer: WARCWriter, head: bytes, body: bytes):
    """A response record holding ``head`` and ``body`` as they would come over the wire."""
    return writer.create_warc_record("https://news.example.com/1", "response",
                                     payload=io.BytesIO(head + b"\r\n" + body),
                                     warc_headers_dict={"Content-Type":
                                                        "application/http; msgtype=response"})


@pytest.mark.parametrize("encoding", ["chunked", "gzip", "deflate", "chunked+gzip"])
def test_http_payloads_are_dechunked_and_decompressed(tmp_path, encoding):
    import zlib

    page = f"<html><body><p>{STORIES[1]}</p></body></html>".encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    body = page
    if "gzip" in encoding:
        body, head = gzip_module.compress(body), head + b"Content-Encoding: gzip\r\n"
    if encoding == "deflate":
        body, head = zlib.compress(body), head + b"Content-Encoding: deflate\r\n"
    if "chunked" in encoding:
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 50]), body[i:i + 50])
                        for i in range(0, len(body), 50)) + b"0\r\n\r\n"
        head += b"Transfer-Encoding: chunked\r\n"
    pages, _ = _pages(_three(tmp_path, lambda writer: _http(writer, head, body)))
    assert [p.error for p in pages] == [None] * 3
    assert pages[1].raw == page.decode()


def test_a_compressed_bomb_in_a_payload_costs_the_page_limit(tmp_path):
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(200)) + packer.flush()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
    path = _three(tmp_path, lambda writer: _http(writer, head, bomb))
    stats = ReadStats()
    pages = list(read_pages([str(path)], ReadOptions(max_bytes=1 << 20), stats=stats))
    assert pages[1].error == "page too large: more than 1048576 bytes (see --max-bytes)"
    assert pages[0].error is None and pages[2].error is None


def _arc(tmp_path: Path, gzip: bool) -> Path:
    """An ARC file: its file header record, two HTML responses, an image."""
    version = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [b"filedesc://test.arc 0.0.0.0 20260101000000 text/plain %d\n%s" % (
        len(version), version)]
    for n, media in ((0, b"text/html"), (1, b"image/png"), (2, b"text/html")):
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\n\r\n<html><body><p>%s</p></body></html>"
                % (media, STORIES[n].encode()))
        records.append(b"https://news.example.com/%d 192.0.2.1 20260101000000 %s %d\n%s" % (
            n, media, len(http), http))
    path = tmp_path / ("crawl.arc.gz" if gzip else "crawl.arc")
    path.write_bytes(b"".join(gzip_module.compress(r + b"\n") if gzip else r + b"\n"
                              for r in records))
    return path


@pytest.mark.parametrize("gzip", [False, True])
def test_arc_files(tmp_path, gzip):
    pages, stats = _pages(_arc(tmp_path, gzip))
    assert [p.url for p in pages] == ["https://news.example.com/0", "https://news.example.com/2"]
    assert all(p.error is None for p in pages) and STORIES[2] in pages[1].raw
    assert stats.skipped == {"ARC file header": 1, "WARC image/png": 1}


def test_a_wrong_content_length_on_stdin_costs_its_record_only(tmp_path):
    # stdin is spooled to a file for the two passes (or is one, redirected): the reader can go
    # back to the damaged record's block for the records it swallowed, as in a file.
    path = _three(tmp_path)
    length = int(path.read_bytes().split(b"Content-Length: ", 1)[1].split(b"\r\n")[0])
    _edit_first(path, f"Content-Length: {length}\r\n".encode(),
                f"Content-Length: {length + 60}\r\n".encode())
    code, records = score_records("--input-type", "warc", "-", input=path.read_bytes())
    assert code == 1 and [r["id"] for r in records] == [_record_id(n) for n in range(3)]
    assert "does not match its block" in records[0]["error"]
