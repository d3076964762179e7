"""The audit view: each scored page as one self-contained HTML file, and an index of the pages.

Before trusting a cleaner with their pages, people look at what it removed. A page view shows
every paragraph in order, coloured by its label (a legend names the colours: Okabe and Ito's
palette, which stays distinct for the common colour-vision deficiencies, and every label is
also written out), its probability of content as a number and a bar, the recurrence evidence
that gave a template paragraph away, and a threshold slider that labels the paragraphs again,
in the browser, by the library's own rule (``api.decide``) from the probability and the
fallback label each paragraph stores. ``index.html`` lists the pages with what was removed from
each, by kind, in a table sortable by any column.

The files need nothing but a browser: CSS and a little plain JavaScript are inline
(``show.css``, ``show.js`` beside this module). Every text that comes from a page (paragraphs,
id, URL, site, error) is HTML-escaped, and each file carries a Content-Security-Policy that
lets only its own script run (by its sha256) and loads nothing from anywhere, so a page's
markup, scripts and event handlers never run in the view, and viewing it makes no request.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path

from classifier.api import KEEP_DEFAULT, ScoringOptions
from classifier.artifact import Model
from classifier.atomic import atomic_path
from classifier.document import Page, Paragraph
from classifier.labels import LABELS, Label

#: The colour of each label and the ink of text on it: Okabe and Ito's colour-blind-safe
#: palette ("Color Universal Design", 2002).
LABEL_COLOURS: dict[Label, tuple[str, str]] = {
    Label.CONTENT: ("#0072B2", "#ffffff"),
    Label.COMMENT: ("#56B4E9", "#000000"),
    Label.NAVIGATION: ("#E69F00", "#000000"),
    Label.ADVERTISEMENT: ("#D55E00", "#ffffff"),
    Label.DISCLAIMER: ("#CC79A7", "#000000"),
    Label.OTHER: ("#F0E442", "#000000"),
}
#: Opacity (hex alpha) of a label's colour behind its paragraph's text.
TINT_ALPHA = "24"
INDEX_NAME = "index.html"
#: Characters of a page id kept in its view's file name (the tail: paths differ there most).
FILE_ID_CHARS = 60
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ViewOptions:
    """What a view shows besides its page.

    ``threshold``: the probability of content (0..1) the pages were labelled at, where the
    slider starts; ``model_threshold``: the model's own, from its card, named beside it.
    ``keep``: the labels counted as kept (as ``clean`` keeps them). ``model``: one line naming
    the model.
    """

    threshold: float
    model_threshold: float
    keep: frozenset[Label] = KEEP_DEFAULT
    model: str = ""

    def __post_init__(self) -> None:
        for name in ("threshold", "model_threshold"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if not self.keep:
            raise ValueError("keep must name at least one label")

    @classmethod
    def of(cls, model: Model, options: ScoringOptions | None = None) -> ViewOptions:
        """The view of pages scored by ``model`` with ``options`` (``None``: the model's
        threshold and the default labels kept)."""
        options = options or ScoringOptions()
        card = model.card
        return cls(threshold=options.threshold_for(model), model_threshold=model.threshold,
                   keep=options.keep,
                   model=f"{card.get('artifact', 'model')}, sha256 "
                         f"{str(card.get('sha256', ''))[:12]}")


@dataclass
class PageSummary:
    """One row of the index: a page's view file and what was removed from it, by label."""

    file: str
    id: str
    url: str | None
    site: str | None
    paragraphs: int = 0
    chars: int = 0
    removed: Counter[Label] = field(default_factory=Counter)
    removed_chars: int = 0
    error: str | None = None


def summarise(page: Page, keep: frozenset[Label], file: str = "") -> PageSummary:
    """What was removed from ``page`` (paragraphs whose label is not in ``keep``)."""
    summary = PageSummary(file=file, id=page.id, url=page.url, site=page.site,
                          paragraphs=len(page.paragraphs),
                          chars=sum(len(p.raw) for p in page.paragraphs), error=page.error)
    for paragraph in page.paragraphs:
        if paragraph.label not in keep:
            summary.removed[paragraph.label] += 1  # type: ignore[index]
            summary.removed_chars += len(paragraph.raw)
    return summary


def evidence(paragraph: Paragraph) -> str:
    """The recurrence evidence of a paragraph in words, or ``""`` when it recurs nowhere."""
    recurrence = paragraph.recurrence
    if recurrence is None or not recurrence.pages:
        return ""
    return (f"on {recurrence.pages} of {recurrence.site_pages} other pages of this site, "
            f"best Jaccard {recurrence.jaccard:.2f}")


