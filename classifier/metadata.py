"""What corpus builders keep beside a page's cleaned text: its title and how much of it was
removed, by kind (``--with-metadata``; the language is ``Page.language``)."""

from __future__ import annotations

import html
import re
from collections import Counter

from classifier.document import InputKind, Page
from classifier.labels import Label
from classifier.sites import SELF_URL_CHARS

_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def page_title(page: Page) -> str | None:
    """An HTML page's ``<title>`` (in its head: the first ``SELF_URL_CHARS`` characters),
    else its first ``h1`` paragraph; ``None`` for a text page or a page with neither."""
    if page.kind is not InputKind.HTML:
        return None
    match = _TITLE.search(page.raw, 0, SELF_URL_CHARS)
    if match:
        title = _SPACE.sub(" ", html.unescape(_TAGS.sub("", match.group(1)))).strip()
        if title:
            return title
    return next((p.text for p in page.paragraphs if p.tag == "h1"), None)


def removed_shares(page: Page, keep: frozenset[Label]) -> dict[str, float]:
    """The share of the page's paragraph text (characters, 0..1) removed, by label, for the
    labels not in ``keep``; largest first, rounded to 4 places."""
    total = sum(len(p.text) for p in page.paragraphs)
    removed: Counter[str] = Counter()
    for paragraph in page.paragraphs:
        if paragraph.label is not None and paragraph.label not in keep:
            removed[paragraph.label.value] += len(paragraph.text)
    return {label: round(n / total, 4) for label, n in removed.most_common()} if total else {}
