"""What corpus builders keep beside a page's cleaned text: its title and how much of it was
removed, by kind (``--with-metadata``; the language is ``Page.language``)."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

from classifier.document import InputKind, Page
from classifier.labels import Label

_TITLE_OPEN = re.compile(r"<title", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_title(html: str) -> str:
    """The text of a page's ``<title>`` element, white space folded (``""`` when it has none):
    for ``--with-metadata``, and for training's headline labels (``training.lead``)."""
    # What ``<title[^>]*>(.*?)</title\s*>`` finds, in one pass: only the first ``<title`` can
    # start the match (a later one's tag ends no earlier and its closing tag comes no earlier),
    # and one regular expression tried from every ``<title`` costs time quadratic in the page.
    opener = _TITLE_OPEN.search(html)
    start = html.find(">", opener.end()) + 1 if opener else 0
    closer = _TITLE_CLOSE.search(html, start) if start else None
    if closer is None:
        return ""
    return " ".join(unescape(_TAG.sub(" ", html[start:closer.start()])).split())


def page_title(page: Page) -> str | None:
    """An HTML page's ``<title>``, else its first ``h1`` paragraph; ``None`` for a text page
    or a page with neither."""
    if page.kind is not InputKind.HTML:
        return None
    return html_title(page.raw) or next((p.text for p in page.paragraphs if p.tag == "h1"),
                                        None)


def removed_shares(page: Page, keep: frozenset[Label]) -> dict[str, float]:
    """The share of the page's paragraph text (characters, 0..1) removed, by label, for the
    labels not in ``keep``; largest first, rounded to 4 places."""
    total = sum(len(p.text) for p in page.paragraphs)
    removed: Counter[str] = Counter()
    for paragraph in page.paragraphs:
        if paragraph.label is not None and paragraph.label not in keep:
            removed[paragraph.label.value] += len(paragraph.text)
    return {label: round(n / total, 4) for label, n in removed.most_common()} if total else {}