def render_page(page: Page, view: ViewOptions, index_link: bool = False) -> str:
    """The HTML of one page's view (a whole document). ``index_link``: link back to
    ``index.html`` beside it. Raises ``ValueError`` for a page that was not scored."""
    for paragraph in page.paragraphs:
        if (paragraph.label is None or paragraph.content_probability is None
                or paragraph.fallback_label is None):
            raise ValueError(f"page {page.id!r} is not scored (paragraph {paragraph.index} has "
                             "no label); score it first, e.g. with classifier.score_pages")
    kept = sum(p.label in view.keep for p in page.paragraphs)
    counts = Counter(p.label for p in page.paragraphs)
    legend = "".join(
        f'<li data-label="{label.value}"><span class="swatch"></span>{label.value} '
        f'({"kept" if label in view.keep else "removed"}): '
        f'<span class="count">{counts[label]}</span></li>' for label in LABELS)
    body = (
        ('<p class="crumbs"><a href="index.html">All pages</a></p>' if index_link else "")
        + f"<header><h1>{escape(page.id or '(no id)')}</h1>{_facts(page, view)}</header>"
        + (f'<p class="error">This page could not be scored: {escape(page.error)}</p>'
           if page.error is not None else "")
        + '<section class="controls" aria-label="View controls">'
        # step "any": a slider with steps would round a threshold such as 0.3456 to its step
        # and label the page at another threshold than it was scored at.
        f'<label for="threshold">Threshold</label><span><input type="range" id="threshold" '
        f'min="0" max="1" step="any" value="{view.threshold}"> '
        f'<output id="threshold-value" for="threshold">{view.threshold:.3f}</output></span>'
        f'<button type="button" id="reset">Back to {view.threshold:g}</button>'
        '<label><input type="checkbox" id="removed-only"> Only what is removed</label>'
        f'<p id="status" role="status">Kept {kept} of {len(page.paragraphs)} paragraphs at '
        f'threshold {view.threshold:.3f}.</p>'
        f'<ul class="legend" aria-label="Labels">{legend}</ul></section>'
        # Hidden until the script has labelled it: a browser that lays out a long list while
        # it parses it takes several times longer (9 s against 1 s for 40,000 paragraphs).
        '<ol class="paragraphs" hidden>'
        + "".join(_paragraph(p, view.keep) for p in page.paragraphs)
        + "</ol>")
    keep = " ".join(label.value for label in LABELS if label in view.keep)
    # The one rule the slider rewrites (show.js): where each bar marks the threshold.
    mark = (f'<style id="threshold-mark">.meta i::after {{ left: {100 * view.threshold}%; }}'
            "</style>")
    return _document(f"Audit: {page.id}", body,
                     f'data-view="page" data-threshold="{view.threshold}" data-keep="{keep}"',
                     head=mark)


def _facts(page: Page, view: ViewOptions) -> str:
    recurrences = [p.recurrence for p in page.paragraphs if p.recurrence is not None]
    if not recurrences:
        evidence_note = "none: the page was scored alone"
    else:
        others = max(r.site_pages for r in recurrences)
        recurring = sum(r.pages > 0 for r in recurrences)
        evidence_note = (f"{others} other page{'s' if others != 1 else ''} of the site in the "
                         f"index; {recurring} paragraph{'s' if recurring != 1 else ''} recur")
    whose = ("the model's" if view.threshold == view.model_threshold
             else f"the model's is {view.model_threshold:g}")
    rows = [("id", escape(page.id)), ("URL", _url(page.url)),
            ("site", escape(page.site) if page.site else "none"),
            ("recurrence evidence", evidence_note),
            ("input", f"{page.kind.value}: {len(page.paragraphs)} paragraphs, "
                      f"{sum(len(p.raw) for p in page.paragraphs):,} characters"),
            ("model", escape(view.model or "not named")),
            ("labelled at", f"threshold {view.threshold:g} ({whose})")]
    return ('<dl class="facts">'
            + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows) + "</dl>")


def _url(url: str | None) -> str:
    if not url:
        return "none"
    text = escape(url)
    # Only web addresses become links: a javascript: or data: URL stays text.
    if re.match(r"https?://", url, re.IGNORECASE):
        return f'<a href="{text}" rel="noopener noreferrer nofollow">{text}</a>'
    return text


def _paragraph(paragraph: Paragraph, keep: frozenset[Label]) -> str:
    # Lean markup: a long page has tens of thousands of these. The badge, verdict and bar are
    # drawn by the style sheet from the attributes; data-p holds the probability at full
    # precision (repr round-trips), so the browser decides exactly as the library does.
    label, fallback = paragraph.label, paragraph.fallback_label
    probability = paragraph.content_probability
    assert label is not None and fallback is not None and probability is not None
    words = evidence(paragraph)
    return (f'<li id="p{paragraph.index}" data-label="{label.value}" '
            f'data-kept="{int(label in keep)}" data-p="{probability!r}" '
            f'data-fallback="{fallback.value}" data-chars="{len(paragraph.raw)}">'
            f'<p class="meta">#{paragraph.index} <b>{probability:.3f}</b>'
            f'<i style="--p:{probability:.3f}"></i>'
            + (f"<em>{words}</em>" if words else "")
            + f'</p><div class="text">{escape(paragraph.raw)}</div></li>')


