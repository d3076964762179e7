"""The headline, byline and dateline of a page's story: editorial, whatever the corpus's gold says.

The corpora disagree on a story's lead lines: Dragnet's and CleanEval's annotators copied the
headline on most pages but not all, and bylines now and then; WCXB keeps the title out of its
gold (in ``gold_title``) and mostly the bylines and dates too. ``DESIGN.md`` counts the headline
and byline as editorial text, so training labels follow one convention on every corpus: the
headline paragraph, and the byline and dateline paragraphs between it and the story's body, are
``content``. The benchmarks still measure against each corpus's gold as it is.

- **Headline**: the paragraph that is the page's title (WCXB's ``gold_title``, else the HTML
  ``<title>``, which often adds the site's name: "Headline | Site"): its word tokens and the
  title's hold one another as a run, covering most of the shorter, and it is not a link (a
  teaser of the same story elsewhere on the page is). Of several, a heading (``h1`` first) and
  then the one nearest before the first body paragraph.
- **Byline and dateline**: the short paragraphs between the headline and the first body
  paragraph (at most ``LEAD_SPAN`` after the headline) that name an author ("By ...") or a
  date, or sit under a byline/author/date class or id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifier.document import Paragraph
from classifier.evaluation import word_tokens
from classifier.labels import Label

#: Longest headline, in word tokens.
HEADLINE_MAX_TOKENS = 40
#: Share of the shorter of headline and title the longer must hold, as one run of tokens.
TITLE_COVER = 0.5
#: A headline is not mostly link text.
HEADLINE_MAX_LINK_DENSITY = 0.5
#: Paragraphs after the headline searched for a byline or dateline, and their longest length.
LEAD_SPAN = 4
BYLINE_MAX_TOKENS = 25
#: A body paragraph: content of at least this many word tokens.
BODY_MIN_TOKENS = 12
_HEADING_RANK = {"h1": 0, "h2": 1, "h3": 1, "h4": 2, "h5": 2, "h6": 2}
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
#: "By Jane Doe", a date in words or digits, "3 hours ago", "Updated", "Published".
BYLINE_TEXT = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|written by|posted by|words by)\s"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\b"
    r"|\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"
    r"|\b\d+\s+(?:minutes?|hours?|days?|weeks?)\s+ago\b|\b(?:updated|published|posted)\b",
    re.I,
)
BYLINE_CLASS = re.compile(
    r"^(?:byline|bylines|author|authors|dateline|date|time|timestamp|pubdate|published|posted|"
    r"entry-meta|post-meta|article-meta|meta)$"
)


def _holds_run(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i: i + n] == shorter for i in range(len(longer) - n + 1))


def is_title(text: str, title: str) -> bool:
    """Whether ``text`` is the page title ``title``: one holds the other's tokens as a run
    that covers at least ``TITLE_COVER`` of the longer."""
    tokens, wanted = word_tokens(text), word_tokens(title)
    if not tokens or not wanted or len(tokens) > HEADLINE_MAX_TOKENS:
        return False
    shorter, longer = sorted((tokens, wanted), key=len)
    return len(shorter) >= TITLE_COVER * len(longer) and _holds_run(longer, shorter)


def _first_body(paragraphs: Sequence[Paragraph], labels: Sequence[Label]) -> int | None:
    return next((p.index for p, label in zip(paragraphs, labels, strict=True)
                 if label is Label.CONTENT and len(word_tokens(p.text)) >= BODY_MIN_TOKENS), None)


def headline_index(paragraphs: Sequence[Paragraph], labels: Sequence[Label], title: str
                   ) -> int | None:
    """The index of the page's headline paragraph (see the module docstring), or ``None``."""
    body = _first_body(paragraphs, labels)
    if body is None or not title:
        return None
    candidates = [p for p in paragraphs[: body + 1]
                  if p.link_density < HEADLINE_MAX_LINK_DENSITY and is_title(p.text, title)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (_HEADING_RANK.get(p.tag, 3), body - p.index)).index


def is_byline(paragraph: Paragraph) -> bool:
    """A short paragraph naming an author or a date, or under a byline/date class or id."""
    if len(word_tokens(paragraph.text)) > BYLINE_MAX_TOKENS:
        return False
    return bool(BYLINE_TEXT.search(paragraph.text)
                or any(BYLINE_CLASS.match(token) for token in paragraph.ancestors[:4]))


def lead_indexes(paragraphs: Sequence[Paragraph], labels: Sequence[Label], title: str
                 ) -> list[int]:
    """The headline and the byline/dateline paragraphs after it, before the body."""
    headline = headline_index(paragraphs, labels, title)
    if headline is None:
        return []
    body = _first_body(paragraphs, labels)
    end = min(headline + 1 + LEAD_SPAN, body if body is not None else len(paragraphs))
    return [headline, *(p.index for p in paragraphs[headline + 1: end] if is_byline(p))]


def with_lead(paragraphs: Sequence[Paragraph], labels: Sequence[Label], title: str
              ) -> list[Label]:
    """``labels`` with the page's headline, byline and dateline paragraphs made ``content``."""
    lead = set(lead_indexes(paragraphs, labels, title))
    return [Label.CONTENT if i in lead else label for i, label in enumerate(labels)]


def lead_texts(paragraphs: Sequence[Paragraph], labels: Sequence[Label], title: str
               ) -> list[str]:
    """The texts of ``lead_indexes``, to find the same lines in a text rendering."""
    return [paragraphs[i].text for i in lead_indexes(paragraphs, labels, title)]


def with_lead_texts(paragraphs: Sequence[Paragraph], labels: Sequence[Label],
                    texts: Sequence[str]) -> list[Label]:
    """``labels`` of a text rendering with the paragraphs that are (or hold, as most of their
    tokens) one of the HTML page's lead ``texts`` made ``content``: of several, the last one
    before the rendering's first body paragraph (a breadcrumb may repeat a headline)."""
    body = _first_body(paragraphs, labels)
    limit = len(paragraphs) if body is None else body
    out = list(labels)
    for text in texts:
        wanted = word_tokens(text)
        found = [p.index for p in paragraphs[:limit]
                 if (tokens := word_tokens(p.text)) and len(wanted) >= TITLE_COVER * len(tokens)
                 and _holds_run(tokens, wanted)]
        if found:
            out[found[-1]] = Label.CONTENT
    return out
