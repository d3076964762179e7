"""The library's main path: segment → recurrence → features → model → labels → clean text."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from classifier.artifact import Model, load_model
from classifier.document import InputKind, Page
from classifier.features import paragraph_table
from classifier.labels import LABELS, Label
from classifier.recurrence import SiteIndex
from classifier.segment import segment

#: Probability of content from which a paragraph is kept. Chosen on the dev split (mean token
#: F1 of html and text mode over dragnet, cleaneval and l3s-gn1; see the model card).
THRESHOLD_DEFAULT = 0.35
#: Pages scored together: one model call per batch amortises its fixed cost.
BATCH_PAGES_DEFAULT = 64


@dataclass(frozen=True)
class Options:
    """How pages are scored and cleaned.

    ``threshold``: probability of content (0..1) from which a paragraph is labelled content.
    ``keep``: labels whose paragraphs ``clean`` keeps (add ``Label.COMMENT`` for comments).
    ``batch_pages``: pages per model call.
    """

    threshold: float = THRESHOLD_DEFAULT
    keep: frozenset[Label] = field(default_factory=lambda: frozenset({Label.CONTENT}))
    batch_pages: int = BATCH_PAGES_DEFAULT


def make_page(raw: str, kind: InputKind | str, id: str = "", url: str | None = None) -> Page:
    """A page from its raw text or HTML, not yet segmented."""
    return Page(id=id, raw=raw, kind=InputKind(kind), url=url)


def decide(proba: np.ndarray, threshold: float) -> tuple[list[Label], np.ndarray]:
    """Labels and content scores from probabilities in ``LABELS`` order.

    Content when its probability reaches ``threshold``; otherwise the likeliest other label.
    """
    content = proba[:, 0]
    other = np.argmax(proba[:, 1:], axis=1) + 1 if len(proba) else np.zeros(0, dtype=int)
    chosen = np.where(content >= threshold, 0, other)
    return [LABELS[i] for i in chosen], content


def segment_safely(page: Page) -> Page:
    """Segment ``page`` unless it has paragraphs or an error; a failure becomes its error."""
    if page.error is None and not page.paragraphs:
        try:
            segment(page)
        except Exception as error:  # one broken page must not sink its batch
            page.error = f"segmentation failed: {type(error).__name__}: {error}"
    return page


def score_batch(pages: list[Page], model: Model, options: Options,
                index: SiteIndex | None = None) -> list[Page]:
    """Label every paragraph of ``pages`` in one model call; pages with an error are left as is.

    With ``index``, each paragraph's recurrence on the other pages of its site is read from it
    first (the index is not changed; add pages to it beforehand).
    """
    pages = [segment_safely(page) for page in pages]
    live = [page for page in pages if page.error is None and page.paragraphs]
    if index is not None:
        for page in live:
            index.annotate(page)
    if live:
        proba = model.predict_proba(paragraph_table(live))
        labels, scores = decide(proba, options.threshold)
        row = 0
        for page in live:
            for paragraph in page.paragraphs:
                paragraph.label = labels[row]
                paragraph.score = float(scores[row])
                row += 1
    return pages


def score_pages(pages: Iterable[Page], model: Model | None = None,
                options: Options | None = None, index: SiteIndex | None = None
                ) -> Iterator[Page]:
    """Segment (if needed) and label each page's paragraphs, yielding pages in input order.

    ``index``: a ``SiteIndex`` holding the site's pages (these included, or not) whose
    recurrence evidence the model reads; without one, recurrence is unknown.
    """
    model = model or load_model()
    options = options or Options()
    iterator = iter(pages)
    while batch := list(islice(iterator, options.batch_pages)):
        yield from score_batch(batch, model, options, index)


def index_page(page: Page, index: SiteIndex) -> Page:
    """Segment ``page`` (if needed) and add it to ``index``; returns the page."""
    segment_safely(page)
    if page.error is None:
        index.add(page)
    return page


def clean_page(page: Page, options: Options | None = None) -> str:
    """The kept paragraphs of a scored page, verbatim, separated by blank lines."""
    keep = (options or Options()).keep
    return "\n\n".join(p.raw for p in page.paragraphs if p.label in keep)


def clean_many(raws: Iterable[str], kind: InputKind | str, model: Model | None = None,
               options: Options | None = None) -> list[str]:
    """The editorial text of each raw page (all ``kind``: ``"html"`` or ``"text"``), in order."""
    options = options or Options()
    pages = (make_page(raw, kind, id=str(i)) for i, raw in enumerate(raws))
    return [clean_page(page, options) for page in score_pages(pages, model, options)]


def score_html(html: str, url: str | None = None, model: Model | None = None,
               options: Options | None = None) -> Page:
    """One HTML page, segmented and labelled."""
    return next(score_pages([make_page(html, InputKind.HTML, url=url)], model, options))


def score_text(text: str, url: str | None = None, model: Model | None = None,
               options: Options | None = None) -> Page:
    """One text page (blank-line paragraphs), segmented and labelled."""
    return next(score_pages([make_page(text, InputKind.TEXT, url=url)], model, options))


def clean_html(html: str, url: str | None = None, model: Model | None = None,
               options: Options | None = None) -> str:
    """The editorial text of one HTML page."""
    return clean_page(score_html(html, url, model, options), options)


def clean_text(text: str, url: str | None = None, model: Model | None = None,
               options: Options | None = None) -> str:
    """The editorial text of one text page, its paragraphs verbatim."""
    return clean_page(score_text(text, url, model, options), options)
