"""Site keys: one factory decides them, in one order, for the API, the readers and training."""

from __future__ import annotations

import json
import re

from classifier import make_page
from classifier.document import InputKind
from classifier.io.pages import ReadOptions
from classifier.io.readers import read_pages
from classifier.sites import site_of
from classifier.training.examples import record_pages
from tests.clirun import STORY
from tests.conftest import ROOT


def test_site_of_is_the_registered_domain_private_suffixes_included():
    assert site_of("https://news.example.co.uk/a") == "example.co.uk"
    assert site_of("https://one.blogspot.com/") == "one.blogspot.com"
    assert site_of("http://127.0.0.1:8000/x") == "127.0.0.1"
    assert site_of(None) is None and site_of("") is None


def test_make_page_keys_a_page_by_an_explicit_site_else_its_url():
    assert make_page("x", "text", url="https://www.example.com/a").site == "example.com"
    assert make_page("x", "text", url="https://www.example.com/a", site="mine").site == "mine"
    assert make_page("x", "text").site is None
    assert make_page("x", InputKind.HTML, id="p").kind is InputKind.HTML


def test_readers_give_site_option_then_record_field_then_url(tmp_path):
    path = tmp_path / "pages.jsonl"
    rows = [{"id": "a", "url": "https://www.a.example.com/1", "text": STORY},
            {"id": "b", "url": "https://www.a.example.com/2", "site": "field", "text": STORY}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    text = tmp_path / "page.txt"
    text.write_text(STORY)
    assert [p.site for p in read_pages([str(path), str(text)])] == [
        "example.com", "field", None]
    assert [p.site for p in read_pages([str(path), str(text)], ReadOptions(site="given"))] == [
        "given", "given", "given"]


def test_training_pages_are_keyed_by_url_and_without_one_by_the_corpus_key():
    html = f"<html><body><p>{STORY}</p></body></html>"
    record = {"id": "r1", "url": "https://one.blogspot.com/post", "site": "blogspot.com",
              "html": html, "gold_text": STORY}
    assert {page.site for page in record_pages(record)} == {"one.blogspot.com"}
    without_url = {**record, "url": None}
    assert {page.site for page in record_pages(without_url)} == {"blogspot.com"}


def _readme_block(section: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", readme.split(f"\n## {section}\n", 1)[1], re.S)
    assert match, f"no python block in the {section} section"
    return match.group(1)


def test_readme_site_index_example_builds_a_non_empty_index(capsys):
    """The README's Python site-index example, run as printed: every page it makes gets its
    site from its URL, so the index holds one site of five pages and the recurring note is
    found on the four other pages of each page."""
    namespace: dict = {}
    exec(compile(_readme_block("Recurring boilerplate: the site index"), "README", "exec"),
         namespace)
    index, pages = namespace["index"], namespace["pages"]
    assert index.stats()["sites"] == 1 and index.stats()["pages"] == 5
    note = [p for page in pages for p in page.paragraphs if p.text == namespace["NOTE"]]
    assert len(note) == 5 and all(p.recurrence.pages == 4 for p in note)
    assert "{'sites': 1, 'pages': 5," in capsys.readouterr().out
