"""Text renderings of HTML pages, as scrapers produce them, for text-mode training and tests."""

from __future__ import annotations

import html
import re

import html_text

from classifier.document import Paragraph

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
#: Control characters lxml refuses in text nodes (html-text would raise on them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def scraper_text(html: str) -> str:
    """The page as a scraper's text: html-text with layout guessing, blank lines between blocks.

    This is the rendering the text-mode benchmark feeds every extractor.
    """
    return html_text.extract_text(_CONTROL.sub(" ", html), guess_layout=True)


def joined_paragraphs(paragraphs: list[Paragraph]) -> str:
    """Our own HTML segmentation rendered as text: paragraphs separated by blank lines."""
    return "\n\n".join(p.text for p in paragraphs)


def paragraphs_html(text: str) -> str:
    """``text`` as a minimal HTML document, one ``<p>`` per blank-line-separated block.

    This is how peers, which only read HTML, are fed text-mode input.
    """
    blocks = (block.strip() for block in _BLANK_LINES.split(text))
    body = "\n".join(f"<p>{html.escape(block)}</p>" for block in blocks if block)
    return f"<html><body>\n{body}\n</body></html>"
