"""A datatrove pipeline step that cleans each document: its text (or HTML) is scored, and the
editorial text written back (needs the ``datatrove`` extra)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from classifier.integrations.datatrove import BoilerplateCleaner

    LocalPipelineExecutor(pipeline=[
        JsonlReader("scraped/"),                  # {"id", "text", "url"?, ...} per line
        BoilerplateCleaner(),                     # text: the editorial text only
        JsonlWriter("cleaned/"),
    ], tasks=4).run()

Each task loads the model once and scores documents in batches. Documents of one site (their
``metadata["url"]``, or ``metadata["site"]``) share recurrence evidence within a task, as in a
crawl with the Scrapy pipeline: every batch joins the task's site index before it is scored, so
a disclaimer that recurs on a site's pages is caught with more confidence as the task reads
more of the site (the index grows with the distinct paragraphs read, about 1.3 KB each;
``recurrence=False`` keeps memory flat). ``metadata["boilerplate"]`` gets the share of the
text removed by label, and with ``language=True`` the language of the kept text. A document
with nothing kept or that cannot be scored is dropped (counted in the step's stats as
``empty`` or ``error``), as datatrove's extractors do, unless ``keep_empty`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from classifier.api import (
    BATCH_PAGES_DEFAULT,
    KEEP_DEFAULT,
    ScoringOptions,
    batches,
    clean_page,
    index_page,
)
from classifier.artifact import Model, load_model
from classifier.document import InputKind, Page
from classifier.io.pages import page_from_text
from classifier.labels import Label
from classifier.metadata import removed_shares
from classifier.recurrence import SiteIndex
from classifier.runner import score_resiliently


class BoilerplateCleaner(PipelineStep):
    """Replaces each document's text by its editorial text.

    ``input_type``: ``"text"`` (paragraphs separated by blank lines, or one per line) or
    ``"html"``. ``threshold``, ``preset`` (``"precision"``, ``"recall"``), ``keep``: as
    ``ScoringOptions`` (by default the model's own threshold, content kept). ``model_path``
    and ``trust_model``: a model file of your own. ``metadata_key``: where the figures go.
    """

    name = "🧹 boilerplate"
    type = "✂️ - FORMAT"

    def __init__(self, input_type: str = "text", threshold: float | None = None,
                 preset: str | None = None, keep: frozenset[Label] = KEEP_DEFAULT,
                 language: bool = False, recurrence: bool = True,
                 batch_pages: int = BATCH_PAGES_DEFAULT, keep_empty: bool = False,
                 model_path: str | None = None, trust_model: bool = False,
                 metadata_key: str = "boilerplate") -> None:
        super().__init__()
        self.kind = InputKind(input_type)
        self.options = ScoringOptions(threshold=threshold, preset=preset, keep=keep,
                                      language=language, batch_pages=batch_pages)
        self.recurrence = recurrence
        self.keep_empty = keep_empty
        self.model_path = model_path
        self.trust_model = trust_model
        self.metadata_key = metadata_key

    def _page(self, document: Document) -> Page:
        metadata = document.metadata
        url = metadata.get("url")
        site = metadata.get("site")
        return page_from_text(document.text, self.kind, str(document.id),
                              url=str(url) if url else None, site=str(site) if site else None)

    def _scored(self, documents: list[Document], model: Model, index: SiteIndex | None
                ) -> list[Page]:
        pages = [self._page(document) for document in documents]
        if index is not None:
            for page in pages:
                if page.error is None:
                    index_page(page, index)
        return score_resiliently(pages, model, self.options, index)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1
            ) -> Iterator[Document]:
        """Clean the documents of ``data`` (one datatrove task), in order."""
        if data is None:
            return
        model = load_model(self.model_path, trust=self.trust_model)
        index = SiteIndex() if self.recurrence else None
        for batch in batches(data, self.options.batch_pages):
            with self.track_time(unit="batch"):
                pages = self._scored(batch, model, index)
            for document, page in zip(batch, pages, strict=True):
                self.stat_update("total")
                yield from self._written(document, page)

    def _written(self, document: Document, page: Page) -> Iterator[Document]:
        figures: dict[str, Any] = {"removed_share": removed_shares(page, self.options.keep)}
        if self.options.language:
            figures["language"] = page.language
        if page.error is not None:
            figures["error"] = page.error
            self.stat_update("error")
        document.metadata[self.metadata_key] = figures
        original = len(document.text)
        document.text = clean_page(page, self.options)
        self.stat_update("removed_chars", value=original - len(document.text))
        if not document.text and page.error is None:
            self.stat_update("empty")
        if document.text or self.keep_empty:
            self.stat_update("forwarded")
            self.update_doc_stats(document)
            yield document
