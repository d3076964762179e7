"""A Scrapy item pipeline that cleans each page as the crawl scrapes it.

Enable it in the project's settings (needs the ``scrapy`` extra)::

    ITEM_PIPELINES = {"classifier.integrations.scrapy.BoilerplatePipeline": 300}

and configure it with settings (defaults in brackets):

- ``BOILERPLATE_FIELD`` [``"html"``]: the item field holding the page.
- ``BOILERPLATE_INPUT_TYPE`` [``"html"``]: ``"html"``, or ``"text"`` for text the spider already
  pulled out of the page (paragraphs separated by blank lines).
- ``BOILERPLATE_URL_FIELD`` [``"url"``]: the item field holding the page's URL.
- ``BOILERPLATE_TEXT_FIELD`` [``"text"``]: where the cleaned text goes.
- ``BOILERPLATE_LABELS_FIELD`` [unset]: where to put every paragraph with its label and score
  (``[{"index", "label", "score", "text"}, ...]``), for auditing.
- ``BOILERPLATE_ERROR_FIELD`` [``"boilerplate_error"``]: set when a page cannot be cleaned.
- ``BOILERPLATE_THRESHOLD`` [the model's, from its card]: probability of content from which a
  paragraph is kept.
- ``BOILERPLATE_KEEP_COMMENTS`` [``False``]: also keep readers' comments.
- ``BOILERPLATE_MODEL`` [the shipped model] and ``BOILERPLATE_TRUST_MODEL`` [``False``]: a model
  file of your own (loading one runs code from it, so only files you trust).
- ``BOILERPLATE_INDEX`` [unset]: a site index file to start from and to save the crawl's
  index to when the spider closes (atomically), so evidence accumulates across crawls.

Every page is added to one ``SiteIndex`` shared by the whole crawl before it is scored, so a
disclaimer or footer that recurs on the pages of a site is caught with more confidence as the
crawl sees more of the site (evidence comes from the pages scraped before it, and from the
index file).

Items may be dicts or ``scrapy.Item`` s (an Item must declare the fields the pipeline writes).
No item is ever dropped: one whose page is missing, empty, too large or fails to score keeps
going down the pipeline with an empty text field and the error field saying why.
The model is loaded once, when the spider opens. Pages are scored in the crawl's thread, one
at a time, without the batch runner's time limit; pages over ``io.pages.MAX_PAGE_BYTES_DEFAULT``
are refused, which bounds the time one page can take.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from classifier.api import ScoringOptions, clean_page, index_page
from classifier.artifact import Model, load_model
from classifier.document import InputKind, Page
from classifier.io.pages import page_from_bytes, page_from_text
from classifier.io.writers import paragraph_records
from classifier.labels import Label
from classifier.recurrence import SiteIndex
from classifier.runner import score_resiliently

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSettings:
    """The pipeline's configuration; ``from_settings`` reads it from Scrapy settings."""

    field: str = "html"
    input_type: InputKind = InputKind.HTML
    url_field: str = "url"
    text_field: str = "text"
    labels_field: str | None = None
    error_field: str = "boilerplate_error"
    threshold: float | None = None
    keep_comments: bool = False
    model_path: str | None = None
    trust_model: bool = False
    index_path: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> PipelineSettings:
        """Read ``BOILERPLATE_*`` settings (a ``scrapy.settings.Settings``)."""
        return cls(
            field=settings.get("BOILERPLATE_FIELD", cls.field),
            input_type=InputKind(settings.get("BOILERPLATE_INPUT_TYPE", cls.input_type.value)),
            url_field=settings.get("BOILERPLATE_URL_FIELD", cls.url_field),
            text_field=settings.get("BOILERPLATE_TEXT_FIELD", cls.text_field),
            labels_field=settings.get("BOILERPLATE_LABELS_FIELD") or None,
            error_field=settings.get("BOILERPLATE_ERROR_FIELD", cls.error_field),
            threshold=(settings.getfloat("BOILERPLATE_THRESHOLD")
                       if settings.get("BOILERPLATE_THRESHOLD") is not None else None),
            keep_comments=settings.getbool("BOILERPLATE_KEEP_COMMENTS", cls.keep_comments),
            model_path=settings.get("BOILERPLATE_MODEL") or None,
            trust_model=settings.getbool("BOILERPLATE_TRUST_MODEL", cls.trust_model),
            index_path=settings.get("BOILERPLATE_INDEX") or None,
        )

    def options(self) -> ScoringOptions:
        """The scoring options these settings stand for."""
        keep = {Label.CONTENT, Label.COMMENT} if self.keep_comments else {Label.CONTENT}
        return ScoringOptions(threshold=self.threshold, keep=frozenset(keep))


class BoilerplatePipeline:
    """Writes each item's cleaned text (and optionally its labelled paragraphs) into the item.

    Supports both ``process_item(item)`` and the older ``process_item(item, spider)``.
    """

    def __init__(self, settings: PipelineSettings | None = None) -> None:
        self.settings = settings or PipelineSettings()
        self.options = self.settings.options()
        self.model: Model | None = None
        self.index: SiteIndex | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> BoilerplatePipeline:
        """Scrapy's constructor hook: the pipeline configured from the crawl's settings."""
        return cls(PipelineSettings.from_settings(crawler.settings))

    def open_spider(self, spider: Any = None) -> None:
        """Load the model and the crawl's site index once for the whole crawl."""
        self._load()

    def _load(self) -> Model:
        """The model and the site index, loaded on first use."""
        if self.model is None:
            self.model = load_model(self.settings.model_path, trust=self.settings.trust_model)
        if self.index is None:
            path = self.settings.index_path
            self.index = SiteIndex.load(path) if path and Path(path).exists() else SiteIndex()
        return self.model

    def close_spider(self, spider: Any = None) -> None:
        """Save the site index (when ``BOILERPLATE_INDEX`` is set) and release the model."""
        if self.index is not None and self.settings.index_path:
            self.index.save(self.settings.index_path)
        self.model = None
        self.index = None

    def process_item(self, item: Any, spider: Any = None) -> Any:
        """Clean the page in ``item`` and write the result into it; returns the item."""
        adapter = ItemAdapter(item)
        page = self._score(self._page(adapter))
        settings = self.settings
        adapter[settings.text_field] = clean_page(page, self.options)
        if settings.labels_field:
            adapter[settings.labels_field] = paragraph_records(page)
        if page.error is not None:
            adapter[settings.error_field] = page.error
            logger.warning("boilerplate: %s: %s", page.id, page.error)
        return item

    def _page(self, adapter: ItemAdapter) -> Page:
        settings = self.settings
        url = adapter.get(settings.url_field)
        url = str(url) if url is not None else None
        id = url or ""
        value = adapter.get(settings.field)
        if isinstance(value, bytes):
            return page_from_bytes(value, settings.input_type, id, url=url)
        if isinstance(value, str):
            return page_from_text(value, settings.input_type, id, url=url)
        return Page(id=id, raw="", kind=settings.input_type, url=url,
                    error=f"item has no text or bytes in field '{settings.field}'")

    def _score(self, page: Page) -> Page:
        if page.error is not None:
            return page
        model = self._load()
        if self.index is not None:
            index_page(page, self.index)
        return score_resiliently([page], model, self.options, self.index)[0]
