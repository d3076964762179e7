"""The site index through the CLI: two passes, a persistent --index, and the Python API
giving the same answers as the CLI."""

import json

from click.testing import CliRunner

from classifier import load_model, make_page, score_pages
from classifier.cli import main
from classifier.recurrence import SiteIndex
from classifier.segment import segment_text

FOOTER = ("Market data is provided by Example Data Ltd and may be delayed by up to twenty "
          "minutes. Nothing on this page is an offer or a recommendation to buy or sell any "
          "security, and past performance is no guide to future returns.")
STORIES = [
    "The harbour authority opened a second ferry terminal on the east bank this morning.",
    "A local bakery won the regional prize for its rye bread for the third year running.",
    "Rail workers agreed a new contract after talks that lasted most of the weekend.",
    "The library will stay open until ten in the evening during the exam season.",
    "Volunteers planted four hundred trees along the old canal path on Sunday.",
    "The football club confirmed that its new stadium will be ready next August.",
]


def _jsonl(tmp_path, name="pages.jsonl", stories=STORIES, first=0):
    lines = [json.dumps({"id": f"p{i}", "url": f"https://news.example.com/{i}",
                         "text": f"{story}\n\n{story} It was reported by our staff.\n\n{FOOTER}"})
             for i, story in enumerate(stories, start=first)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _records(output):
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_index_build_update_stats(tmp_path):
    runner = CliRunner()
    index = tmp_path / "site.index"
    result = runner.invoke(main, ["index", "build", "--index", str(index),
                                  str(_jsonl(tmp_path, stories=STORIES[:3]))])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pages"] == 3
    result = runner.invoke(main, ["index", "update", "--index", str(index),
                                  str(_jsonl(tmp_path, "more.jsonl", STORIES[2:], first=2))])
    assert json.loads(result.stdout)["pages"] == 6  # p2 again: same URL, counted once
    result = runner.invoke(main, ["index", "stats", "--index", str(index)])
    assert json.loads(result.stdout) == {**json.loads(result.stdout), "sites": 1, "pages": 6}


def test_corrupt_index_is_a_clear_usage_error(tmp_path):
    index = tmp_path / "site.index"
    index.write_bytes(b"PK\x03\x04 this is not really an index")
    result = CliRunner().invoke(main, ["score", "--index", str(index), "--format", "jsonl",
                                       str(_jsonl(tmp_path))])
    assert result.exit_code == 2
    assert "truncated or corrupt" in result.output
    assert "Traceback" not in result.output


def test_run_shares_evidence_and_persists_it(tmp_path):
    runner = CliRunner()
    pages = _jsonl(tmp_path)
    index = tmp_path / "site.index"
    result = runner.invoke(main, ["score", "--format", "jsonl", "-q", "--time-limit", "0",
                                  "--index", str(index), str(pages)])
    assert result.exit_code == 0, result.output
    assert index.exists() and SiteIndex.load(index).stats()["pages"] == len(STORIES)
    alone = runner.invoke(main, ["score", "--format", "jsonl", "-q", "--time-limit", "0",
                                 "--no-recurrence", str(pages)])
    with_evidence = {r["id"]: r["paragraphs"][2]["score"] for r in _records(result.stdout)}
    without = {r["id"]: r["paragraphs"][2]["score"] for r in _records(alone.stdout)}
    assert all(with_evidence[k] < without[k] for k in without)


def test_index_without_recurrence_is_refused_not_ignored(tmp_path):
    index = tmp_path / "site.index"
    result = CliRunner().invoke(main, ["clean", "-q", "--no-recurrence", "--index", str(index),
                                       str(_jsonl(tmp_path))])
    assert result.exit_code == 2
    assert "--index needs recurrence evidence" in result.output
    assert not index.exists()


def test_stdin_is_spooled_for_two_passes(tmp_path):
    data = _jsonl(tmp_path).read_text()
    result = CliRunner().invoke(main, ["score", "--format", "jsonl", "-q", "--time-limit", "0",
                                       "--input-type", "jsonl", "-"], input=data)
    assert result.exit_code == 0, result.output
    records = _records(result.stdout)
    assert [r["id"] for r in records] == [f"p{i}" for i in range(len(STORIES))]


def test_python_api_gives_the_cli_answers(tmp_path):
    pages_file = _jsonl(tmp_path)
    cli = CliRunner().invoke(main, ["score", "--format", "jsonl", "-q", "--time-limit", "0",
                                    str(pages_file)])
    model = load_model()
    index = SiteIndex()
    records = [json.loads(line) for line in pages_file.read_text().splitlines()]
    pages = [make_page(r["text"], "text", id=r["id"], url=r["url"], site="example.com")
             for r in records]
    from classifier.api import index_page

    for page in pages:
        index_page(page, index)
    scored = list(score_pages(pages, model, index=index))
    for record, page in zip(_records(cli.stdout), scored, strict=True):
        labels = [p.label.value for p in page.paragraphs]
        assert [p["label"] for p in record["paragraphs"]] == labels
        assert [p["score"] for p in record["paragraphs"]] == [round(p.content_probability, 4)
                                                             for p in page.paragraphs]


def test_first_pass_in_workers_builds_the_same_index(tmp_path):
    from classifier.io.readers import read_pages
    from classifier.runner import RunOptions, build_index

    path = _jsonl(tmp_path)
    here = build_index(read_pages([str(path)]), run_options=RunOptions(jobs=1, time_limit=None))
    workers = build_index(read_pages([str(path)]), run_options=RunOptions(jobs=2))
    assert workers.stats() == here.stats()
    probe = make_page(f"A new story.\n\n{FOOTER}", "text", id="new",
                      url="https://news.example.com/new", site="example.com")
    probe.paragraphs = segment_text(probe.raw)
    assert workers.recurrence(probe) == here.recurrence(probe)


def test_max_site_pages_keeps_a_site_to_its_cap_and_stays_with_the_index_file(tmp_path):
    pages = _jsonl(tmp_path)
    index = tmp_path / "site.index"
    runner = CliRunner()
    result = runner.invoke(main, ["index", "build", "--index", str(index),
                                  "--max-site-pages", "4", str(pages)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pages"] == 4  # of six
    assert SiteIndex.load(index).config.max_site_pages == 4
    for args in (["--max-site-pages", "4"], []):  # the file's own cap, given or not
        result = runner.invoke(main, ["score", "--format", "jsonl", "--quiet", "--index",
                                      str(index), *args, str(pages)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["score", "--index", str(index), "--max-site-pages", "0",
                                  str(pages)])
    assert result.exit_code == 2
    assert "keeps 4 pages of a site at most (--max-site-pages 4)" in result.output
    result = runner.invoke(main, ["index", "build", "--index", str(index),
                                  "--max-site-pages", "0", str(pages)])
    assert json.loads(result.output)["pages"] == 6
    assert SiteIndex.load(index).config.max_site_pages is None


def test_spark_usage_errors_come_before_spark_starts(tmp_path):
    pages = str(_jsonl(tmp_path))
    (tmp_path / "empty").mkdir()
    runner = CliRunner()
    for args, message in [
            ([], "give input PATHS or --manifest"),
            (["-"], "not stdin"),
            (["--conf", "spark.ui.enabled", pages], "--conf takes KEY=VALUE"),
            (["--threshold", "0.5", "--precision", pages], "not both"),
            ([str(tmp_path / "empty")], "no input files")]:
        result = runner.invoke(main, ["spark", "clean", "--output", str(tmp_path / "out"),
                                      *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
    assert not (tmp_path / "out").exists()
