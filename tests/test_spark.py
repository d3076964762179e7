"""The Spark job on a real local Spark (``local[2]``): its joined output parts are the bytes
``boilerplate score`` and ``clean`` write for the same crawl (four input files, 20 sites,
re-crawled URLs, pages without a site, an empty page), whatever the shuffle's partitions and
with a small site cap; and it runs from ``spark-submit`` and from ``python`` alike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.spark_job import SITES, write_crawl
from classifier.fingerprints import IndexConfig
from classifier.sites import site_of
from classifier.spark import SparkJob, run_job

pyspark = pytest.importorskip("pyspark", reason="the spark extra is not installed "
                              "(pip install '.[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (Spark needs one; .ci/run installs it)", allow_module_level=True)

#: Spark's own settings for the tests: two local cores, no web UI, the loopback address, and
#: the Python running the tests on both sides.
ENV = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
       "SPARK_LOCAL_IP": "127.0.0.1"}
SMALL_CAP = 25


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> list[str]:
    return [str(p) for p in write_crawl(tmp_path_factory.mktemp("crawl"))]


@pytest.fixture(scope="module")
def context() -> Iterator[pyspark.SparkContext]:
    saved = {key: os.environ.get(key) for key in ENV}
    os.environ.update(ENV)
    conf = (pyspark.SparkConf().setMaster("local[2]").setAppName("boilerplate-test")
            .set("spark.ui.enabled", "false"))
    context = pyspark.SparkContext(conf=conf)
    context.setLogLevel("ERROR")
    try:
        yield context
    finally:
        context.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _cli(*args: str) -> bytes:
    """What ``boilerplate ARGS`` writes to stdout (run as users run it)."""
    result = subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True,
                            env={**os.environ, **ENV}, check=False)
    assert result.returncode in (0, 1), result.stderr.decode()
    return result.stdout


@pytest.fixture(scope="module")
def cli_score(crawl) -> bytes:
    return _cli("score", "--format", "jsonl", "--quiet", "--jobs", "2", *crawl)


def _joined(folder: Path) -> bytes:
    assert (folder / "_SUCCESS").exists()
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*")))


def test_the_crawl_is_what_the_test_says(crawl, cli_score):
    records = [json.loads(line) for line in cli_score.splitlines()]
    assert 1800 <= len(records) <= 2100
    assert len(crawl) == 4 and crawl[-1].endswith(".warc.gz")
    urls = [r["url"] for r in records if r["url"]]
    assert len(set(urls)) < len(urls)  # re-crawled
    assert {site_of(url) for url in urls} == {name for name, _ in SITES}  # 20 sites
    assert site_of("https://news1.example.com/") == site_of("https://news2.example.com/")
    assert [r["error"] for r in records if "error" in r] == ["empty page"]
    assert {"no-site-1", "no-site-2"} <= {r["id"] for r in records if r["url"] is None}


@pytest.mark.parametrize("partitions", [1, 5])
def test_score_is_the_cli_output_for_any_partitions(context, crawl, cli_score, tmp_path,
                                                    model, partitions):
    counts = run_job(context, SparkJob(inputs=tuple(crawl), output=str(tmp_path / "out"),
                                       partitions=partitions), model)
    assert _joined(tmp_path / "out") == cli_score
    assert (counts.pages, counts.errors) == (cli_score.count(b"\n"), 1)
    assert len(list((tmp_path / "out").glob("part-*"))) == len(crawl)


def test_a_small_site_cap_is_the_cli_output_with_the_same_cap(context, crawl, cli_score,
                                                              tmp_path, model):
    expected = _cli("score", "--format", "jsonl", "--quiet", "--jobs", "2",
                    "--max-site-pages", str(SMALL_CAP), *crawl)
    assert expected != cli_score  # the cap changes the evidence of the larger sites
    run_job(context, SparkJob(inputs=tuple(crawl), output=str(tmp_path / "out"), partitions=3,
                              index=IndexConfig(max_site_pages=SMALL_CAP)), model)
    assert _joined(tmp_path / "out") == expected


def test_clean_from_python_is_the_cli_output(crawl, tmp_path):
    """``boilerplate spark clean`` run by plain ``python``, starting its own Spark."""
    expected = _cli("clean", "--format", "jsonl", "--quiet", "--jobs", "2",
                    "--max-site-pages", str(SMALL_CAP), *crawl)
    result = subprocess.run(
        [sys.executable, "-m", "classifier", "spark", "clean",
         "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--partitions", "2",
         "--max-site-pages", str(SMALL_CAP), "--output", str(tmp_path / "out"), *crawl],
        capture_output=True, env={**os.environ, **ENV}, check=False)
    assert result.returncode == 1, result.stderr.decode()[-2000:]  # the empty page's error
    assert _joined(tmp_path / "out") == expected
    assert b"1 error; 4 parts in" in result.stderr


def test_spark_submit_runs_the_job_from_a_manifest(crawl, tmp_path):
    """``spark-submit`` given the package's ``__main__.py``, two inputs listed in a manifest
    (one of them as a file:// URI), cleaned with what it removed."""
    inputs = [crawl[1], crawl[3]]
    expected = _cli("clean", "--format", "jsonl", "--removed", "--quiet", *inputs)
    manifest = tmp_path / "inputs.txt"
    manifest.write_text("# the crawl\n" + "\n".join([Path(inputs[0]).as_uri(), *inputs[1:]])
                        + "\n", encoding="utf-8")
    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    main = Path(__file__).resolve().parents[1] / "classifier" / "__main__.py"
    result = subprocess.run(
        [str(submit), "--master", "local[2]", "--conf", "spark.ui.enabled=false", str(main),
         "spark", "clean", "--removed", "--manifest", str(manifest),
         "--output", str(tmp_path / "out")],
        capture_output=True, env={**os.environ, **ENV}, check=False)
    assert result.returncode in (0, 1), result.stderr.decode()[-2000:]
    assert _joined(tmp_path / "out") == expected
