"""Bad input never sinks a batch: each broken record gives one error record, its neighbours
come through intact, in order, and the exit status is 1.

Every case runs the real command (``score --format jsonl``) between two good pages.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.clirun import STORY, assert_scored, invoke, score_records


@pytest.fixture
def good(tmp_path: Path) -> tuple[str, str]:
    """A good text page and a good HTML page, to put either side of a bad input."""
    text = tmp_path / "good.txt"
    text.write_text(STORY + "\n")
    html = tmp_path / "good.html"
    html.write_text(f"<html><body><article><p>{STORY}</p></article></body></html>")
    return str(text), str(html)


def _sandwich(good: tuple[str, str], bad: str, *options: str) -> dict:
    """Score good, bad, good; check the neighbours and the exit status; the bad record."""
    code, records = score_records(*options, good[0], bad, good[1])
    assert code == 1
    assert len(records) == 3
    assert_scored(records[0], good[0])
    assert_scored(records[2], good[1])
    assert records[1]["paragraphs"] == []
    return records[1]


def test_unreadable_file(good, tmp_path):
    missing = str(tmp_path / "missing.html")
    record = _sandwich(good, missing)
    assert record["id"] == missing
    assert "cannot read" in record["error"]


def test_binary_data(good, tmp_path):
    image = tmp_path / "photo.html"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    record = _sandwich(good, str(image))
    assert record["id"] == str(image)
    assert "binary" in record["error"]


def test_empty_page(good, tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"  \n\t\n")
    record = _sandwich(good, str(empty))
    assert record["id"] == str(empty) and record["error"] == "empty page"


def test_page_over_50_mb(good, tmp_path):
    huge = tmp_path / "huge.html"
    paragraph = f"<p>{STORY}</p>\n".encode()
    with open(huge, "wb") as out:
        out.write(b"<html><body>")
        out.write(paragraph * (50 * 2**20 // len(paragraph) + 1))
        out.write(b"</body></html>")
    assert huge.stat().st_size > 50 * 2**20
    record = _sandwich(good, str(huge))
    assert record["id"] == str(huge)
    assert "page too large" in record["error"]


def test_html_nested_10000_levels(good, tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 10_000 + f"<p>{STORY}</p>" + "</div>" * 10_000
                    + "</body></html>")
    code, records = score_records(good[0], str(deep), good[1])
    # Too deep for libxml2: segmented as flat text instead, so the page still scores.
    assert code == 0
    assert [r["id"] for r in records] == [good[0], str(deep), good[1]]
    for record in records:
        assert_scored(record)
    assert STORY in [p["text"] for p in records[1]["paragraphs"]]


def test_invalid_utf8_and_wrong_declared_charset_in_a_page_decode_as_browsers_do(good, tmp_path):
    # Not errors: a page in a legacy charset, or that declares the wrong one, is still a page.
    # Browsers read it as its bytes allow (valid UTF-8, else the declaration, else
    # windows-1252), and so do we.
    latin = tmp_path / "latin.html"
    latin.write_bytes('<html><head><meta charset="utf-8"></head><body><p>Café crème at the '
                      'château: '.encode("cp1252") + STORY.encode() + b"</p></body></html>")
    code, records = score_records(good[0], str(latin), good[1])
    assert code == 0
    assert_scored(records[0], good[0])
    assert_scored(records[2], good[1])
    assert_scored(records[1], str(latin))
    assert records[1]["paragraphs"][0]["text"].startswith("Café crème at the château: ")


def _jsonl(tmp_path: Path, lines: list[bytes]) -> str:
    path = tmp_path / "pages.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def _good_line(id: str) -> bytes:
    return json.dumps({"id": id, "url": f"https://example.com/{id}", "text": STORY}).encode()


def _jsonl_sandwich(tmp_path: Path, bad: bytes, *options: str) -> dict:
    path = _jsonl(tmp_path, [_good_line("first"), bad, _good_line("last")])
    code, records = score_records(*options, path)
    assert code == 1
    assert [r["id"] for r in records][::2] == ["first", "last"]
    assert_scored(records[0])
    assert_scored(records[2])
    assert len(records) == 3 and records[1]["paragraphs"] == []
    return records[1]


def test_malformed_json_line(tmp_path):
    record = _jsonl_sandwich(tmp_path, b'{"id": "broken", "text": "unterminated')
    assert record["id"].endswith("pages.jsonl:2")
    assert "malformed JSON line" in record["error"]


def test_json_line_that_is_not_an_object(tmp_path):
    record = _jsonl_sandwich(tmp_path, b'["a", "list"]')
    assert "not an object" in record["error"]


def test_record_missing_its_text(tmp_path):
    record = _jsonl_sandwich(tmp_path, b'{"id": "no-text", "url": "https://example.com/x"}')
    assert record["id"] == "no-text" and record["url"] == "https://example.com/x"
    assert "no string 'html' or 'text' field" in record["error"]


def test_empty_text_in_a_record(tmp_path):
    record = _jsonl_sandwich(tmp_path, b'{"id": "blank", "text": "   "}')
    assert record["id"] == "blank" and record["error"] == "empty page"


def test_invalid_utf8_in_a_json_line_names_the_record(tmp_path):
    # JSON is UTF-8 by definition: a bad byte is damage, reported under the record's own id.
    bad = b'{"id": "mangled", "text": "caf\xe9 ' + STORY.encode() + b'"}'
    record = _jsonl_sandwich(tmp_path, bad)
    assert record["id"] == "mangled"
    assert "invalid UTF-8" in record["error"]


def test_50_mb_page_in_a_json_line_names_the_record(tmp_path):
    huge = json.dumps({"id": "huge", "text": (STORY + "\n\n") * (50 * 2**20 // len(STORY) + 1)})
    record = _jsonl_sandwich(tmp_path, huge.encode())
    assert record["id"] == "huge"
    assert "page too large" in record["error"]


def test_endless_json_line_is_refused_unparsed(tmp_path):
    # Past six times --max-bytes a line is not even parsed, so memory stays bounded.
    endless = b'{"id": "endless", "text": "' + b"x" * 70_000 + b'"}'
    record = _jsonl_sandwich(tmp_path, endless, "--max-bytes", "10000")
    assert record["id"].endswith("pages.jsonl:2")
    assert "JSON line too long" in record["error"]


def test_gzip_cut_short_keeps_the_records_before_it(tmp_path):
    lines = b"".join(_good_line(f"p{i}") + b"\n" for i in range(40))
    packed = gzip.compress(lines)
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    code, records = score_records(str(path))
    assert code == 1
    *intact, cut = records
    assert intact and [r["id"] for r in intact] == [f"p{i}" for i in range(len(intact))]
    for record in intact:
        assert_scored(record)
    assert cut["id"] == f"{path}:{len(intact) + 1}"
    assert "cannot read" in cut["error"] and "EOFError" in cut["error"]


def test_lone_surrogate_escape_is_scored_and_written(tmp_path):
    line = json.dumps({"id": "odd", "note": "\ud800", "text": STORY + " \ud83d"})
    code, records = score_records(_jsonl(tmp_path, [_good_line("first"), line.encode()]))
    assert code == 0
    assert_scored(records[1], "odd")
    # UTF-8 cannot encode it, so it is written as U+FFFD (and counted in the summary).
    assert records[1]["note"] == "\ufffd"


@pytest.mark.parametrize("bad", [b"[" * 5000 + b"]" * 5000, b"[" * 5000,
                                 b'{"id": "deep", "text": "x", "meta": ' + b"[" * 3000 + b"1"
                                 + b"]" * 3000 + b"}"])
def test_issue15_item2_json_line_nested_thousands_deep_is_one_error_record(tmp_path, bad):
    record = _jsonl_sandwich(tmp_path, bad)
    assert record["id"].endswith("pages.jsonl:2")
    assert "malformed JSON line" in record["error"] and "nested deeper" in record["error"]


def test_issue15_item4_pass_through_field_nested_500_deep_with_workers(tmp_path):
    # Refused by the reader (deeper than 100 levels), so it never reaches pickling for a worker
    # or the JSON writer; the default time limit runs pages in a worker process.
    deep = {"id": "deep", "text": STORY, "meta": json.loads("[" * 500 + "]" * 500)}
    record = _jsonl_sandwich(tmp_path, json.dumps(deep).encode(), "--jobs", "2")
    assert "nested deeper than 100 levels" in record["error"]
    shallow = {"id": "shallow", "text": STORY, "meta": json.loads("[" * 99 + "]" * 99)}
    code, records = score_records(_jsonl(tmp_path, [json.dumps(shallow).encode()]))
    assert code == 0 and records[0]["meta"] == shallow["meta"]


def test_issue15_input_field_named_error_does_not_make_a_record_look_failed(tmp_path):
    line = {"id": "mine", "text": STORY, "error": "from the scraper", "paragraphs": 3,
            "input": "x"}
    code, records = score_records(_jsonl(tmp_path, [json.dumps(line).encode()]))
    assert code == 0
    assert_scored(records[0], "mine")
    assert records[0]["input"] == {"error": "from the scraper", "paragraphs": 3, "input": "x"}
    assert list(records[0])[:2] == ["id", "url"]


def test_issue15_numbers_stay_json_1e999_and_a_5000_digit_id(tmp_path):
    digits = "7" * 5000
    line = f'{{"id": {digits}, "text": "{STORY}", "n": 1e999, "m": NaN, "k": 2.5}}'.encode()
    path = _jsonl(tmp_path, [line])
    code, out, _ = invoke("score", "--format", "jsonl", "-q", path)
    assert code == 0 and ": Infinity" not in out and ": NaN" not in out  # not JSON
    (record,) = [json.loads(text) for text in out.splitlines()]
    assert_scored(record, digits)
    assert (record["n"], record["m"], record["k"]) == ("1e999", "NaN", 2.5)


def test_issue15_item1_meta_charset_undefined_page_is_scored(good, tmp_path):
    page = tmp_path / "undefined.html"
    page.write_bytes(f'<html><head><meta charset="undefined"></head><body><p>Café. {STORY}'
                     "</p></body></html>".encode("cp1252"))
    code, records = score_records(good[0], str(page), good[1])
    assert code == 0 and [r["id"] for r in records] == [good[0], str(page), good[1]]
    assert records[1]["paragraphs"][0]["text"].startswith("Café. ")


def test_blank_lines_and_a_line_of_zeros_cost_a_byte_scan(tmp_path):
    # Correctness here; the cost is in benchmarks/hostile.py. Line numbers count every line.
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n" * 3_000_000 + _good_line("after-blanks") + b"\n"
                                   + b"\x00" * 5_000_000 + b"\n" + _good_line("last")))
    code, records = score_records(str(path))
    assert code == 1 and [r["id"] for r in records] == [
        "after-blanks", f"{path}:3000002", "last"]
    assert "binary data in JSON line" in records[1]["error"]
