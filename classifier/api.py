"""The library's main path: segment → recurrence → features → model → labels → clean text.

One path decides and cleans: ``decide`` turns the model's probabilities into labels at a
threshold (the model's own, from its card, unless ``ScoringOptions`` says otherwise) and
``kept_text`` joins the paragraphs whose label is kept; the evaluation reads the same two.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING

from classifier.artifact import Model, load_model
from classifier.document import InputKind, Page
from classifier.labels import LABELS, Label
from classifier.language import identify_language
from classifier.segment import segment
from classifier.sites import make_page

# numpy and the features are imported where pages are scored, so that importing the library
# (and ``boilerplate --help``) does not wait for numpy, pandas and scikit-learn.
if TYPE_CHECKING:
    import numpy as np

    from classifier.recurrence import SiteIndex

#: Pages scored together: one model call per batch amortises its fixed cost.
BATCH_PAGES_DEFAULT = 64
#: Paragraphs of one page the model reads at once. A longer page (no real page comes near:
#: a hostile text of a million one-letter paragraphs does) is read a window of this many
#: paragraphs at a time, each window as a page of its own, so that the model's memory stays
#: within a window's (a few kilobytes a paragraph) whatever the page's length.
PAGE_WINDOW_PARAGRAPHS = 50_000
#: The trade-offs a model card keeps a threshold for besides its own (``ScoringOptions.preset``).
PRESETS = ("precision", "recall")
#: The labels whose paragraphs ``clean`` keeps unless told otherwise: the editorial text.
KEEP_DEFAULT = frozenset({Label.CONTENT})


@dataclass(frozen=True)
class ScoringOptions:
    """How pages are scored and cleaned.

    ``threshold``: probability of content (0..1) from which a paragraph is labelled content;
    ``None`` (the default) for the model's own, chosen on dev and kept in its card.
    ``preset``: instead of a threshold, a trade-off whose threshold was chosen on dev and kept
    in the card (``"precision"``: keep less boilerplate, lose more story; ``"recall"``: the
    other way round).
    ``keep``: labels whose paragraphs ``clean`` keeps (add ``Label.COMMENT`` for comments).
    ``batch_pages``: pages per model call. ``language``: name each page's language
    (``Page.language``) from its kept text (``language.identify_language``; its model loads on
    first use, about a second).
    """

    threshold: float | None = None
    keep: frozenset[Label] = KEEP_DEFAULT
    batch_pages: int = BATCH_PAGES_DEFAULT
    language: bool = False
    preset: str | None = None

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.preset is not None and self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        if self.preset is not None and self.threshold is not None:
            raise ValueError("give a threshold or a preset, not both")
        if self.batch_pages < 1:
            raise ValueError(f"batch_pages must be at least 1, got {self.batch_pages}")

    def threshold_for(self, model: Model) -> float:
        """The threshold pages are scored at with ``model``: this one, else the preset's in the
        model's card, else the model's own."""
        if self.threshold is not None:
            return self.threshold
        return model.threshold if self.preset is None else model.preset_threshold(self.preset)


def _fallback_columns(proba: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.argmax(proba[:, 1:], axis=1) + 1 if len(proba) else np.zeros(0, dtype=int)


def fallback_labels(proba: np.ndarray) -> list[Label]:
    """Per row of probabilities in ``LABELS`` order, the likeliest label other than content:
    the row's label whenever its content probability is under the threshold."""
    return [LABELS[i] for i in _fallback_columns(proba)]


def decide(proba: np.ndarray, threshold: float) -> tuple[list[Label], np.ndarray]:
    """Labels and content scores from probabilities in ``LABELS`` order.

    Content when its probability reaches ``threshold``; otherwise the likeliest other label.
    """
    import numpy as np

    content = proba[:, 0]
    chosen = np.where(content >= threshold, 0, _fallback_columns(proba))
    return [LABELS[i] for i in chosen], content


