"""The CLI through click's runner and as a real subprocess."""

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import time

from click.testing import CliRunner

from classifier.cli import main
from tests.clirun import interruptible
from tests.conftest import ROOT

SEED = str(ROOT / "data" / "seed-page.txt")


def test_score_jsonl_seed_page():
    result = CliRunner().invoke(main, ["score", "--format", "jsonl", SEED])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["id"] == SEED
    labels = [p["label"] for p in record["paragraphs"]]
    assert labels[0] == "navigation" and labels[2] == "advertisement"
    assert labels[19:] == ["disclaimer", "disclaimer", "advertisement"]
    assert all(0.0 <= p["score"] <= 1.0 for p in record["paragraphs"])


def test_clean_text_and_jsonl_from_stdin(seed_text):
    runner = CliRunner()
    result = runner.invoke(main, ["clean", "-"], input=seed_text)
    assert result.exit_code == 0
    assert result.stdout.startswith("France rebukes U.S. AI company")
    assert "Fusion Media" not in result.stdout
    lines = "\n".join(json.dumps({"id": f"p{i}", "text": seed_text}) for i in range(3))
    result = runner.invoke(main, ["clean", "--format", "jsonl", "--input-type", "jsonl", "-"],
                           input=lines)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["p0", "p1", "p2"]
    assert all("Fusion Media" not in r["text"] for r in records)


def test_error_record_sets_exit_status(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("A paragraph of editorial text that is long enough to be kept.\n")
    result = CliRunner().invoke(main, ["score", "--format", "jsonl", str(good),
                                       str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2 and "error" not in records[0]
    assert "cannot read" in records[1]["error"]


def test_untrusted_model_is_a_usage_error(tmp_path):
    fake = tmp_path / "m.joblib"
    fake.write_bytes(b"not a model")
    result = CliRunner().invoke(main, ["score", "--model", str(fake), SEED])
    assert result.exit_code == 2
    assert "trust" in result.output


def test_output_file_written_atomically(tmp_path):
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["score", "--format", "json", "-o", str(out), SEED])
    assert result.exit_code == 0
    assert json.loads(out.read_text())[0]["paragraphs"][1]["label"] == "content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_real_subprocess_clean():
    completed = subprocess.run([sys.executable, "-m", "classifier", "clean", SEED],
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "Clearview" in completed.stdout and "[ad_1]" not in completed.stdout


def test_help_and_version_do_not_import_the_scientific_stack():
    # --help, --version (and the library's import) must not wait for numpy, pandas, scipy,
    # scikit-learn, pyarrow or datasketch: they load where pages are scored or indexed.
    heavy = ("numpy", "pandas", "scipy", "sklearn", "pyarrow", "datasketch", "warcio")
    code = ("import sys, classifier, classifier.cli\n"
            "from click.testing import CliRunner\n"
            "for args in (['--help'], ['--version'], ['score', '--help']):\n"
            "    assert CliRunner().invoke(classifier.cli.main, args).exit_code == 0\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_format_from_the_output_extension(tmp_path):
    for name in ("out.jsonl", "out.json", "out.csv", "out.txt"):
        result = CliRunner().invoke(main, ["score", "-q", "-o", str(tmp_path / name), SEED])
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == SEED
    assert json.loads((tmp_path / "out.json").read_text())[0]["id"] == SEED
    assert (tmp_path / "out.csv").read_text().startswith("id,url,error,index,label,score,text")
    assert (tmp_path / "out.txt").read_text().startswith(f"== {SEED}")  # the table
    result = CliRunner().invoke(main, ["clean", "-q", "-o", str(tmp_path / "c.jsonl"), SEED])
    assert result.exit_code == 0 and "text" in json.loads((tmp_path / "c.jsonl").read_text())
    result = CliRunner().invoke(main, ["clean", "-q", "-o", str(tmp_path / "c.txt"), SEED])
    assert (tmp_path / "c.txt").read_text().startswith("France rebukes U.S. AI company")
    result = CliRunner().invoke(main, ["clean", "-o", str(tmp_path / "c.csv"), SEED])
    assert result.exit_code == 2 and "give --format" in result.output
    # --format wins over the extension.
    result = CliRunner().invoke(main, ["score", "-q", "--format", "jsonl", "-o",
                                       str(tmp_path / "x.csv"), SEED])
    assert json.loads((tmp_path / "x.csv").read_text())["id"] == SEED


def test_stdin_is_read_when_no_path_is_given_and_it_is_piped(seed_text):
    completed = subprocess.run([sys.executable, "-m", "classifier", "clean", "-q"],
                               input=seed_text, capture_output=True, text=True, timeout=300,
                               check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("France rebukes U.S. AI company")


def test_no_path_on_a_terminal_is_a_usage_error():
    leader, follower = os.openpty()
    try:
        completed = subprocess.run([sys.executable, "-m", "classifier", "clean"],
                                   stdin=follower, capture_output=True, text=True, timeout=300,
                                   check=False)
    finally:
        os.close(follower)
        os.close(leader)
    assert completed.returncode == 2 and "no input" in completed.stderr


def test_a_url_is_not_fetched_and_the_message_says_how_to_feed_pages():
    result = CliRunner().invoke(main, ["clean", "https://example.com/news/1"])
    assert result.exit_code == 2
    assert "does not fetch" in result.output and "curl -sL" in result.output


def test_clean_text_separates_pages_by_a_form_feed_line(tmp_path, seed_text):
    other = tmp_path / "other.txt"
    other.write_text("The harbour reopened on Monday after a week of repairs to the quay, "
                     "the port authority said, and the first ferries sailed at dawn.\n")
    missing = str(tmp_path / "missing.txt")
    result = CliRunner().invoke(main, ["clean", "-q", SEED, missing, str(other)])
    assert result.exit_code == 1
    pages = result.stdout.split("\f\n")
    assert len(pages) == 3  # one per input record, the failed one empty
    assert pages[0].startswith("France rebukes U.S. AI company") and "\n\n" in pages[0]
    assert pages[1] == "\n" and pages[2].startswith("The harbour reopened")
    assert f"{missing}: cannot read" in result.stderr


def test_ctrl_c_exits_130(tmp_path):
    """SIGINT while the command reads its input: exit status 130, no traceback, and no
    half-written output file."""
    read, write = os.pipe()
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "classifier", "clean", "-q", "-o",
                                str(out), "-"], stdin=read, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interruptible)
    os.write(write, b"A first page of text.\n")
    deadline = time.monotonic() + 120
    # The command drained the pipe: it is inside the command, spooling stdin.
    while struct.unpack("i", fcntl.ioctl(read, termios.FIONREAD, b"\0\0\0\0"))[0]:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    os.close(read)
    os.close(write)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert list(tmp_path.iterdir()) == []
