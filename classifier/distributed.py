"""A run with recurrence evidence as three stages that any engine can run: one that maps over
input files and groups by key (Spark, Beam, Ray, or Slurm with file shuffles).

On one machine a run reads its input twice: first into a site index, then to score each page
with the evidence of the other pages of its site. Spread over many machines, no index is shared
and no page travels; the input is read twice where it lies:

1. per input file, ``site_pages``: segment each page and emit a ``SitePage`` for each page that
   has a site, with its position in the input: its site, its page key and its
   ``Fingerprints`` (tens of bytes a paragraph, where the page is tens of KB); a run on one
   machine does the same in its first pass (``runner.build_index``);
2. per site, ``answer_sites``: the site's ``SitePage`` s in input order build its ``SiteIndex``
   (capped at ``IndexConfig.max_site_pages``), which then answers each page with its
   leave-one-page-out ``Evidence``;
3. per input file again, ``with_evidence``: read it again, segment each page and attach its
   evidence; score the pages and write them in input order.

The engine moves ``SitePage`` s to their site (by ``site``, in input order) and ``Evidence``
back to its input file. Each stage runs the code a run on one machine runs (the same
segmentation, ``fingerprint_paragraphs``, ``SiteIndex`` and scoring), so the output is the
same, byte for byte.
"""

from __future__ import annotations

import itertools
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from classifier.api import segment_safely
from classifier.document import Page, Recurrence
from classifier.fingerprints import Fingerprints, IndexConfig, fingerprint_paragraphs
from classifier.recurrence import SiteIndex, page_key

#: Where a page stands in the input: (input file number, record number in that file), both
#: counted from 0 over what the readers yield, error records included.
Position = tuple[int, int]
#: Bytes of a site's ``SitePage`` s held in memory between building its index and asking it;
#: past this they go to a temporary file, so a giant site costs disk, not memory.
SPOOL_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SitePage:
    """What stage 1 gives for a page with a site, and the site's index reads: not the page,
    its site, page key (``recurrence.page_key``) and ``Fingerprints``."""

    site: str
    page_key: str
    fingerprints: Fingerprints


@dataclass(frozen=True)
class Evidence:
    """A page's recurrence evidence as stage 2 sends it back: ``site_pages``, the other pages of
    its site it was compared with, and per paragraph ``pages``, on how many of them a
    near-duplicate occurs, and ``jaccard``, the best similarity (as in ``Recurrence``)."""

    site_pages: int
    pages: tuple[int, ...]
    jaccard: tuple[float, ...]

    @classmethod
    def of(cls, answers: list[Recurrence]) -> Evidence:
        """The evidence of ``SiteIndex`` answers for one page."""
        return cls(site_pages=answers[0].site_pages if answers else 0,
                   pages=tuple(a.pages for a in answers),
                   jaccard=tuple(a.jaccard for a in answers))

    def recurrences(self) -> list[Recurrence]:
        """The answers again, as the index gave them (the share is the same division)."""
        if not self.site_pages:  # the site had no other page
            return [Recurrence() for _ in self.pages]
        return [Recurrence(pages=n, share=n / self.site_pages, jaccard=j,
                           site_pages=self.site_pages)
                for n, j in zip(self.pages, self.jaccard, strict=True)]


def site_page(page: Page, config: IndexConfig) -> SitePage | None:
    """Stage 1 for one page: segmented (if not yet) and fingerprinted, or ``None`` for a page
    without a site, or one that cannot be read or segmented: such pages have no evidence to
    give or get (their records come out of stage 3 as they would on one machine). A run on
    one machine does this in its first pass too (``runner.build_index``)."""
    if page.site is None or page.error is not None or segment_safely(page).error is not None:
        return None
    return SitePage(page.site, page_key(page), fingerprint_paragraphs(page.paragraphs, config))


def site_pages(pages: Iterable[Page], source: int, config: IndexConfig
               ) -> Iterator[tuple[Position, SitePage]]:
    """Stage 1 over the pages of input file number ``source``, as the readers yield them:
    each page's ``site_page`` with its position."""
    for record, page in enumerate(pages):
        found = site_page(page, config)
        if found is not None:
            yield (source, record), found


def answer_sites(pages: Iterable[tuple[Position, SitePage]], config: IndexConfig
                 ) -> Iterator[tuple[Position, Evidence]]:
    """Stage 2: positioned ``SitePage`` s grouped by site, each site's in input order (as
    sorting them by site, then position, gives), answered with each page's position and
    ``Evidence``.

    A site's pages build its index first, in input order, then each asks it; in between they
    wait in a spool (memory up to ``SPOOL_BYTES``, then a temporary file), so that memory holds
    one site's index, capped by ``config.max_site_pages``, and not its pages.
    """
    for _, group in itertools.groupby(pages, key=lambda item: item[1].site):
        yield from _answer_site(group, config)


def _answer_site(pages: Iterable[tuple[Position, SitePage]], config: IndexConfig
                 ) -> Iterator[tuple[Position, Evidence]]:
    index = SiteIndex(config)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        count = 0
        for item in pages:
            page = item[1]
            index.add_fingerprints(page.site, page.page_key, page.fingerprints)
            pickle.dump(item, spool, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
        spool.seek(0)
        for _ in range(count):
            position, page = pickle.load(spool)  # written just above by this function
            answers = index.recurrence_of_fingerprints(page.site, page.page_key,
                                                       page.fingerprints)
            yield position, Evidence.of(answers)


def with_evidence(pages: Iterable[Page], evidence: Mapping[int, Evidence]) -> Iterator[Page]:
    """Stage 3 over the pages of one input file read again: each page whose record number has
    ``evidence`` is segmented and its paragraphs given their ``Recurrence``, ready for
    ``api.score_pages`` without an index. Other pages pass as they are (pages without a site
    have no evidence, as on one machine); a page with a site and no evidence, which stage 1
    could not segment, fails again here when it is segmented."""
    for record, page in enumerate(pages):
        found = evidence.get(record)
        if found is not None and segment_safely(page).error is None:
            for paragraph, answer in zip(page.paragraphs, found.recurrences(), strict=True):
                paragraph.recurrence = answer
        yield page
