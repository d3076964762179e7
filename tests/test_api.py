"""The Python API's contract with its callers: types, errors in ``page.error``."""

from __future__ import annotations

import re

import lxml.html
import pytest

from classifier import clean_html, clean_text, make_page, score_html, score_pages, score_text
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
