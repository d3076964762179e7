"""Every command of the README's ``sh`` blocks runs here, as printed, in a folder holding the
files it names, and what the README says it gives is asserted. Its ``python`` blocks run where
``PYTHON_BLOCKS`` says.

A command added to the README without a check here fails ``test_every_command_is_checked``, a
Python block without a test ``test_every_python_block_has_its_test``.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.io.writers import FLAT_COLUMNS
from tests.clirun import STORY
from tests.conftest import ROOT
from tests.test_io_warc import write_warc, write_wet

#: Blocks that do not run here, by the command they start with, and why.
NOT_RUN = {
    "python3 -m pip install": "installs the package (CI runs the test command as written)",
    "python notebooks/run.py": "regenerates the notebooks from the corpora (minutes)",
    "python benchmarks/readme_results.py": "reruns the benchmarks (minutes; tested apart)",
    "boilerplate evaluate --report": "scores the test split (tested in test_report.py)",
    "boilerplate spark": "starts Spark (tested in test_spark.py on a real local Spark)",
    "spark-submit": "submits to a YARN cluster (test_spark.py runs spark-submit on local[2])",
}
NOTE = ("Fusion Media would like to remind you that the data contained in this website is not "
        "necessarily real-time nor accurate. All CFDs, stocks and indexes are provided by "
        "market makers, and so prices may not be accurate and may differ from the actual "
        "market price.")
GERMAN = ("Der Stadtrat hat am Dienstag den Bau einer Fußgängerbrücke über den Fluss "
          "beschlossen und damit eine jahrelange Debatte darüber beendet, wie die beiden "
          "Hälften der Altstadt verbunden werden sollen.")
FRENCH = ("Le conseil municipal a voté mardi la construction d'une passerelle piétonne sur la "
          "rivière, mettant fin à des années de débat sur la manière de relier les deux moitiés "
          "de la vieille ville.")


def readme_block(section: str, language: str) -> str:
    """The first ``language`` code block of the README's section ``section``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"```{language}\n(.*?)```", readme.split(f"\n## {section}\n", 1)[1], re.S)
    assert match, f"no {language} block in the {section} section"
    return match.group(1)


