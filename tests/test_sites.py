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


def test_html_without_a_url_is_keyed_by_its_canonical_link_else_og_url():
    canonical = ('<html><head><link href="https://www.news.example.co.uk/a?x=1&amp;y=2" '
                 'rel="canonical"><meta property="og:url" content="https://other.org/a">'
                 f"</head><body><p>{STORY}</p></body></html>")
    og = '<html><head><meta content="https://blog.example.org/p" property="og:url"></head>'
    assert make_page(canonical, "html").site == "example.co.uk"
    assert make_page(og, "html").site == "example.org"
    # A URL or an explicit site wins; relative links and text pages name no site.
    assert make_page(canonical, "html", url="https://mine.net/a").site == "mine.net"
    assert make_page(canonical, "html", site="given").site == "given"
    assert make_page('<link rel="canonical" href="/a">', "html").site is None
    assert make_page(canonical, "text").site is None


def test_a_run_of_pages_without_site_keys_warns(tmp_path):
    from tests.clirun import invoke

    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a.html", "b.html"):
        (pages / name).write_text(f"<html><body><p>{STORY}</p></body></html>")
    index = tmp_path / "x.index"
    code, out, err = invoke("index", "build", "--index", str(index), str(pages))
    assert code == 0 and json.loads(out)["pages"] == 0
    assert "warning: none of the 2 pages has a site key" in err and "--site" in err
    code, _, err = invoke("clean", str(pages))
    assert code == 0 and "warning: none of the 2 pages has a site key" in err
    # With canonical links the pages are keyed, the index holds them, and nothing is said.
    for name in ("a.html", "b.html"):
        (pages / name).write_text(
            f'<html><head><link rel="canonical" href="https://news.example.com/{name}">'
            f"</head><body><p>{STORY}</p></body></html>")
    code, out, err = invoke("index", "build", "--index", str(index), str(pages))
    assert code == 0 and json.loads(out)["sites"] == 1 and json.loads(out)["pages"] == 2
    assert "warning" not in err
