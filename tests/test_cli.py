"""The CLI through click's runner and as a real subprocess."""

import json
import subprocess
import sys

from click.testing import CliRunner

from classifier.cli import main
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