def render_index(summaries: Iterable[PageSummary], view: ViewOptions) -> str:
    """The HTML of ``index.html``: one sortable row per page, linking to its view."""
    rows = list(summaries)
    kinds = [label for label in LABELS if label not in view.keep]
    paragraphs = sum(s.paragraphs for s in rows)
    removed = sum(sum(s.removed.values()) for s in rows)
    errors = sum(s.error is not None for s in rows)
    # (key, heading, class): numeric columns sort by their cells' data-value.
    columns = [("number", "#", "num"), ("page", "page", ""), ("site", "site", ""),
               ("paragraphs", "paragraphs", "num"), ("removed", "removed", "num"),
               ("text-removed", "text removed", "num"),
               *((k.value, f'<span class="swatch" data-label="{k.value}"></span> {k.value}',
                  "num") for k in kinds),
               ("error", "error", "")]
    head = "".join(f'<th data-key="{key}" class="{kind}"><button type="button">{name}</button>'
                   "</th>" for key, name, kind in columns)
    body = (f"<h1>Audit of {len(rows)} page{'s' if len(rows) != 1 else ''}</h1>"
            f"<p>Model {escape(view.model or 'not named')}, labelled at threshold "
            f"{view.threshold:g} (the model's: {view.model_threshold:g}). "
            f"{paragraphs:,} paragraphs, {_percent(removed, paragraphs)} removed"
            + (f"; {errors} page{'s' if errors != 1 else ''} could not be scored" if errors
               else "")
            + ". Removed shares are of each page's paragraphs (text removed: of its characters); "
            "click a column's name to sort by it.</p>"
            f'<table class="pages"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(_index_row(n, s, kinds) for n, s in enumerate(rows, start=1))
            + "</tbody></table>")
    return _document(f"Audit of {len(rows)} pages", body, 'data-view="index"')


def _index_row(number: int, summary: PageSummary, kinds: list[Label]) -> str:
    def share(count: int, total: int) -> str:
        if summary.error is not None:
            return '<td class="num" data-value="-1"></td>'
        value = count / total if total else 0.0
        return f'<td class="num" data-value="{value!r}">{_percent(count, total)}</td>'

    url = f"<br><small>{escape(summary.url)}</small>" if summary.url else ""
    return (f'<tr><td class="num" data-value="{number}">{number}</td>'
            f'<td class="page"><a href="{escape(summary.file)}">{escape(summary.id)}</a>{url}'
            f'</td><td>{escape(summary.site or "")}</td>'
            f'<td class="num" data-value="{summary.paragraphs}">{summary.paragraphs}</td>'
            + share(sum(summary.removed.values()), summary.paragraphs)
            + share(summary.removed_chars, summary.chars)
            + "".join(share(summary.removed[kind], summary.paragraphs) for kind in kinds)
            + f"<td>{escape(summary.error or '')}</td></tr>")


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "0.0%"


def _document(title: str, body: str, body_attributes: str, head: str = "") -> str:
    css, js = _assets()
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
              "base-uri 'none'; form-action 'none'")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{css}{_label_css()}</style>{head}"
            "<noscript><style>ol.paragraphs[hidden] { display: block; }</style></noscript>"
            "</head>"
            f"<body {body_attributes}>{body}<script>{js}</script></body></html>\n")


def _label_css() -> str:
    return "".join(f'[data-label="{label.value}"]{{--name:"{label.value}";--colour:{colour};'
                   f"--ink:{ink};--tint:{colour}{TINT_ALPHA}}}"
                   for label, (colour, ink) in LABEL_COLOURS.items())


@functools.cache
def _assets() -> tuple[str, str]:
    # Package files that never change while the process runs: read once.
    folder = resources.files("classifier")
    return (folder.joinpath("show.css").read_text(encoding="utf-8"),
            folder.joinpath("show.js").read_text(encoding="utf-8"))


def _write(path: Path, text: str) -> None:
    # A lone surrogate (from a JSON escape in the input) is written as its escape, not fatal.
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", errors="backslashreplace")


def write_page(page: Page, path: str | Path, model: Model,
               options: ScoringOptions | None = None) -> Path:
    """Write the view of one scored ``page`` to ``path`` (atomically) and return the path.

    ``model`` and ``options``: what the page was scored with (the threshold the slider starts
    at, and the labels counted as kept).
    """
    path = Path(path)
    _write(path, render_page(page, ViewOptions.of(model, options)))
    return path


def page_file_name(number: int, page_id: str) -> str:
    """The file name of the ``number``-th page's view: unique by the number, readable by the
    tail of the id."""
    tail = _UNSAFE_IN_NAME.sub("-", page_id)[-FILE_ID_CHARS:].strip("-.")
    return f"{number:06d}-{tail}.html" if tail else f"{number:06d}.html"


def write_site(pages: Iterable[Page], folder: str | Path, model: Model,
               options: ScoringOptions | None = None) -> Path:
    """Write a view of each scored page (``NNNNNN-<id>.html``) and ``index.html`` listing them
    into ``folder`` (created if missing), as the pages stream past; returns the index's path.
    ``model`` and ``options`` as for ``write_page``.
    """
    view = ViewOptions.of(model, options)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summaries = []
    for number, page in enumerate(pages, start=1):
        name = page_file_name(number, page.id)
        _write(folder / name, render_page(page, view, index_link=True))
        summaries.append(summarise(page, view.keep, name))
    _write(folder / INDEX_NAME, render_index(summaries, view))
    return folder / INDEX_NAME
