"""The one document model: a ``Page`` of ``Paragraph`` s, read and annotated by every stage."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
from typing import Any

from classifier.labels import Label


class InputKind(str, Enum):
    """How a page's raw payload is segmented: as text (blank-line blocks) or as HTML. (How an
    input file is read, as JSON lines or WARC say, is ``io.pages.InputFormat``.)"""

    TEXT = "text"
    HTML = "html"


@dataclass(slots=True)
class Recurrence:
    """How often a paragraph recurs on other pages of its site (from a ``SiteIndex``).

    ``pages`` counts other pages of the site holding a near-duplicate; ``share`` is that count
    divided by the number of other pages the site has in the index (0..1); ``jaccard`` is the
    best estimated Jaccard similarity among them (0..1, 1.0 for an exact match).
    ``site_pages`` is how many other pages of the site the index knows.
    """

    pages: int = 0
    share: float = 0.0
    jaccard: float = 0.0
    site_pages: int = 0

    def __reduce__(self) -> tuple[type[Recurrence], tuple[int, float, float, int]]:
        # Pickled as the tuple of its fields, as ``Paragraph`` is.
        return Recurrence, (self.pages, self.share, self.jaccard, self.site_pages)


@dataclass(slots=True)
class Paragraph:
    """One block of a page, with the facts the model reads and the verdict it writes.

    ``text`` is whitespace-normalised; ``raw`` is the paragraph exactly as it stood in a text
    page (for HTML, the same as ``text``), which ``clean`` returns verbatim. DOM fields keep
    their defaults for text pages: ``depth`` counts elements from the root, ``link_density`` is
    the share of characters inside links (0..1), ``ancestors`` holds class/id tokens of the
    paragraph's element and its ancestors, nearest first; ``containers`` numbers the block
    elements enclosing it (its own first, then outwards; unique within the page), so paragraphs
    sharing a container can be weighed together. Scoring fills in ``label``,
    ``content_probability``, the model's probability (0..1) that the paragraph is content
    (written out as ``score``), and ``fallback_label``, the likeliest label other than content:
    the paragraph's label whenever its content probability is under the threshold, kept so
    that it can be labelled again at another threshold (as the audit view's slider does)
    without the model.
    """

    index: int
    text: str
    raw: str
    tag: str = ""
    depth: int = 0
    link_density: float = 0.0
    ancestors: tuple[str, ...] = ()
    containers: tuple[int, ...] = ()
    in_nav: bool = False
    in_header: bool = False
    in_footer: bool = False
    in_aside: bool = False
    in_form: bool = False
    in_main: bool = False
    recurrence: Recurrence | None = None
    label: Label | None = None
    content_probability: float | None = None
    fallback_label: Label | None = None

    def __reduce__(self) -> tuple[type[Paragraph], tuple[Any, ...]]:
        # Pickled as the tuple of its fields (pages go to and from worker processes): half the
        # time of the slots' default state, each way.
        return Paragraph, _paragraph_fields(self)


_paragraph_fields = attrgetter(*(f.name for f in fields(Paragraph)))


@dataclass
class Page:
    """One input record: its identity, raw payload, paragraphs, and any error.

    ``id`` names the record (a path, a JSON line's id, a WARC record id); ``raw`` is the page as
    given (text or HTML, ``kind`` says which); ``url`` the page's URL when known. ``site`` is
    the key under which recurrence evidence is shared, decided by ``sites.make_page`` (a site
    the caller gives, else the registered domain of ``url``, else of the URL an HTML page names
    itself by). ``paragraphs`` are filled in by segmentation and labelled by scoring.
    ``extra`` carries input fields passed through to the output untouched. ``language``: the
    ISO 639-1 code of the kept text's language, when scoring was asked to name it
    (``ScoringOptions(language=True)``). Errors never raise:
    a page that cannot be read, segmented or scored has ``error`` set (e.g. ``"empty page"``)
    and no paragraphs, and is still written out.
    """

    id: str
    raw: str
    kind: InputKind
    url: str | None = None
    site: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