def readme_commands() -> list[str]:
    """Each command line of the README's ``sh`` blocks, comments and continuations joined."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command:
                commands.append(re.sub(r"\s+", " ", command))
    return commands


def _story_html(n: int, site: str = "news.example.com", canonical: bool = False) -> str:
    link = f'<link rel="canonical" href="https://{site}/{n}">' if canonical else ""
    return (f"<html><head><title>Story {n}</title>{link}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>Story {n}</h1><p>Story {n}. {STORY}</p></article>"
            f"<footer><p>{NOTE}</p></footer></body></html>")


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")


def make_workspace(folder: Path, seed_text: str) -> None:
    """The files the README's commands name."""
    (folder / "page.html").write_text(_story_html(0))
    (folder / "page.txt").write_text(seed_text)
    (folder / "pages").mkdir()
    for n in range(3):
        (folder / "pages" / f"{n}.txt").write_text(f"Markets\n\nStory {n}. {STORY}\n\n{NOTE}\n")
    (folder / "crawl").mkdir()
    for n in range(3):
        (folder / "crawl" / f"{n}.html").write_text(_story_html(n, canonical=True))
    (folder / "crawl" / "robots.txt").write_text("User-agent: *\n")
    site = [{"id": f"s{n}", "url": f"https://news.example.com/{n}", "html": _story_html(n)}
            for n in range(4)]
    _jsonl(folder / "scraped.jsonl", site[:2])
    _jsonl(folder / "crawl.jsonl", site)
    _jsonl(folder / "today.jsonl", site[:2])
    _jsonl(folder / "more.jsonl", site[2:])
    with gzip.open(folder / "pages.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in site)
    write_warc(folder / "crawl.warc.gz")
    write_wet(folder / "crawl.warc.wet.gz")
    import zstandard

    dump = "".join(json.dumps({"id": f"z{n}", "text": f"Story {n}. {STORY}"}) + "\n"
                   for n in range(2))
    (folder / "dump.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(dump.encode()))
    texts = {"en": f"Story. {STORY}", "de": GERMAN, "fr": FRENCH}
    pq.write_table(pa.table({"text": list(texts.values()), "id": list(texts),
                             "url": [f"https://{k}.example.org/a" for k in texts]}),
                   folder / "fineweb.parquet")


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def _check_table(w: Path, out: str) -> None:
    assert out.startswith("== page.html\n")
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    assert [int(row[0]) for row in rows] == list(range(len(rows)))  # index, label, score, text
    assert {row[1] for row in rows} <= {"content", "navigation", "advertisement",
                                        "disclaimer", "comment", "other"}
    assert all(0 <= float(row[2]) <= 1 for row in rows)


def _check_pages_jsonl(w: Path, out: str) -> None:
    records = _records(w / "out.jsonl")
    assert [Path(r["id"]).name for r in records] == ["0.txt", "1.txt", "2.txt"]
    assert all(list(r) == ["id", "url", "paragraphs"] for r in records)


def _check_clean_jsonl(w: Path, out: str) -> None:
    records = _lines(out)
    assert [list(r) for r in records] == [["id", "url", "text"]] * 2
    assert all(r["text"].startswith("Story") and NOTE not in r["text"] for r in records)


def _check_stdin_clean(w: Path, out: str) -> None:
    assert out.startswith("France rebukes U.S. AI company") and "Fusion Media" not in out


def _check_crawl_clean(w: Path, out: str) -> None:
    records = _lines(out)
    assert [r["id"] for r in records] == ["s0", "s1", "s2", "s3"]
    assert all(NOTE not in r["text"] and "Story" in r["text"] for r in records)


def _check_site_text(w: Path, out: str) -> None:
    pages = out.split("\f\n")
    assert len(pages) == 3
    assert all(p.startswith(f"Story {n}.") and NOTE not in p for n, p in enumerate(pages))


def _check_index_clean(w: Path, out: str) -> None:
    assert [r["id"] for r in _lines(out)] == ["s0", "s1"] and (w / "site.index").exists()


def _stats(expected_pages: int) -> Callable[[Path, str], None]:
    def check(w: Path, out: str) -> None:
        stats = json.loads(out)
        assert stats["sites"] == 1 and stats["pages"] == expected_pages
    return check


def _check_show(w: Path, out: str) -> None:
    index = (w / "audit" / "index.html").read_text(encoding="utf-8")
    views = sorted(path.name for path in (w / "audit").glob("*.html") if path.name != "index.html")
    assert len(views) == 4 and all(view in index for view in views)  # one per page of crawl.jsonl


def _check_glob(w: Path, out: str) -> None:
    assert [Path(r["id"]).name for r in _lines(out)] == ["0.html", "1.html", "2.html"]


def _check_warc(w: Path, out: str) -> None:
    records = _records(w / "clean.jsonl")
    assert len(records) == 5 and all(r["id"].startswith("urn:uuid:") for r in records)


def _check_csv(w: Path, out: str) -> None:
    lines = (w / "scores.csv").read_text().splitlines()
    assert lines[0] == ",".join(FLAT_COLUMNS) and len(lines) > 4


def _check_parquet(w: Path, out: str) -> None:
    table = pq.read_table(w / "scores.parquet")
    assert table.column_names == list(FLAT_COLUMNS)
    assert set(table.column("id").to_pylist()) == {"s0", "s1"}


def _check_removed(w: Path, out: str) -> None:
    records = _lines(out)
    assert all(r["removed"] and all(p["label"] != "content" for p in r["removed"])
               for r in records)
    assert any(p["text"] == NOTE for p in records[0]["removed"])


def _check_metadata(w: Path, out: str) -> None:
    records = _records(w / "clean.jsonl")
    assert [(r["id"], r["language"]) for r in records] == [("en", "en"), ("de", "de")]
    assert all(list(r) == ["id", "url", "title", "language", "removed_share", "text"]
               for r in records)


def _check_wet_zst(w: Path, out: str) -> None:
    pages = (w / "clean.txt").read_text().split("\f\n")
    assert len(pages) == 5  # three WET records, two zstandard JSON lines
    assert pages[3].startswith("Story 0.") and pages[4].startswith("Story 1.")


#: What each command gives, as the README says.
CHECKS: dict[str, Callable[[Path, str], None]] = {
    "boilerplate clean data/seed-page.txt": _check_stdin_clean,
    "boilerplate score page.html": _check_table,
    "boilerplate score --format jsonl pages/ > out.jsonl": _check_pages_jsonl,
    "boilerplate score pages/ -o out.jsonl": _check_pages_jsonl,
    "boilerplate clean --format jsonl scraped.jsonl": _check_clean_jsonl,
    "cat page.txt | boilerplate clean": _check_stdin_clean,
    "boilerplate clean --format jsonl crawl.jsonl": _check_crawl_clean,
    "boilerplate clean --site investing.com pages/*.txt": _check_site_text,
    "boilerplate clean --index site.index --format jsonl today.jsonl": _check_index_clean,
    "boilerplate index build --index site.index crawl/": _stats(3),
    "boilerplate index update --index site.index more.jsonl": _stats(5),
    "boilerplate index stats --index site.index": _stats(5),
    "boilerplate show crawl.jsonl -o audit/": _check_show,
    "boilerplate score --format jsonl crawl/ --glob '*.html'": _check_glob,
    "boilerplate clean --format jsonl --jobs 2 crawl.warc.gz > clean.jsonl": _check_warc,
    "zcat pages.jsonl.gz | boilerplate score --format csv - > scores.csv": _check_csv,
    "boilerplate score --format parquet -o scores.parquet scraped.jsonl": _check_parquet,
    "boilerplate clean --format jsonl --removed scraped.jsonl": _check_removed,
    "boilerplate clean --with-metadata --language en,de -o clean.jsonl fineweb.parquet":
        _check_metadata,
    "boilerplate clean crawl.warc.wet.gz dump.jsonl.zst > clean.txt": _check_wet_zst,
}


#: The README's sections with a ``python`` block, and the test that runs it as printed.
PYTHON_BLOCKS = {
    "Recurring boilerplate: the site index":
        "test_sites.py::test_readme_site_index_example_builds_a_non_empty_index",
    "See what was removed": "test_show.py::test_the_readme_example_writes_a_view",
    "Python API": "test_readme.py::test_readme_python_example_runs",
    "Scrapy": "test_scrapy.py::test_readme_settings_block_configures_the_pipeline",
    "datatrove": "test_datatrove.py::test_the_readme_pipeline_runs_as_printed",
}


def test_every_python_block_has_its_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = [section.split("\n", 1)[0] for section in readme.split("\n## ")[1:]
                if "```python\n" in section]
    assert sections == list(PYTHON_BLOCKS)
    for test in PYTHON_BLOCKS.values():
        module, name = test.split("::")
        assert f"def {name}(" in (ROOT / "tests" / module).read_text(encoding="utf-8")


def _runnable(command: str) -> str | None:
    """The part of a README command that runs here (a Quick start line installs first)."""
    if command.startswith("python3 -m pip install . && "):
        return command.removeprefix("python3 -m pip install . && ")
    if any(command.startswith(prefix) for prefix in NOT_RUN):
        return None
    return command


def test_every_command_is_checked():
    runnable = [c for c in map(_runnable, readme_commands()) if c is not None]
    assert sorted(runnable) == sorted(CHECKS)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, tuple[int, str, str | None]]:
    """Every command run once, in README order, in one folder (the index commands build on
    each other), and checked right after it ran (two commands write ``clean.jsonl``): exit
    code, stderr, and what its check found wrong (``None``)."""
    folder = tmp_path_factory.mktemp("readme")
    make_workspace(folder, (ROOT / "data" / "seed-page.txt").read_text(encoding="utf-8"))
    (folder / "data").mkdir()
    shutil.copy(ROOT / "data" / "seed-page.txt", folder / "data" / "seed-page.txt")
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(folder), "LC_ALL": "C.UTF-8"}
    ran: dict[str, tuple[int, str, str | None]] = {}
    for command, check in CHECKS.items():
        completed = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=folder,
                                   env=env, capture_output=True, text=True, timeout=600,
                                   check=False)
        wrong = None
        if completed.returncode == 0:
            try:
                check(folder, completed.stdout)
            except AssertionError as error:
                wrong = f"{error}\nstdout: {completed.stdout[:2000]}"
        ran[command] = (completed.returncode, completed.stderr, wrong)
    return ran


@pytest.mark.parametrize("command", list(CHECKS))
def test_readme_command_gives_what_the_readme_says(results, command):
    code, err, wrong = results[command]
    assert code == 0, err
    assert wrong is None, wrong
