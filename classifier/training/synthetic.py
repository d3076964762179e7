"""Synthetic sites: real gold articles wrapped in recurring boilerplate of our own writing.

The public corpora hold few ad tags like ``[ad_1]`` and few long disclaimers, and almost no
editorial text outside English. Each synthetic site gets a template drawn from the catalogue
(``data/synthetic/catalogue.json``: navigation labels, ad tags, disclaimers, share prompts,
recurring bylines, comments) that recurs on all its pages, with dates, names and numbers
re-drawn per page; its pages wrap gold articles (English ones from the corpora's train split,
and ``data/synthetic/articles.json`` in many languages). Every page comes as scraped text
(blank-line paragraphs, like the seed page) and as HTML, where the template either sits among
the story's own ``<p>`` elements or in telling markup (nav, footer, ad slots).
"""

from __future__ import annotations

import html
import json
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.document import InputKind, Page, Paragraph
from classifier.labels import Label
from classifier.segment import segment_html, segment_text
from classifier.sites import make_page

CATALOGUE_DEFAULT = Path("data/synthetic/catalogue.json")
ARTICLES_DEFAULT = Path("data/synthetic/articles.json")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Placeholders that keep one value per site (the rest are re-drawn on every page).
SITE_CONSTANT = ("site", "company", "year")
HTML_STYLES = ("plain", "semantic", "mixed")


#: One item in this many of every catalogue list is held out of training, for benchmarks.
HELDOUT_EVERY = 5
PARTS = ("train", "heldout")


def _part_of(text: str) -> str:
    return "heldout" if zlib.crc32(text.encode("utf-8")) % HELDOUT_EVERY == 0 else "train"


def fold_of(text: str, folds: int) -> int:
    """The cross-validation fold a snippet or article belongs to (independent of its part)."""
    return zlib.crc32(text.encode("utf-8")) // HELDOUT_EVERY % folds


def _in_fold(value: Any, fold: int, folds: int) -> Any:
    if isinstance(value, dict):
        return {k: _in_fold(v, fold, folds) for k, v in value.items()}
    if isinstance(value, list):
        return [v for v in value if fold_of(v if isinstance(v, str) else json.dumps(v),
                                            folds) == fold]
    return value


def _select(value: Any, part: str | None) -> Any:
    if isinstance(value, dict):
        return {k: _select(v, part) for k, v in value.items()}
    if isinstance(value, list) and part is not None:
        return [v for v in value if _part_of(v if isinstance(v, str) else json.dumps(v)) == part]
    return value


@dataclass(frozen=True)
class Catalogue:
    """Boilerplate snippets of our own writing, and articles to wrap."""

    entries: dict[str, Any]
    articles: list[list[str]]

    @classmethod
    def load(cls, catalogue: Path = CATALOGUE_DEFAULT, articles: Path = ARTICLES_DEFAULT,
             part: str | None = None) -> Catalogue:
        """Read the catalogue and (if present) the multilingual articles.

        ``part`` ``"train"`` or ``"heldout"`` keeps only that part of every list (placeholder
        values excepted): training never sees the held-out snippets benchmarks wrap pages in.
        """
        if part is not None and part not in PARTS:
            raise ValueError(f"part must be one of {PARTS} or None, got {part!r}")
        entries = json.loads(catalogue.read_text(encoding="utf-8"))
        placeholders = entries.pop("placeholders")
        entries = {**_select(entries, part), "placeholders": placeholders}
        written: list[list[str]] = []
        if articles.exists():
            written = [[a["title"], *a["paragraphs"]]
                       for a in json.loads(articles.read_text(encoding="utf-8"))
                       if part is None or _part_of(a["title"]) == part]
        return cls(entries, written)

    def fold(self, fold: int, folds: int) -> Catalogue:
        """The snippets and articles of one of ``folds`` disjoint folds (placeholders whole)."""
        placeholders = self.entries["placeholders"]
        entries = {k: v for k, v in self.entries.items() if k != "placeholders"}
        return Catalogue({**_in_fold(entries, fold, folds), "placeholders": placeholders},
                         [a for a in self.articles if fold_of(a[0], folds) == fold])

    def disclaimers(self) -> list[str]:
        """Every disclaimer, all categories."""
        return [text for texts in self.entries["disclaimer"].values() for text in texts]


