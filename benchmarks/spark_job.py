"""Pages per second of the Spark job against the CLI on the same crawl, and what it shuffles.

    python benchmarks/spark_job.py [--pages 2000] [--master local[2]] [--partitions 4]
                                   [--json PATH]

Writes a synthetic crawl (``write_crawl``: 20 registered domains, three JSON-lines files and a
gzipped WARC, with re-crawled URLs, pages without a site and an empty page; the test of the
job reads the same crawl), then times, each from start to its last byte written:

* ``cli``: ``boilerplate score --format jsonl`` as a subprocess (start-up included, ``--jobs``
  1 and 2, the default two passes with the site index);
* ``spark``: ``boilerplate spark score --format jsonl`` as a subprocess on ``--master``
  (JVM and executors' start-up included), after checking its joined parts are byte-identical
  to the CLI's output.

Shuffle bytes and task times come from Spark's own event log (``spark.eventLog.enabled``):
per stage, the bytes its tasks wrote to the shuffle ("Shuffle Bytes Written", after Spark's
compression) and their run time, over the pages read.
Pages are generated, not read from the corpora, so the benchmark runs anywhere; it needs the
``spark`` extra and a Java runtime.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from classifier.distributed import Position, SitePage, answer_sites, site_pages
from classifier.fingerprints import IndexConfig
from classifier.io.pages import ReadOptions
from classifier.io.readers import read_source

WORDS = ("the of and to in a is that for it as was with be by on not this are or from at which "
         "market company said year government people report minister city court police new "
         "growth share price election council water school health energy plan study percent "
         "week month official statement investors analysts research hospital trade harbour "
         "bridge river museum storm budget").split()
#: Registered domains (by the Public Suffix List; ``blogspot.com`` is a private suffix, so each
#: blog is a site of its own) and the hosts their pages use (subdomains of one site).
SITES = [
    ("harbour-times.com", ("www.harbour-times.com", "news.harbour-times.com")),
    ("rivergazette.co.uk", ("www.rivergazette.co.uk",)),
    ("alpine-ledger.de", ("alpine-ledger.de", "sport.alpine-ledger.de")),
    ("coastwatch.org", ("coastwatch.org",)),
    ("marketpulse.net", ("www.marketpulse.net",)),
    ("citybeat.com.au", ("citybeat.com.au",)),
    ("example.com", ("news1.example.com", "news2.example.com")),
    ("gardenjournal.blogspot.com", ("gardenjournal.blogspot.com",)),
    ("travelnotes.blogspot.com", ("travelnotes.blogspot.com",)),
    ("valley-herald.com", ("www.valley-herald.com",)),
    ("northstar.news", ("northstar.news",)),
    ("techdigest.io", ("www.techdigest.io",)),
    ("healthwire.org", ("healthwire.org", "blog.healthwire.org")),
    ("farmreport.ca", ("www.farmreport.ca",)),
    ("islandvoice.co.nz", ("islandvoice.co.nz",)),
    ("sciencedaily-clone.com", ("www.sciencedaily-clone.com",)),
    ("courtwatch.us", ("courtwatch.us",)),
    ("energyobserver.eu", ("energyobserver.eu",)),
    ("schoolnews.ie", ("www.schoolnews.ie",)),
    ("portcity.fr", ("portcity.fr", "en.portcity.fr")),
]
FILES = ("crawl-1.jsonl", "crawl-2.jsonl.gz", "crawl-3.jsonl", "crawl-4.warc.gz")


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def _page(rng: random.Random, site: int, number: int, html: bool) -> str:
    """A page of ``site``: its template (menu, share bar, footer, a disclaimer whose date and
    editor change) around an article of its own."""
    name = SITES[site][0]
    disclaimer = (f"The information published by {name} on {rng.choice(['May', 'June'])} "
                  f"{rng.randint(1, 28)} was checked by editor {rng.choice(['Ann', 'Bo', 'Cy'])}"
                  " and is provided for general information only; it is not financial, legal or "
                  "medical advice, and we accept no liability for any loss arising from it.")
    story = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
             for _ in range(rng.randint(3, 7))]
    headline = f"{_sentence(rng)[:-1]} ({number})"
    if not html:
        return "\n\n".join([f"Home | News | Sport | {name}", headline, *story,
                            "Share on Facebook | Share on X | Email", disclaimer,
                            f"© 2026 {name}. All rights reserved."])
    body = "".join(f"<p>{text}</p>" for text in story)
    return (f"<html><head><title>{headline}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a>"
            f" <a href='/about'>{name}</a></nav><article><h1>{headline}</h1>{body}</article>"
            f"<div class='share'>Share on Facebook | Share on X | Email</div>"
            f"<footer><p class='disclaimer'>{disclaimer}</p>"
            f"<p>© 2026 {name}. All rights reserved.</p></footer></body></html>")


def _warc(records: list[dict], path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for number, record in enumerate(records):
        body = record["html"].encode("utf-8")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        warc = writer.create_warc_record(record["url"], "response", payload=io.BytesIO(body),
                                         http_headers=http)
        warc.rec_headers.replace_header("WARC-Record-ID",
                                        f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>")
        warc.rec_headers.replace_header("WARC-Date", "2026-01-01T00:00:00Z")
        writer.write_record(warc)
        if number == 3:  # a record that is not a page, passed over
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")],
                                     protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                record["url"] + ".png", "response", payload=io.BytesIO(b"\x89PNG\r\n\x1a\n"),
                http_headers=image))
    path.write_bytes(buffer.getvalue())


def write_crawl(folder: Path, pages: int = 2000, seed: int = 0) -> list[Path]:
    """A crawl of about ``pages`` pages of the 20 ``SITES`` (from a few pages to a few hundred
    each) as the four ``FILES`` in ``folder``; returns their paths in order. The same bytes for
    the same arguments.

    Besides HTML pages it holds text pages, pages without a URL or site (scored alone), one
    with an explicit ``site`` field, an empty page (an error record), and re-crawled URLs
    (the same URL again later, with another story, in the same file and in others).
    """
    rng = random.Random(seed)
    weights = [rng.choice([1, 2, 4, 8, 16]) for _ in SITES]
    records: list[dict] = []
    urls: list[str] = []
    for number in range(pages - 12):
        site = rng.choices(range(len(SITES)), weights)[0]
        html = rng.random() < 0.8
        url = f"https://{rng.choice(SITES[site][1])}/story/{number}"
        record = {"id": f"p{number}", "url": url,
                  ("html" if html else "text"): _page(rng, site, number, html)}
        records.append(record)
        urls.append(url)
    for number in range(8):  # re-crawled: a URL seen before, another story
        url = urls[rng.randrange(len(urls) // 2)]
        site = next(i for i, (_, hosts) in enumerate(SITES) if url.split("/")[2] in hosts)
        records.insert(rng.randrange(len(records) // 2, len(records)),
                       {"id": f"again{number}", "url": url,
                        "html": _page(rng, site, 10_000 + number, True)})
    tenth = len(records) // 10
    records.insert(5, {"id": "no-site-1", "text": _page(rng, 0, 20_001, False)})
    records.insert(3 * tenth, {"id": "no-site-2", "html": _page(rng, 3, 20_002, True)})
    records.insert(4 * tenth, {"id": "empty", "url": "https://coastwatch.org/empty", "html": ""})
    records.insert(5 * tenth, {"id": "given-site", "site": "coastwatch.org",
                               "text": _page(rng, 3, 20_003, False)})
    quarter = len(records) // 4
    parts = [records[:quarter], records[quarter:2 * quarter], records[2 * quarter:3 * quarter]]
    warc = [r for r in records[3 * quarter:] if "html" in r and "url" in r and r["html"]]
    paths = [folder / name for name in FILES]
    for path, part in zip(paths, parts, strict=False):
        text = "".join(json.dumps(record) + "\n" for record in part)
        if path.suffix == ".gz":
            path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        else:
            path.write_text(text, encoding="utf-8")
    _warc(warc, paths[3])
    return paths


#: The job's stages in the order Spark runs them (``classifier.spark.run_job``).
STAGES = ("read, segment, prints", "per site: index, evidence", "read, score, write")


def stage_metrics(event_log: Path) -> list[dict[str, float]]:
    """Per stage of the job, in order: shuffle bytes written and task seconds (wall time of
    its tasks, Python workers' time included), summed over its tasks, from a Spark event log
    (one JSON event per line)."""
    stages: dict[int, dict[str, float]] = {}
    for line in event_log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event.get("Event") != "SparkListenerTaskEnd":
            continue
        metrics = event.get("Task Metrics") or {}
        stage = stages.setdefault(event["Stage ID"], {"shuffle_bytes": 0, "task_seconds": 0.0})
        stage["shuffle_bytes"] += (metrics.get("Shuffle Write Metrics") or {}).get(
            "Shuffle Bytes Written", 0)
        stage["task_seconds"] += metrics.get("Executor Run Time", 0) / 1000
    return [stages[n] for n in sorted(stages)]


def prints_size(paths: list[str]) -> dict[str, float]:
    """Stages 1 and 2 in this process over ``paths`` (no Spark): pages, paragraphs a page, the
    bytes a page of what stage 1 emits, pickled as Spark pickles it before its shuffle
    compression (and zlib level 1, a stand-in for that compression), and stage 2's CPU time a
    page (every site's index built, then asked by each of its pages)."""
    config = IndexConfig()
    pages = paragraphs = pickled = packed = 0
    emitted: list[tuple[Position, SitePage]] = []
    for source, path in enumerate(paths):
        pages += sum(1 for _ in read_source(path, ReadOptions()))
        for position, page in site_pages(read_source(path, ReadOptions()), source, config):
            paragraphs += len(page.fingerprints.keys)
            data = pickle.dumps(((page.site, position), (page.page_key, page.fingerprints)))
            pickled += len(data)
            packed += len(zlib.compress(data, 1))
            emitted.append((position, page))
    emitted.sort(key=lambda item: (item[1].site, item[0]))
    started = time.process_time()
    for _ in answer_sites(emitted, config):
        pass
    return {"pages": pages, "paragraphs_per_page": round(paragraphs / pages, 1),
            "pickled_bytes_per_page": round(pickled / pages),
            "zlib_bytes_per_page": round(packed / pages),
            "stage_2_cpu_ms_per_page": round(1000 * (time.process_time() - started) / pages, 2)}


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds ``command`` took; exit status 1 is expected (the crawl's empty page)."""
    started = time.perf_counter()
    status = subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode
    if status not in (0, 1):
        sys.exit(f"{' '.join(command[:5])}... failed with exit status {status}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--prints-of", nargs="*", default=[], metavar="PATH",
                        help="Also measure stage 1's output size on these inputs (e.g. the "
                             "corpora in ../shared/datasets), in this process.")
    args = parser.parse_args()
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as folder:
        root = Path(folder)
        paths = [str(p) for p in write_crawl(root, args.pages)]
        cli_out = root / "cli.jsonl"
        boilerplate = [sys.executable, "-m", "classifier"]
        cli_seconds = {jobs: _timed([*boilerplate, "score", "--format", "jsonl", "--quiet",
                                     "--jobs", str(jobs), "--output", str(cli_out), *paths], env)
                       for jobs in (1, 2)}
        events = root / "events"
        events.mkdir()
        spark_seconds = _timed(
            [*boilerplate, "spark", "score", "--quiet",
             "--master", args.master, "--partitions", str(args.partitions),
             "--conf", "spark.ui.enabled=false", "--conf", "spark.eventLog.enabled=true",
             "--conf", f"spark.eventLog.dir={events.as_uri()}",
             "--conf", "spark.eventLog.rolling.enabled=false",
             "--conf", "spark.eventLog.compress=false",
             "--output", str(root / "spark"), *paths], env)
        expected = cli_out.read_bytes()
        parts = sorted((root / "spark").glob("part-*"))
        if b"".join(p.read_bytes() for p in parts) != expected:
            sys.exit("the Spark job's output differs from the CLI's")
        pages = expected.count(b"\n")
        stages = stage_metrics(next(events.iterdir()))
    result = {
        "pages": pages, "master": args.master, "partitions": args.partitions,
        "cli_pages_per_s": {f"jobs {jobs}": round(pages / seconds, 1)
                            for jobs, seconds in cli_seconds.items()},
        "spark_pages_per_s": round(pages / spark_seconds, 1),
        "shuffle_bytes_per_page": round(sum(s["shuffle_bytes"] for s in stages) / pages, 1),
        "stages": [{"stage": name, "shuffle_bytes_per_page": round(s["shuffle_bytes"] / pages, 1),
                    "task_ms_per_page": round(1000 * s["task_seconds"] / pages, 2)}
                   for name, s in zip(STAGES, stages, strict=True)],
    }
    print(f"{pages} pages, {len(paths)} input files; the Spark job's output is byte-identical")
    for jobs, seconds in cli_seconds.items():
        print(f"cli   score --jobs {jobs}: {pages / seconds:.1f} pages/s ({seconds:.1f} s)")
    print(f"spark score {args.master}, {args.partitions} partitions: "
          f"{result['spark_pages_per_s']} pages/s ({spark_seconds:.1f} s)")
    print(f"shuffled: {result['shuffle_bytes_per_page']} bytes a page")
    for stage in result["stages"]:
        print(f"  {stage['stage']}: {stage['task_ms_per_page']} task ms a page, "
              f"{stage['shuffle_bytes_per_page']} shuffle bytes written a page")
    for path in args.prints_of:
        size = result.setdefault("prints_of", {})[Path(path).name] = prints_size([path])
        print(f"stage 1 on {Path(path).name}: {size['pages']} pages, "
              f"{size['paragraphs_per_page']} paragraphs a page, prints "
              f"{size['pickled_bytes_per_page']} bytes a page pickled, "
              f"{size['zlib_bytes_per_page']} after zlib -1; stage 2 "
              f"{size['stage_2_cpu_ms_per_page']} CPU ms a page")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
