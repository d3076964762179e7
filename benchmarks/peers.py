"""Peer boilerplate removers, each wrapped as ``html -> text``, as ``quality.py`` runs them.

Every wrapper is called with default settings (except where its name says otherwise) so that
the benchmark measures what a user gets out of the box. A wrapper may raise or return None;
the benchmark turns both into an empty extraction and counts a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import justext
import trafilatura
from boilerpy3 import extractors as boilerpy3_extractors
from readability import Document
from resiliparse.extract.html2text import extract_plain_text

# The page as a browser-like text rendering (html-text, blank lines between blocks): the same
# rendering the text-mode model trains on.
from classifier.training.render import scraper_text as render_text

#: An extractor for one page: HTML in, plain text (or None when it gives up) out.
PageExtractor = Callable[[str], "str | None"]

_JUSTEXT_STOPLIST = justext.get_stoplist("English")

# Peers log a warning per odd page (empty output, parse fallbacks); in a benchmark of hundreds
# of pages that drowns the report, and failures are counted by the benchmark instead.
for _logger in ("trafilatura", "readability", "readability.readability", "boilerpy3"):
    logging.getLogger(_logger).setLevel(logging.CRITICAL)


def trafilatura_default(page_html: str) -> str | None:
    """trafilatura with its defaults (which keep user comments)."""
    return trafilatura.extract(page_html)


def trafilatura_no_comments(page_html: str) -> str | None:
    """trafilatura without user comments, the setting closest to the gold of every corpus."""
    return trafilatura.extract(page_html, include_comments=False)


def justext_paragraphs(page_html: str) -> str:
    """jusText's non-boilerplate paragraphs (English stoplist), joined by blank lines."""
    paragraphs = justext.justext(page_html, _JUSTEXT_STOPLIST)
    return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def boilerpy3_article(page_html: str) -> str:
    """boilerpy3's ArticleExtractor (boilerpipe's article model)."""
    # A fresh extractor per page (cheap: a chain of filter objects), so no page can see state
    # a filter kept from the previous one.
    return boilerpy3_extractors.ArticleExtractor().get_content(page_html)


def readability_text(page_html: str) -> str:
    """readability-lxml's article summary HTML, rendered to text like the input renderings."""
    return render_text(Document(page_html).summary())


def resiliparse_main_content(page_html: str) -> str:
    """Resiliparse's plain-text extraction with its main-content heuristics."""
    return extract_plain_text(page_html, preserve_formatting=True, main_content=True)


#: The peers by the name the benchmark reports them under, in report order.
PEERS: dict[str, PageExtractor] = {
    "trafilatura": trafilatura_default,
    "trafilatura-no-comments": trafilatura_no_comments,
    "justext": justext_paragraphs,
    "boilerpy3": boilerpy3_article,
    "readability-lxml": readability_text,
    "resiliparse": resiliparse_main_content,
}


def versions() -> dict[str, str]:
    """Installed versions of the peer packages, for the report."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("trafilatura", "jusText", "boilerpy3", "readability-lxml", "Resiliparse",
                    "html-text", "lxml"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:  # a peer vendored or installed without metadata
            found[package] = "unknown"
    return found
