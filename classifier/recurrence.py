"""Cross-page recurrence: which paragraphs of a page recur, nearly word for word, on other pages
of the same site.

A ``SiteIndex`` keeps, per site, every distinct normalised paragraph seen (a *node*) with the
pages it occurs on. A paragraph is looked up first by its exact key, then by a datasketch
``MinHashLSH`` over its MinHash signature (``fingerprints``: normalising, shingling, signing),
which finds near-duplicates whose dates, names or numbers changed. Sites never share evidence,
a page added again replaces its earlier version rather than counting twice, and a text recurs
only in the same role, link or prose (``fingerprints.LINKED_SHARE``). ``save`` and ``load``
go through ``index_file``, which knows the file's layout.

The index answers per paragraph: on how many *other* pages of the site a near-duplicate
occurs, that count as a share of the site's other pages, and the best Jaccard similarity.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from classifier.atomic import locked
from classifier.document import Page, Recurrence
from classifier.fingerprints import (
    IndexConfig,
    MinHasher,
    exact_keys,
    link_flags,
    normalise_all,
    shingle_sets,
)
from classifier.index_file import (
    FileVersion,
    IndexFileError,
    SiteRecord,
    file_version,
    read_index_file,
    write_index_file,
)


@dataclass
class _Site:
    """One site's nodes (distinct normalised paragraphs) and pages.

    While the site has one page, its nodes wait in ``pending`` (node -> normalised text) for
    their MinHash and LSH entry: nothing can be a near-duplicate of them until a second page
    comes, and in a crawl many sites never get one.
    """

    lsh: MinHashLSH
    page_numbers: dict[str, int] = field(default_factory=dict)
    page_nodes: dict[int, list[int]] = field(default_factory=dict)
    node_of_hash: dict[int, int] = field(default_factory=dict)
    node_pages: list[set[int]] = field(default_factory=list)
    node_hashes: list[int] = field(default_factory=list)
    signatures: dict[int, np.ndarray] = field(default_factory=dict)
    pending: dict[int, str] = field(default_factory=dict)
    next_page: int = 0

    @property
    def pages(self) -> int:
        return len(self.page_numbers)

    def record(self, num_perm: int) -> SiteRecord:
        """The site as its file holds it (every node signed first: see ``SiteIndex.save``)."""
        signed = sorted(self.signatures)
        return SiteRecord(
            pages=sorted(self.page_numbers.items(), key=lambda kv: kv[1]),
            node_hashes=list(self.node_hashes),
            node_pages=[sorted(pages) for pages in self.node_pages], signed=signed,
            signatures=(np.stack([self.signatures[i] for i in signed]) if signed
                        else np.zeros((0, num_perm), dtype=np.uint64)))

    def restore(self, record: SiteRecord, hasher: MinHasher) -> None:
        """Take the state of ``record`` (into a new, empty site)."""
        self.page_numbers = dict(record.pages)
        self.next_page = max(self.page_numbers.values(), default=-1) + 1
        self.node_hashes = list(record.node_hashes)
        self.node_of_hash = {h: i for i, h in enumerate(self.node_hashes)}
        self.node_pages = [set(pages) for pages in record.node_pages]
        for node, pages_of_node in enumerate(self.node_pages):
            for page in pages_of_node:
                self.page_nodes.setdefault(page, []).append(node)
        with self.lsh.insertion_session() as session:
            for node, values in zip(record.signed, record.signatures, strict=True):
                minhash = hasher.minhash(values)
                session.insert(node, minhash, check_duplication=False)
                self.signatures[node] = minhash.hashvalues


    def merge(self, record: SiteRecord, hasher: MinHasher) -> None:
        """Add the pages of ``record`` that this site lacks (by page key), with their nodes and
        the signatures of nodes new here; pages this site has keep its own version."""
        nodes_of: dict[int, list[int]] = {}
        for node, pages_of_node in enumerate(record.node_pages):
            for number in pages_of_node:
                nodes_of.setdefault(number, []).append(node)
        signature_of = dict(zip(record.signed, record.signatures, strict=True))
        fresh = []
        for key, theirs in record.pages:
            if key in self.page_numbers:
                continue
            number = self.page_numbers[key] = self.next_page
            self.next_page += 1
            nodes = []
            for node in nodes_of.get(theirs, []):
                h = record.node_hashes[node]
                ours = self.node_of_hash.get(h)
                if ours is None:
                    ours = self.node_of_hash[h] = len(self.node_pages)
                    self.node_pages.append(set())
                    self.node_hashes.append(h)
                    if node in signature_of:
                        fresh.append((ours, signature_of[node]))
                self.node_pages[ours].add(number)
                nodes.append(ours)
            self.page_nodes[number] = sorted(set(nodes))
        with self.lsh.insertion_session() as session:
            for node, values in fresh:
                session.insert(node, hasher.minhash(values), check_duplication=False)
                self.signatures[node] = values


class SiteIndex:
    """Per-site memory of paragraphs, answering how often a paragraph recurs on other pages.

    Small verbs: ``add`` a page's paragraphs, ``recurrence`` of a page's paragraphs,
    ``annotate`` a page with them; ``save`` and ``load`` a file. Pages need a ``site`` key
    (``None`` means no evidence) and are identified by URL, else id.
    """

    def __init__(self, config: IndexConfig | None = None):
        self.config = config or IndexConfig()  # validated by IndexConfig itself
        self._sites: dict[str, _Site] = {}
        # Shared by every site: LSH banding (datasketch optimises it by numeric integration,
        # milliseconds a call) and the MinHash permutations (drawn from the seed).
        template = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm)
        self._bands = (template.b, template.r)
        self._hasher = MinHasher(self.config)
        self._version: FileVersion | None = None  # of the file this index was loaded from

    # -- building ---------------------------------------------------------------------------

    def _site(self, key: str) -> _Site:
        site = self._sites.get(key)
        if site is None:
            lsh = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm,
                             params=self._bands)
            site = self._sites[key] = _Site(lsh=lsh)
        return site

    def add(self, page: Page) -> None:
        """Index the paragraphs of a segmented page under its site; re-adding a page (same URL,
        else same id) replaces its earlier version."""
        self.add_texts(page.site, page_key(page), [p.text for p in page.paragraphs],
                       link_flags(page.paragraphs))

    def add_texts(self, site_key: str | None, page_key: str, texts: Sequence[str],
                  linked: Sequence[bool] | None = None) -> None:
        """Index one page given as its site key, page key and paragraph texts, and which of
        them are links (``LINKED_SHARE``; none when not given)."""
        if site_key is None:
            return
        normalised = normalise_all(texts)
        self.add_fingerprints(site_key, page_key, normalised, exact_keys(normalised, linked))

    def add_fingerprints(self, site_key: str, page_key: str, normalised: Sequence[str],
                         keys: Sequence[int]) -> None:
        """Index one page given as its paragraphs' normalised texts (``normalise_all``) and
        exact keys (``exact_keys``), computed elsewhere: a run computes them in its worker
        processes, under the time limit, and only inserts them here."""
        site = self._site(site_key)
        number = site.page_numbers.get(page_key)
        if number is None:
            number = site.page_numbers[page_key] = site.next_page
            site.next_page += 1
        else:
            for node in site.page_nodes.pop(number, []):
                site.node_pages[node].discard(number)
        nodes: list[int] = []
        fresh: dict[int, str] = {}
        for h, text in zip(keys, normalised, strict=True):
            known = site.node_of_hash.get(h)
            if known is not None:
                node = known
            else:
                node = site.node_of_hash[h] = len(site.node_pages)
                site.node_pages.append(set())
                site.node_hashes.append(h)
                if len(text) >= self.config.min_chars:
                    fresh[node] = text
            site.node_pages[node].add(number)
            nodes.append(node)
        site.page_nodes[number] = sorted(set(nodes))
        site.pending.update(fresh)
        if site.pages > 1:
            self._sign_pending(site)

    def _sign_pending(self, site: _Site) -> None:
        """Give the site's pending nodes their MinHash signatures and LSH entries."""
        if not site.pending:
            return
        nodes, texts = list(site.pending), list(site.pending.values())
        site.pending.clear()
        minhashes = self._hasher.minhashes(shingle_sets(texts, self.config))
        with site.lsh.insertion_session() as session:
            for node, minhash in zip(nodes, minhashes, strict=True):
                session.insert(node, minhash, check_duplication=False)
                site.signatures[node] = minhash.hashvalues

    def add_all(self, pages: Iterable[Page]) -> None:
        """``add`` every page (pages with an error or no site are skipped)."""
        for page in pages:
            if page.error is None:
                self.add(page)

    # -- asking -----------------------------------------------------------------------------

    def recurrence(self, page: Page) -> list[Recurrence] | None:
        """Per paragraph of ``page``, its recurrence on the site's *other* pages; ``None`` when
        the page has no site key (no evidence, which is not the same as no recurrence)."""
        return self.recurrence_of_texts(page.site, page_key(page),
                                        [p.text for p in page.paragraphs],
                                        link_flags(page.paragraphs))

    def recurrence_of_texts(self, site_key: str | None, page_key: str, texts: Sequence[str],
                            linked: Sequence[bool] | None = None) -> list[Recurrence] | None:
        """``recurrence`` for a page given as its site key, page key, paragraph texts and
        which of them are links (as in ``add_texts``). A paragraph recurs only where the same
        or a near-duplicate text plays the same role."""
        if site_key is None:
            return None
        site = self._sites.get(site_key)
        if site is None:
            return [Recurrence() for _ in texts]
        own = site.page_numbers.get(page_key)
        others = site.pages - (1 if own is not None else 0)
        if others == 0:  # the site's only page: nothing to compare with
            return [Recurrence() for _ in texts]
        self._sign_pending(site)  # a page from outside the index, asking about the only one
        normalised = normalise_all(texts)
        exact = exact_keys(normalised, linked)
        nodes = [site.node_of_hash.get(h) for h in exact]
        found: list[set[int]] = [site.node_pages[node] - {own} if node is not None else set()
                                 for node in nodes]
        # Near-duplicates can add pages only where the exact match is not already on every
        # other page (a template's paragraphs usually are), and only for long enough text.
        best = [1.0 if pages else 0.0 for pages in found]
        need_near = [i for i, text in enumerate(normalised)
                     if len(text) >= self.config.min_chars and len(found[i]) < others]
        for i, query in zip(need_near, self._query_minhashes(site, nodes, normalised, need_near),
                            strict=True):
            for candidate in site.lsh.query(query):
                if candidate == nodes[i] or (site.node_hashes[candidate] ^ exact[i]) & 1:
                    continue
                similarity = float(np.mean(site.signatures[candidate] == query.hashvalues))
                if similarity < self.config.threshold:
                    continue
                more = site.node_pages[candidate] - {own}
                if more:
                    found[i] = found[i] | more
                    best[i] = max(best[i], similarity)
        return [Recurrence(pages=len(pages), share=len(pages) / others, jaccard=similarity,
                           site_pages=others)
                for pages, similarity in zip(found, best, strict=True)]

    def _query_minhashes(self, site: _Site, nodes: list[int | None], normalised: list[str],
                         wanted: list[int]) -> list[LeanMinHash]:
        """MinHashes of the ``wanted`` paragraphs: the signature stored for a paragraph already
        in the index (the page itself was added, as in every run's second pass), else computed."""
        stored = {i: site.signatures[node] for i in wanted
                  if (node := nodes[i]) is not None and node in site.signatures}
        missing = [i for i in wanted if i not in stored]
        computed = dict(zip(missing, self._hasher.minhashes(
            shingle_sets([normalised[i] for i in missing], self.config)), strict=True))
        return [computed[i] if i in computed else self._hasher.minhash(stored[i])
                for i in wanted]

    def annotate(self, page: Page) -> Page:
        """Set ``recurrence`` on each paragraph of ``page``; returns the page."""
        answers: Sequence[Recurrence | None] = (self.recurrence(page)
                                                 or [None] * len(page.paragraphs))
        for paragraph, answer in zip(page.paragraphs, answers, strict=True):
            paragraph.recurrence = answer
        return page

    def site_pages(self, site_key: str) -> int:
        """Pages indexed for a site."""
        site = self._sites.get(site_key)
        return site.pages if site else 0

    def stats(self) -> dict[str, int]:
        """Counts: sites, pages, distinct paragraphs (nodes), near-duplicate entries."""
        return {
            "sites": len(self._sites),
            "pages": sum(s.pages for s in self._sites.values()),
            "paragraphs": sum(len(s.node_pages) for s in self._sites.values()),
            "near_duplicate_entries": sum(len(s.signatures) + len(s.pending)
                                          for s in self._sites.values()),
        }

    # -- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], replace: bool = False) -> None:
        """Write the index to ``path`` atomically (``index_file``: a zip of arrays and JSON;
        no pickles), under the file's lock (``atomic.locked``), so concurrent runs write one at
        a time. Unless ``replace``, a file another run wrote since this index was loaded from
        it (or one there is when this index was not loaded) is merged in first (``merge``), so
        no run loses another's pages; ``IndexFileError`` when that file cannot be read or was
        made with another ``IndexConfig``."""
        with locked(path):
            if not replace and file_version(path) not in (None, self._version):
                self.merge(path)
            for site in self._sites.values():
                self._sign_pending(site)  # files hold every signature
            self._version = write_index_file(path, self.config,
                                             {key: site.record(self.config.num_perm)
                                              for key, site in self._sites.items()})

    def merge(self, path: str | os.PathLike[str]) -> None:
        """Add the pages of the index file at ``path`` that this index lacks (by site and page
        key); the pages both have keep this index's version."""
        config, records, _ = read_index_file(path)
        if config != self.config:
            raise IndexFileError(f"index file {path} was made with another configuration "
                                 f"({config}); cannot merge this run's pages into it")
        for key, record in records.items():
            site = self._site(key)
            site.merge(record, self._hasher)
            if site.pages > 1:
                self._sign_pending(site)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SiteIndex:
        """Read an index written by ``save``; raises ``index_file.IndexFileError`` saying what
        is wrong."""
        config, records, version = read_index_file(path)
        index = cls(config)
        for key, record in records.items():
            index._site(key).restore(record, index._hasher)
        index._version = version
        return index


def page_key(page: Page) -> str:
    """The key a page is indexed under within its site: its URL, else its id."""
    return page.url or page.id