#: The error of a page with nothing but white space, from every path (API, CLI, Scrapy).
EMPTY_PAGE = "empty page"


def segment_safely(page: Page) -> Page:
    """Segment ``page`` unless it has paragraphs or an error; a blank page gets the error
    ``EMPTY_PAGE``, a failure its own."""
    if page.error is None and not page.paragraphs:
        if not page.raw or page.raw.isspace():
            page.error = EMPTY_PAGE
            return page
        try:
            segment(page)
        except Exception as error:  # one broken page must not sink its batch
            page.error = f"segmentation failed: {type(error).__name__}: {error}"
    return page


def predict_batch(pages: list[Page], model: Model, index: SiteIndex | None = None
                  ) -> tuple[list[Page], np.ndarray]:
    """Segment ``pages`` (if needed) and give the paragraphs of those without an error to the
    model in one call: those pages, and a row of probabilities (``LABELS`` order) for each of
    their paragraphs, in order.

    With ``index``, each paragraph's recurrence on the other pages of its site is read from it
    first (the index is not changed; add pages to it beforehand).
    """
    import numpy as np

    from classifier.features import paragraph_table

    pages = [segment_safely(page) for page in pages]
    live = [page for page in pages if page.error is None and page.paragraphs]
    if index is not None:
        for page in live:
            index.annotate(page)
    if not live:
        return live, np.zeros((0, len(LABELS)))
    return live, np.concatenate([model.predict_proba(paragraph_table(pages))
                                 for pages in _model_calls(live)])


def _model_calls(pages: list[Page]) -> Iterator[list[Page]]:
    """``pages`` as the model reads them: together, but for a page longer than
    ``PAGE_WINDOW_PARAGRAPHS``, read alone a window at a time; rows stay in order."""
    if all(len(page.paragraphs) <= PAGE_WINDOW_PARAGRAPHS for page in pages):
        yield pages
        return
    together: list[Page] = []
    for page in pages:
        if len(page.paragraphs) <= PAGE_WINDOW_PARAGRAPHS:
            together.append(page)
            continue
        if together:
            yield together
            together = []
        for start in range(0, len(page.paragraphs), PAGE_WINDOW_PARAGRAPHS):
            yield [replace(page, raw="", paragraphs=page.paragraphs[
                start: start + PAGE_WINDOW_PARAGRAPHS])]
    if together:
        yield together


def batches(pages: Iterable[Page], size: int = BATCH_PAGES_DEFAULT) -> Iterator[list[Page]]:
    """``pages`` in lists of ``size`` (the last one shorter), for one model call each."""
    iterator = iter(pages)
    while batch := list(islice(iterator, size)):
        yield batch


def score_batch(pages: list[Page], model: Model, options: ScoringOptions,
                index: SiteIndex | None = None) -> list[Page]:
    """Label every paragraph of ``pages`` in one model call (``predict_batch``), and name their
    language if ``options`` ask; pages with an error are left as is."""
    live, proba = predict_batch(pages, model, index)
    if live:
        labels, content = decide(proba, options.threshold_for(model))
        rows = iter(zip(labels, content.tolist(), fallback_labels(proba), strict=True))
        for page in live:
            # The page's paragraphs first: zip stops at its last without taking another row.
            for paragraph, (label, probability, fallback) in zip(page.paragraphs, rows,
                                                                 strict=False):
                paragraph.label = label
                paragraph.content_probability = probability
                paragraph.fallback_label = fallback
            if options.language:
                page.language = identify_language(clean_page(page, options))
    return pages


