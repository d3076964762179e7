"""Output formats of ``score`` and ``clean``, ``--removed``, atomic files, the summary."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import stat
import struct
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from tests.clirun import invoke
from tests.conftest import ROOT

SEED = str(ROOT / "data" / "seed-page.txt")


@pytest.fixture
def inputs(tmp_path):
    """The seed page and a missing file: one good page, one error record."""
    return [SEED, str(tmp_path / "missing.txt")]


def test_score_json_is_one_array_in_input_order(inputs):
    code, out, _ = invoke("score", "--format", "json", "-q", *inputs)
    assert code == 1
    records = json.loads(out)
    assert [r["id"] for r in records] == inputs
    assert records[0]["paragraphs"][1]["label"] == "content" and "error" in records[1]


def test_score_table(inputs):
    code, out, _ = invoke("score", "-q", *inputs)
    assert code == 1
    assert f"== {SEED}" in out and "   error: cannot read" in out
    assert "disclaimer" in out and "Fusion Media" in out


def test_score_csv_one_row_per_paragraph(inputs):
    code, out, _ = invoke("score", "--format", "csv", "-q", *inputs)
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["id", "url", "error", "index", "label", "score", "text"]
    assert rows[-1]["id"] == inputs[1] and rows[-1]["error"].startswith("cannot read")
    seed_rows = [r for r in rows if r["id"] == SEED]
    assert len(seed_rows) == 22 and seed_rows[2]["label"] == "advertisement"


def test_score_parquet_needs_output_and_is_written_atomically(inputs, tmp_path):
    code, _, err = invoke("score", "--format", "parquet", *inputs)
    assert code == 2 and "--output" in err
    out = tmp_path / "out" / "scores.parquet"
    code, _, _ = invoke("score", "--format", "parquet", "-q", "-o", str(out), *inputs)
    assert code == 1
    table = pq.read_table(out).to_pylist()
    assert len(table) == 23 and table[0]["id"] == SEED and table[0]["index"] == 0
    assert table[-1]["index"] is None and table[-1]["error"].startswith("cannot read")
    assert [p.name for p in out.parent.iterdir()] == ["scores.parquet"]


def test_output_file_gets_the_mode_of_any_new_file(tmp_path):
    out = tmp_path / "clean.txt"
    code, _, _ = invoke("clean", "-q", "-o", str(out), SEED)
    assert code == 0 and "Clearview" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) & 0o044 == 0o044  # readable by others (umask 022)


def test_clean_text_reports_errors_on_stderr(inputs):
    code, out, err = invoke("clean", "-q", *inputs)
    assert code == 1
    assert "Clearview" in out and "[ad_1]" not in out
    assert f"{inputs[1]}: cannot read" in err


def test_clean_jsonl_with_removed_paragraphs_for_auditing(inputs):
    code, out, _ = invoke("clean", "--format", "jsonl", "--removed", "-q", *inputs)
    assert code == 1
    good, bad = (json.loads(line) for line in out.splitlines())
    removed = {p["label"] for p in good["removed"]}
    assert {"advertisement", "disclaimer"} <= removed and "content" not in removed
    assert all(p["text"] not in good["text"] for p in good["removed"] if len(p["text"]) > 20)
    assert bad["removed"] == [] and "error" in bad


def test_removed_needs_jsonl():
    code, _, err = invoke("clean", "--removed", SEED)
    assert code == 2 and "--removed needs --format jsonl" in err


def test_summary_on_stderr_unless_quiet(tmp_path):
    code, out, err = invoke("clean", "--format", "jsonl", SEED)
    assert code == 0 and json.loads(out)["id"] == SEED
    # No progress bar (stderr is not a terminal here), one summary line.
    assert err.count("\n") == 1
    assert re.match(r"1 page, 22 paragraphs, \d+\.\d% removed \(", err)
    assert "advertisement 9.1%" in err and "0 errors" in err and "pages/s" in err
    _, _, err = invoke("clean", "--format", "jsonl", "--quiet", SEED)
    assert err == ""



@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_when_stderr_is_a_terminal():
    leader, follower = os.openpty()
    import fcntl
    import termios

    # A fresh pseudo-terminal is 0 columns wide; give it a terminal's size.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, "-m", "classifier", "score", "--format", "jsonl",
                                "--time-limit", "0", SEED], stdout=subprocess.PIPE,
                               stderr=follower, env=env, timeout=300, check=False)
    os.close(follower)
    shown = b""
    with contextlib.suppress(OSError):  # EIO once everything written has been read
        while chunk := os.read(leader, 4096):
            shown += chunk
    os.close(leader)
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["id"] == SEED
    text = shown.decode()
    # tqdm's bars, one per pass, in bytes of the input against its size, the scoring bar with
    # the pages and their rate (the summary's figure)
    size = f"{os.path.getsize(SEED) / 1024:.2f}k"
    assert "indexing: 100%" in text and "scoring: 100%" in text and f"/{size}" in text
    assert ", 1 page, " in text and "pages/s]" in text
    assert text.rstrip().splitlines()[-1].startswith("1 page, 22 paragraphs")  # the summary


def test_passed_through_fields_come_after_id_and_url(tmp_path):
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps({"lang": "en", "text": "", "crawl": 3, "url": "https://e.com/1",
                                "id": "p1"}) + "\n")
    _, out, _ = invoke("clean", "--format", "jsonl", "-q", str(path))
    assert list(json.loads(out)) == ["id", "url", "lang", "crawl", "error", "text"]


FRENCH = ("Le conseil municipal a voté mardi la construction d'une passerelle piétonne sur la "
          "rivière, mettant fin à des années de débat sur la manière de relier les deux moitiés "
          "de la vieille ville.")
GERMAN = ("Der Stadtrat hat am Dienstag den Bau einer Fußgängerbrücke über den Fluss "
          "beschlossen und damit eine jahrelange Debatte darüber beendet, wie die beiden "
          "Hälften der Altstadt verbunden werden sollen.")

FOOTER = "© 2024 Le Journal. Tous droits réservés."
GERMAN_MORE = ("Die Bauarbeiten sollen im Frühjahr beginnen und etwa achtzehn Monate dauern, "
               "teilte das Tiefbauamt der Stadt mit.")


@pytest.fixture
def multilingual(tmp_path):
    path = tmp_path / "pages.jsonl"
    rows = [{"id": "fr", "html": "<html><head><title>Une passerelle &amp; un vote</title>"
                                 f"</head><body><p>{FRENCH}</p><p>{FRENCH}</p>"
                                 f"<footer>{FOOTER}</footer>"
                                 "</body></html>"},
            {"id": "de", "text": f"{GERMAN}\n\n{GERMAN_MORE}"},
            {"id": "broken", "text": ""}]
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def test_clean_with_metadata_title_language_and_removed_share(multilingual):
    code, out, _ = invoke("clean", "--format", "jsonl", "--with-metadata", "-q",
                          str(multilingual))
    assert code == 1
    fr, de, broken = (json.loads(line) for line in out.splitlines())
    assert list(fr) == ["id", "url", "title", "language", "removed_share", "text"]
    assert fr["title"] == "Une passerelle & un vote" and fr["language"] == "fr"
    assert de["title"] is None and de["language"] == "de"
    # Shares of the page's characters: the footer's of the French page.
    share = len(FOOTER) / (2 * len(FRENCH) + len(FOOTER))
    assert fr["removed_share"] == {"disclaimer": round(share, 4)}
    assert broken["error"] == "empty page" and broken["language"] is None
    code, _, err = invoke("clean", "--with-metadata", str(multilingual))
    assert code == 2 and "--with-metadata needs --format jsonl or json" in err


def test_language_keeps_only_the_languages_asked_for(multilingual):
    code, out, err = invoke("score", "--format", "jsonl", "--language", "de,EN",
                            str(multilingual))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["id"] for r in records] == ["de", "broken"]
    assert records[0]["language"] == "de" and "title" not in records[0]
    assert "1 page in other languages left out" in err
    code, out, _ = invoke("clean", "-q", "--language", "fr", "--language", "xx",
                          str(multilingual))
    assert out.startswith(FRENCH) and out.count("\f\n") == 1  # fr, and the error record
    code, _, err = invoke("clean", "--language", "french", str(multilingual))
    assert code == 2 and "ISO 639-1 codes" in err


STORY_LINE = ("The city council voted on Tuesday to approve a new pedestrian bridge across the "
              "river, ending years of debate over how the two halves of the old town should be "
              "joined.")


@pytest.mark.parametrize(("command", "fmt"), [("score", "jsonl"), ("score", "json"),
                                              ("score", "csv"), ("score", "table"),
                                              ("score", "parquet"), ("clean", "text"),
                                              ("clean", "jsonl")])
def test_issue15_item3_lone_surrogates_are_written_as_replacement_in_every_format(
        tmp_path, command, fmt):
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps({"id": "odd\ud800", "url": "https://example.com/\udc80",
                                "text": STORY_LINE, "note": "\udfff"}) + "\n")
    out = tmp_path / f"out.{fmt}"
    code, _, err = invoke(command, "--format", fmt, "-o", str(out), str(path))
    assert code == 0, err
    if fmt == "parquet":
        (row,) = pq.read_table(out).to_pylist()
        written = f"{row['id']} {row['url']}"
    else:
        written = out.read_text(encoding="utf-8")  # strict: the file is valid UTF-8
    if fmt == "jsonl" and command == "score":
        assert json.loads(written)["note"] == "\ufffd"
    if fmt == "text":  # clean's text output holds the editorial text only: nothing to replace
        assert written == STORY_LINE + "\n" and "U+FFFD" not in err
        return
    assert "odd\ufffd" in written and "https://example.com/\ufffd" in written
    assert "lone surrogates (not encodable in UTF-8) written as U+FFFD" in err


def test_issue15_table_does_not_pass_escape_sequences_to_the_terminal(tmp_path):
    path = tmp_path / "escapes.jsonl"
    title = "\x1b]0;pwned\x07"  # OSC: sets the terminal's title
    path.write_text(json.dumps({"id": f"page{title}", "text": f"\x1b[2J\x1b[31m{STORY_LINE}"
                                                              "\u202e\x9b31m"}) + "\n")
    code, out, _ = invoke("score", "-q", str(path))
    assert code == 0
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out)
    assert "== page\\x1b]0;pwned\\x07" in out and "\\x1b[2J\\x1b[31m" in out