class _Filler:
    """Fills placeholders: site constants fixed per site, the rest re-drawn per call."""

    def __init__(self, catalogue: Catalogue, rng: random.Random):
        self.values = catalogue.entries["placeholders"]
        self.rng = rng
        self.constants = {key: rng.choice(self.values[key]) for key in SITE_CONSTANT}

    def __call__(self, template: str) -> str:
        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            return self.constants.get(key) or self.rng.choice(self.values.get(key, [key]))
        return _PLACEHOLDER.sub(value, template)


@dataclass
class _Template:
    """What recurs on every page of one synthetic site."""

    navigation: list[str]
    ad_tag: str
    ads_in_body: float
    byline: str | None
    credit: str | None
    others: list[str]
    disclaimers: list[str]
    glue_disclaimer: bool
    copyright: str | None
    comments: int
    html_style: str


def _template(catalogue: Catalogue, rng: random.Random, styles: Sequence[str]) -> _Template:
    entries = catalogue.entries
    return _Template(
        navigation=rng.sample(entries["navigation"], rng.randint(0, 4)),
        ad_tag=rng.choice(entries["advertisement"]),
        ads_in_body=rng.choice([0.0, 0.1, 0.25]),
        byline=rng.choice(entries["recurring_content"]) if rng.random() < 0.6 else None,
        credit=rng.choice(entries["recurring_content"]) if rng.random() < 0.4 else None,
        others=rng.sample(entries["other"], rng.randint(0, 3)),
        disclaimers=rng.sample(catalogue.disclaimers(), rng.randint(1, 2)),
        glue_disclaimer=rng.random() < 0.3,
        copyright=(rng.choice(entries["disclaimer"]["copyright"]) if rng.random() < 0.5
                   else None),
        comments=rng.choice([0, 0, 0, 3]),
        html_style=rng.choice(list(styles)),
    )


def _ad(tag: str, number: int) -> str:
    return re.sub(r"\d+", str(number), tag, count=1) if "{" not in tag else tag


def _page_items(template: _Template, article: list[str], fill: _Filler,
                catalogue: Catalogue, rng: random.Random) -> list[tuple[str, Label, str]]:
    """(text, label, slot) of one page in reading order; slot names the HTML markup."""
    items: list[tuple[str, Label, str]] = [(n, Label.NAVIGATION, "nav")
                                           for n in template.navigation]
    ads = 0

    def ad() -> tuple[str, Label, str]:
        nonlocal ads
        ads += 1
        return fill(_ad(template.ad_tag, ads)), Label.ADVERTISEMENT, "ad"

    items.append((article[0], Label.CONTENT, "title"))
    if rng.random() < 0.7:
        items.append(ad())
    if template.byline:
        items.append((fill(template.byline), Label.CONTENT, "byline"))
    for paragraph in article[1:]:
        items.append((paragraph, Label.CONTENT, "body"))
        if rng.random() < template.ads_in_body:
            items.append(ad())
    if template.credit:
        items.append((fill(template.credit), Label.CONTENT, "body"))
    items += [(fill(o), Label.OTHER, "share") for o in template.others]
    for i, disclaimer in enumerate(template.disclaimers):
        text = fill(disclaimer)
        if template.glue_disclaimer and i == 0:
            text = f"Disclaimer: {fill('{site}')}{text}"
        items.append((text, Label.DISCLAIMER, "disclaimer"))
    if rng.random() < 0.7:
        items.append(ad())
    if template.copyright:
        items.append((fill(template.copyright), Label.DISCLAIMER, "copyright"))
    for _ in range(template.comments):
        items.append((fill(rng.choice(catalogue.entries["comment"])), Label.COMMENT, "comment"))
    return items


