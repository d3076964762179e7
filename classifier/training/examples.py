"""Labelled training pages from corpus records: the HTML page and two text renderings of it.

Every paragraph's ``label`` is filled in (see ``labelling``), and the story's headline, byline
and dateline are content on every corpus (``lead``). Text renderings take content and comment
labels from their own gold alignment, the lead lines the HTML page found, and boilerplate kinds
from the HTML paragraphs they align to, since a text page has no DOM for the weak rules to read.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from joblib import Parallel, delayed

from classifier.document import InputKind, Page, Paragraph
from classifier.fingerprints import link_flags
from classifier.labels import Label
from classifier.metadata import html_title
from classifier.recurrence import SiteIndex
from classifier.segment import segment_html, segment_text
from classifier.sites import make_page
from classifier.training.datasets import split_key
from classifier.training.labelling import label_paragraphs, transfer_kinds
from classifier.training.lead import lead_texts, with_lead, with_lead_texts
from classifier.training.render import joined_paragraphs, scraper_text


def comments_gold(record: dict[str, Any]) -> str:
    """The readers' comments of a record: dragnet's ``gold_comments``, L3S-GN1's comment blocks."""
    if record.get("gold_comments"):
        return str(record["gold_comments"])
    blocks = record.get("gold_blocks") or []
    return "\n\n".join(b["text"] for b in blocks if b["label"] == "comments")


def record_page(record: dict[str, Any], id: str, raw: str, kind: InputKind,
                paragraphs: list[Paragraph]) -> Page:
    """A training page of ``record`` holding ``paragraphs``, its site key decided by
    ``sites.make_page`` from the record's URL. A record without a URL is keyed by the corpus's
    ``split_key``; that key is not given when there is a URL, since it lumps the blogs of one
    host (blogspot.com) together, where sites never do."""
    url = record.get("url")
    page = make_page(raw, kind, id, url=url, site=None if url else split_key(record))
    page.paragraphs = paragraphs
    return page


def page_title(record: dict[str, Any]) -> str:
    """The title of a record's page: WCXB's ``gold_title``, else the HTML ``<title>``."""
    return str(record.get("gold_title") or html_title(record["html"]))


def labelled_paragraphs(record: dict[str, Any], kind: InputKind = InputKind.HTML,
                        text: str | None = None) -> list[Paragraph]:
    """The paragraphs of ``record``, each with its label from ``label_paragraphs`` (gold
    alignment, then the weak rules): its HTML segmented, or for ``InputKind.TEXT`` the text
    ``text`` (a rendering of the page; the scraper's by default)."""
    if kind is InputKind.HTML:
        paragraphs = segment_html(record["html"])
    else:
        paragraphs = segment_text(scraper_text(record["html"]) if text is None else text)
    labels = label_paragraphs(paragraphs, record["gold_text"], comments_gold(record))
    for paragraph, label in zip(paragraphs, labels, strict=True):
        paragraph.label = label
    return paragraphs


def _text_page(record: dict[str, Any], suffix: str, text: str, html_page: Page,
               lead: list[str]) -> Page:
    paragraphs = labelled_paragraphs(record, InputKind.TEXT, text)
    kinds = transfer_kinds(paragraphs, html_page.paragraphs,
                           [p.label or Label.OTHER for p in html_page.paragraphs])
    labels = with_lead_texts(paragraphs, [p.label or Label.OTHER for p in paragraphs], lead)
    for paragraph, kind, label in zip(paragraphs, kinds, labels, strict=True):
        paragraph.label = label
        if label not in (Label.CONTENT, Label.COMMENT):
            paragraph.label = kind or label
    return record_page(record, f"{record['id']}#{suffix}", text, InputKind.TEXT, paragraphs)


def record_pages(record: dict[str, Any]) -> list[Page]:
    """The labelled HTML page of ``record`` and its two text renderings (scraper, joined), the
    story's headline, byline and dateline labelled content in each (``lead``)."""
    paragraphs = labelled_paragraphs(record)
    gold_labels = [p.label or Label.OTHER for p in paragraphs]
    title = page_title(record)
    lead = lead_texts(paragraphs, gold_labels, title)
    for paragraph, label in zip(paragraphs, with_lead(paragraphs, gold_labels, title),
                                strict=True):
        paragraph.label = label
    html_page = record_page(record, record["id"], "", InputKind.HTML, paragraphs)
    return [
        html_page,
        _text_page(record, "scraper-text", scraper_text(record["html"]), html_page, lead),
        _text_page(record, "joined-text", joined_paragraphs(paragraphs), html_page, lead),
    ]


def labelled_pages(records: Iterable[dict[str, Any]], jobs: int = 1) -> list[Page]:
    """``record_pages`` of every record, flattened, in record order; ``jobs`` processes."""
    batches = Parallel(n_jobs=jobs, batch_size=4)(delayed(record_pages)(r) for r in records)
    return [page for batch in batches for page in batch]


def rendering(page: Page) -> str:
    """Which rendering of a page this is (``html``, ``scraper-text``, ...), from its id."""
    return page.id.rpartition("#")[2] if "#" in page.id else page.kind.value


def annotate_leave_one_out(pages: list[Page], indexed_share: float, seed: int) -> int:
    """Give training pages the recurrence evidence a run over their whole site would give.

    Pages are grouped by site (``Page.site``, see ``record_page``) and rendering, so a page is
    never compared with another rendering of itself. Within a group of two or more pages each
    page is queried against the others (leave one page out). A random ``1 - indexed_share`` of
    the groups is left without evidence, so the model also learns to work when no index is
    given. Returns the number of pages annotated.
    """
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[Page]] = {}
    for page in pages:
        if page.site:
            groups.setdefault((page.site, rendering(page)), []).append(page)
    annotated = 0
    for (site, _), group in sorted(groups.items()):
        if len(group) < 2 or rng.random() >= indexed_share:
            continue
        index = SiteIndex()
        for page in group:
            index.add_texts(site, page.id, [p.text for p in page.paragraphs],
                            link_flags(page.paragraphs))
        for page in group:
            answers = index.recurrence_of_texts(site, page.id, [p.text for p in page.paragraphs],
                                                link_flags(page.paragraphs))
            for paragraph, answer in zip(page.paragraphs, answers or [], strict=True):
                paragraph.recurrence = answer
            annotated += 1
    return annotated
