"""The Scrapy item pipeline: on its own, and in a real crawl of a small local site."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

scrapy = pytest.importorskip("scrapy")

from scrapy.settings import Settings  # noqa: E402

from classifier.integrations.scrapy import BoilerplatePipeline, PipelineSettings  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

FOOTER = ("© 2024 Riverside Gazette. All rights reserved. About us · Contact · Privacy policy · "
          "Terms of use")
DISCLAIMER = ("Disclaimer: The Riverside Gazette provides the content of this website for "
              "general information purposes only. It does not constitute financial, legal or "
              "medical advice, and we make no warranty as to its accuracy or completeness. "
              "Readers should consult a qualified professional before acting on any information "
              "published here, and we accept no liability for any loss arising from reliance on "
              "it.")
ARTICLES = {
    "bridge": ("City council approves new bridge over the river", [
        "The city council voted on Tuesday to approve construction of a new pedestrian bridge "
        "across the river, ending years of debate over the crossing.",
        "Councillor Maria Lopez said the bridge would connect the two halves of the old town "
        "and make it easier for families to reach the market on weekends.",
        "Work is expected to begin in the spring and to last about eighteen months, according "
        "to the city's engineering department."]),
    "library": ("Library extends its opening hours after record year", [
        "The central library will stay open until nine in the evening from next month, after "
        "the number of visitors rose by a third last year.",
        "Head librarian Tom Becker said students preparing for exams had asked for the change, "
        "and that volunteers would help staff the extra hours.",
        "The library also plans to expand its collection of audiobooks and to host a weekly "
        "reading club for teenagers."]),
    "harvest": ("Farmers expect an early harvest after a warm spring", [
        "Growers in the valley say the warm and dry spring has brought the apple harvest "
        "forward by almost two weeks this year.",
        "Anna Novak, who runs an orchard north of the town, said the fruit was smaller than "
        "usual but unusually sweet, and that pickers were already in short supply.",
        "The regional farmers' association warned that a lack of rain in August could still "
        "reduce yields across the district."]),
    "marathon": ("Thousands run the first marathon through the old town", [
        "More than four thousand runners took part on Sunday in the first marathon to pass "
        "through the narrow streets of the old town.",
        "The winner, a local teacher named David Okafor, crossed the finish line by the "
        "cathedral in just over two hours and twenty minutes.",
        "Organisers said they hoped to make the race an annual event and to add a shorter "
        "course for children next year."]),
    "school": ("New primary school opens its doors to pupils", [
        "A new primary school in the eastern district welcomed its first two hundred pupils "
        "on Monday morning after two years of construction.",
        "Parents praised the bright classrooms and the large playground, although some "
        "complained about the lack of parking near the main entrance.",
        "The headteacher, Sofia Rossi, said the school would focus on music and science and "
        "would open a library for the neighbourhood in the autumn."]),
    "tram": ("Tram line to the airport will open next summer", [
        "The regional transport authority confirmed on Thursday that the new tram line to the "
        "airport will carry its first passengers next summer.",
        "Trams will run every ten minutes during the day, cutting the journey from the main "
        "station to the terminal to under twenty-five minutes.",
        "Tickets will cost the same as on the rest of the network, the authority said, despite "
        "earlier plans for a special airport fare."]),
}


def article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body>"
            f"<nav><a href='/index.html'>Home</a> <a href='/local.html'>Local</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            f"<footer><p>{FOOTER}</p><p class='disclaimer'>{DISCLAIMER}</p></footer>"
            f"</body></html>")


def test_pipeline_on_dict_items_with_both_signatures(model):
    pipeline = BoilerplatePipeline(PipelineSettings(labels_field="labels"))
    pipeline.model = model
    title, paragraphs = ARTICLES["bridge"]
    html = article_html(title, paragraphs)
    new = pipeline.process_item({"url": "https://news.example.com/bridge", "html": html})
    old = pipeline.process_item({"url": "https://news.example.com/bridge", "html": html}, None)
    assert new == old
    assert all(p in new["text"] for p in paragraphs)
    assert FOOTER not in new["text"] and "Disclaimer" not in new["text"]
    assert {"label": "disclaimer", "text": DISCLAIMER}.items() <= new["labels"][-1].items()
    assert "boilerplate_error" not in new


def test_pipeline_on_scrapy_items_and_text_input(model):
    class Story(scrapy.Item):
        url = scrapy.Field()
        body = scrapy.Field()
        clean = scrapy.Field()
        problem = scrapy.Field()

    settings = Settings({"BOILERPLATE_FIELD": "body",
                                         "BOILERPLATE_INPUT_TYPE": "text",
                                         "BOILERPLATE_TEXT_FIELD": "clean",
                                         "BOILERPLATE_ERROR_FIELD": "problem",
                                         "BOILERPLATE_THRESHOLD": "0.5"})
    pipeline = BoilerplatePipeline(PipelineSettings.from_settings(settings))
    assert pipeline.settings.threshold == 0.5
    pipeline.model = model
    _, paragraphs = ARTICLES["library"]
    item = pipeline.process_item(Story(url="u", body="\n\n".join([*paragraphs, DISCLAIMER])))
    assert item["clean"] == "\n\n".join(paragraphs) and "problem" not in item
    broken = pipeline.process_item(Story(url="v"))
    assert broken["clean"] == ""
    assert broken["problem"] == "item has no text or bytes in field 'body'"


SPIDER = textwrap.dedent("""
    import sys

    import scrapy
    from scrapy.crawler import CrawlerProcess

    base, feed = sys.argv[1], sys.argv[2]


    class SiteSpider(scrapy.Spider):
        name = "site"
        start_urls = [base + "/index.html"]

        def parse(self, response):
            for href in response.css("a.story::attr(href)").getall():
                yield response.follow(href, callback=self.parse_story)

        def parse_story(self, response):
            yield {"url": response.url, "html": response.text}


    process = CrawlerProcess(settings={
        "ITEM_PIPELINES": {"classifier.integrations.scrapy.BoilerplatePipeline": 300},
        "BOILERPLATE_LABELS_FIELD": "labels",
        "FEEDS": {feed: {"format": "jsonlines"}},
        "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 20,
        "CLOSESPIDER_TIMEOUT": 90,
        "LOG_LEVEL": "WARNING",
    })
    process.crawl(SiteSpider)
    process.start()