_SLOT_MARKUP = {
    # slot: (plain, semantic, mixed) wrappers; "{}" is the escaped text.
    "nav": ("<p>{}</p>", '<nav><ul><li><a href="/s">{}</a></li></ul></nav>',
            '<ul class="menu"><li><a href="/s">{}</a></li></ul>'),
    "title": ("<p>{}</p>", "<h1>{}</h1>", '<h2 class="headline">{}</h2>'),
    "byline": ("<p>{}</p>", '<p class="byline">{}</p>', "<p>{}</p>"),
    "body": ("<p>{}</p>", "<p>{}</p>", "<p>{}</p>"),
    "ad": ("<p>{}</p>", '<div class="ad-slot">{}</div>', "<p>{}</p>"),
    "share": ("<p>{}</p>", '<div class="share-bar"><a href="/share">{}</a></div>',
              '<div class="social">{}</div>'),
    "disclaimer": ("<p>{}</p>", '<footer><p class="disclaimer">{}</p></footer>',
                   "<p><em>{}</em></p>"),
    "copyright": ("<p>{}</p>", '<footer><p class="copyright">{}</p></footer>', "<p>{}</p>"),
    "comment": ("<p>{}</p>", '<div class="comment"><p>{}</p></div>',
                '<div class="comments">{}</div>'),
}


def _html(items: list[tuple[str, Label, str]], style: str) -> str:
    column = HTML_STYLES.index(style)
    body = "\n".join(_SLOT_MARKUP[slot][column].format(html.escape(text))
                     for text, _, slot in items)
    return f"<html><head><title>page</title></head><body><div>\n{body}\n</div></body></html>"


def _labelled(paragraphs: list[Paragraph], labels: list[Label]) -> list[Paragraph] | None:
    if len(paragraphs) != len(labels):
        return None
    for paragraph, label in zip(paragraphs, labels, strict=True):
        paragraph.label = label
    return paragraphs


def synthetic_pages(gold_articles: Sequence[list[str]], catalogue: Catalogue, sites: int,
                    pages_per_site: int, seed: int, styles: Sequence[str] = HTML_STYLES,
                    multilingual: bool = True, folds: int = 1) -> list[Page]:
    """Labelled text and HTML pages of ``sites`` synthetic sites of ``pages_per_site`` pages.

    Every third site wraps the catalogue's own articles in many languages (if ``multilingual``),
    the others English ``gold_articles``; no article appears twice on one site. ``styles``
    are the HTML markups sites choose from (``"plain"``: the template as ordinary ``<p>``).

    With ``folds`` > 1, site ``n`` draws its snippets and articles only from fold ``n % folds``
    of them (``synthetic_group`` names it), so cross-validation grouped that way predicts every
    page from a model that never saw its snippets: the out-of-fold probabilities the second
    stage learns from are then as unsure as they will be on a new site's disclaimer.
    """
    rng = random.Random(seed)
    english = [a for a in gold_articles if len(a) >= 4]
    parts = [catalogue.fold(f, folds) if folds > 1 else catalogue for f in range(folds)]
    pools = [[a for a in english if folds == 1 or fold_of(a[0], folds) == f]
             for f in range(folds)]
    pages: list[Page] = []
    for number in range(sites):
        catalogue = parts[number % folds]
        multi = multilingual and catalogue.articles and number % 3 == 2
        pool = catalogue.articles if multi else pools[number % folds]
        articles = rng.sample(pool, min(pages_per_site, len(pool)))
        template = _template(catalogue, rng, styles)
        fill = _Filler(catalogue, rng)
        site = f"synthetic-{number}.example"
        for i, article in enumerate(articles):
            items = _page_items(template, article, fill, catalogue, rng)
            labels = [label for _, label, _ in items]
            text = "\n\n".join(t for t, _, _ in items)
            markup = _html(items, template.html_style)
            url = f"https://www.{site}/story/{i}"
            for kind, raw, paragraphs in ((InputKind.TEXT, text, segment_text(text)),
                                          (InputKind.HTML, markup, segment_html(markup))):
                labelled = _labelled(paragraphs, labels)
                if labelled is not None:
                    page = make_page(raw, kind, f"{site}/{i}#{kind.value}", url=url, site=site)
                    page.paragraphs = labelled
                    pages.append(page)
    return pages


def synthetic_group(page: Page, folds: int) -> str | None:
    """The cross-validation group of a synthetic page (its site's fold), ``None`` for others."""
    match = re.fullmatch(r"synthetic-(\d+)\.example", page.site or "")
    return f"synthetic-fold-{int(match.group(1)) % folds}" if match else None


def gold_articles(records: Sequence[dict[str, Any]]) -> list[list[str]]:
    """Gold texts of corpus records as paragraph lists."""
    return [[p.strip() for p in r["gold_text"].split("\n\n") if p.strip()] for r in records]
