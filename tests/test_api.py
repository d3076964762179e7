"""The Python API's contract with its callers: types, errors in ``page.error``."""

from __future__ import annotations

import re

import lxml.html
import pytest

from classifier import (
    api,
    clean_html,
    clean_text,
    make_page,
    score_html,
    score_pages,
    score_text,
)
from tests.clirun import STORY
from tests.conftest import ROOT


@pytest.mark.parametrize("call", [clean_html, clean_text, score_html, score_text])
def test_wrong_types_raise_type_error(call, model):
    for wrong in (None, b"<p>bytes</p>", lxml.html.fromstring(f"<p>{STORY}</p>")):
        with pytest.raises(TypeError, match="must be a str"):
            call(wrong, model=model)
    with pytest.raises(TypeError, match="url must be"):
        call(STORY, model)  # the model given where the URL goes
    with pytest.raises(TypeError, match="options must be ScoringOptions"):
        call(STORY, model=model, options={"threshold": 0.5})


def test_empty_pages_have_the_cli_s_error(model):
    for blank in ("", "  \n\n \t"):
        page = score_html(blank, model=model)
        assert page.error == "empty page" and page.paragraphs == []
        assert score_text(blank, model=model).error == "empty page"
        assert clean_html(blank, model=model) == ""
    with pytest.raises(TypeError, match="model must be a Model"):
        list(score_pages([make_page(STORY, "text")], model="default"))


def test_the_package_is_typed_for_its_users():
    assert (ROOT / "classifier" / "py.typed").exists()
    assert re.search(r'^"classifier" = \[.*"py.typed"', (ROOT / "pyproject.toml").read_text(),
                     re.M)


def test_a_page_longer_than_the_window_is_read_a_window_at_a_time(model, monkeypatch):
    """Its paragraphs are scored as pages of their own, a window each, in order, while the
    pages of normal length around it are scored as ever."""
    story = "A paragraph of a story that reads like prose and ends as a sentence does."
    long_text = "\n\n".join(f"{story} Part {i}." if i % 7 else "Share" for i in range(50))
    short = ["Alone before.\n\n" + story, story + "\n\nAlone after."]
    expected = [[p.content_probability for p in api.score_text(text, model=model).paragraphs]
                for text in short]
    windows = ["\n\n".join(long_text.split("\n\n")[start: start + 20]) for start in (0, 20, 40)]
    expected_long = [p.content_probability for window in windows
                     for p in api.score_text(window, model=model).paragraphs]
    monkeypatch.setattr(api, "PAGE_WINDOW_PARAGRAPHS", 20)
    pages = [make_page(text, "text", id=str(i))
             for i, text in enumerate([short[0], long_text, short[1]])]
    scored = list(api.score_pages(pages, model))
    assert [p.content_probability for p in scored[1].paragraphs] == expected_long
    assert [[p.content_probability for p in page.paragraphs] for page in scored[::2]] == expected
    assert [p.index for p in scored[1].paragraphs] == list(range(50))