""")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 -- the base class's name
        pass


@pytest.fixture
def site(tmp_path: Path):
    """The site served on localhost: an index linking to one page per article."""
    root = tmp_path / "site"
    root.mkdir()
    links = "".join(f"<li><a class='story' href='/{name}.html'>{title}</a></li>"
                    for name, (title, _) in ARTICLES.items())
    (root / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>")
    for name, (title, paragraphs) in ARTICLES.items():
        (root / f"{name}.html").write_text(article_html(title, paragraphs), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_real_crawl_items_carry_clean_text(site, tmp_path):
    # A subprocess: Twisted's reactor cannot be started twice in one pytest process.
    spider = tmp_path / "crawl.py"
    spider.write_text(SPIDER)
    feed = tmp_path / "items.jsonl"
    # This checkout's package, whatever copy of it is installed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run([sys.executable, str(spider), site, str(feed)], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr
    items = [json.loads(line) for line in feed.read_text().splitlines()]
    by_name = {item["url"].rsplit("/", 1)[1].removesuffix(".html"): item for item in items}
    assert sorted(by_name) == sorted(ARTICLES)
    for name, (title, paragraphs) in ARTICLES.items():
        item = by_name[name]
        assert "boilerplate_error" not in item
        assert item["text"].startswith(title)
        assert all(paragraph in item["text"] for paragraph in paragraphs)
        assert "All rights reserved" not in item["text"] and "Disclaimer" not in item["text"]
        assert "Home" not in item["text"]
        assert {p["label"] for p in item["labels"] if p["text"] in (FOOTER, DISCLAIMER)} <= {
            "disclaimer", "navigation", "other", "advertisement"}


def test_pipeline_shares_one_site_index_over_the_crawl(model, tmp_path):
    path = tmp_path / "crawl.index"
    pipeline = BoilerplatePipeline(PipelineSettings(labels_field="labels", index_path=str(path)))
    pipeline.model = model
    scores = []
    for name, (title, paragraphs) in ARTICLES.items():
        item = pipeline.process_item({"url": f"https://news.example.com/{name}",
                                      "html": article_html(title, paragraphs)})
        scores.append(item["labels"][-1]["score"])
    assert pipeline.index.site_pages("example.com") == len(ARTICLES)
    assert scores[-1] < scores[0]  # the recurring disclaimer, surer with every page
    pipeline.close_spider()
    assert path.exists()
    reopened = BoilerplatePipeline(PipelineSettings(index_path=str(path)))
    reopened.model = model
    reopened.open_spider()
    assert reopened.index.site_pages("example.com") == len(ARTICLES)


def test_readme_settings_block_configures_the_pipeline(tmp_path):
    """The README's settings block, read as a settings module, gives the pipeline those
    settings, and the pipeline cleans an item with them (its index saved on close)."""
    from tests.test_readme_blocks import readme_block

    namespace: dict = {}
    exec(compile(readme_block("Scrapy", "python"), "README", "exec"), namespace)
    settings = {k: v for k, v in namespace.items() if k.isupper()}
    settings["BOILERPLATE_INDEX"] = str(tmp_path / settings["BOILERPLATE_INDEX"])
    assert settings["ITEM_PIPELINES"] == {
        "classifier.integrations.scrapy.BoilerplatePipeline": 300}
    configured = PipelineSettings.from_settings(Settings(settings))
    assert (configured.field, configured.input_type.value, configured.url_field,
            configured.text_field, configured.labels_field, configured.error_field,
            configured.threshold) == ("html", "html", "url", "text", "labels",
                                      "boilerplate_error", 0.5)
    pipeline = BoilerplatePipeline(configured)
    pipeline.open_spider()
    title, paragraphs = ARTICLES["bridge"]
    html = (f"<html><body><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
            + f"<footer><p>{FOOTER}</p></footer></body></html>")
    item = pipeline.process_item({"url": "https://gazette.example.com/bridge", "html": html})
    pipeline.close_spider()
    assert paragraphs[0] in item["text"] and FOOTER not in item["text"]
    assert {row["label"] for row in item["labels"]} >= {"content"}
    assert Path(settings["BOILERPLATE_INDEX"]).exists()