def score_pages(pages: Iterable[Page], model: Model | None = None,
                options: ScoringOptions | None = None, index: SiteIndex | None = None
                ) -> Iterator[Page]:
    """Segment (if needed) and label each page's paragraphs, yielding pages in input order.

    ``pages``: ``Page`` s from ``make_page``. A page that cannot be scored comes back with
    ``page.error`` set and no paragraphs; nothing raises for one bad page.
    ``index``: a ``SiteIndex`` holding the site's pages (these included, or not) whose
    recurrence evidence the model reads; without one, recurrence is unknown. A ``model`` or
    ``options`` of the wrong type raises ``TypeError``.
    """
    if model is not None and not isinstance(model, Model):
        raise TypeError(f"model must be a Model (from load_model), not {type(model).__name__}")
    if options is not None and not isinstance(options, ScoringOptions):
        raise TypeError(f"options must be ScoringOptions, not {type(options).__name__}")
    model = model or load_model()
    options = options or ScoringOptions()
    for batch in batches(pages, options.batch_pages):
        yield from score_batch(batch, model, options, index)


def index_page(page: Page, index: SiteIndex) -> Page:
    """Segment ``page`` (if needed) and add it to ``index``; returns the page."""
    segment_safely(page)
    if page.error is None:
        index.add(page)
    return page


def kept_text(raws: Sequence[str], labels: Sequence[Label | None],
              keep: frozenset[Label] = KEEP_DEFAULT) -> str:
    """The paragraphs (``raws``) whose label is in ``keep``, verbatim, separated by blank
    lines: what ``clean`` gives."""
    return "\n\n".join(raw for raw, label in zip(raws, labels, strict=True) if label in keep)


def clean_page(page: Page, options: ScoringOptions | None = None) -> str:
    """The kept paragraphs of a scored page, verbatim, separated by blank lines."""
    return kept_text([p.raw for p in page.paragraphs], [p.label for p in page.paragraphs],
                     (options or ScoringOptions()).keep)


def clean_many(raws: Iterable[str], kind: InputKind | str, model: Model | None = None,
               options: ScoringOptions | None = None) -> list[str]:
    """The editorial text of each raw page (all ``kind``: ``"html"`` or ``"text"``), in order."""
    options = options or ScoringOptions()
    pages = (make_page(raw, kind, id=str(i)) for i, raw in enumerate(raws))
    return [clean_page(page, options) for page in score_pages(pages, model, options)]


def score_html(html: str, url: str | None = None, model: Model | None = None,
               options: ScoringOptions | None = None) -> Page:
    """One HTML page (a ``str``; decode bytes first), segmented and labelled.

    The ``Page`` holds ``paragraphs`` in page order, each with its ``text``, ``label`` (a
    ``Label``) and ``content_probability`` (0..1), and the page's ``url`` and ``site``. A page
    that cannot be scored does not raise: it comes back with no paragraphs and ``page.error``
    saying why (``"empty page"`` for a blank one, as the CLI says). ``url`` (optional) keys
    the page's site; ``model``: the shipped one by default (load it once with ``load_model``
    for many calls). Arguments of the wrong type raise ``TypeError``."""
    return next(score_pages([make_page(html, InputKind.HTML, url=url)], model, options))


def score_text(text: str, url: str | None = None, model: Model | None = None,
               options: ScoringOptions | None = None) -> Page:
    """One text page (a ``str``, paragraphs separated by blank lines), segmented and labelled:
    a ``Page`` as ``score_html`` gives, errors in ``page.error``."""
    return next(score_pages([make_page(text, InputKind.TEXT, url=url)], model, options))


def clean_html(html: str, url: str | None = None, model: Model | None = None,
               options: ScoringOptions | None = None) -> str:
    """The editorial text of one HTML page (a ``str``), paragraphs separated by blank lines;
    ``""`` when nothing is kept or the page has an error (``score_html`` gives the error)."""
    return clean_page(score_html(html, url, model, options), options)


def clean_text(text: str, url: str | None = None, model: Model | None = None,
               options: ScoringOptions | None = None) -> str:
    """The editorial text of one text page (a ``str``), its paragraphs verbatim; ``""`` when
    nothing is kept or the page has an error (``score_text`` gives the error)."""
    return clean_page(score_text(text, url, model, options), options)
