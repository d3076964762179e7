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

import heapq
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from classifier.atomic import locked
from classifier.document import Page, Recurrence
from classifier.fingerprints import (
    Fingerprints,
    IndexConfig,
    MinHasher,
    fingerprint_paragraphs,
    fingerprint_texts,
    page_ranks,
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

    Nodes are numbered as they come; a node no page holds any more (its pages were replaced or
    dropped for the cap) is forgotten, so a site's memory follows the pages it keeps.
    While the site has one page, its nodes wait in ``pending`` (node -> normalised text) for
    their MinHash and LSH entry: nothing can be a near-duplicate of them until a second page
    comes, and in a crawl many sites never get one. ``kept``: once the site holds
    ``max_site_pages`` pages, its pages by rank, the one to drop first on top.
    """

    lsh: MinHashLSH
    page_numbers: dict[str, int] = field(default_factory=dict)
    page_nodes: dict[int, list[int]] = field(default_factory=dict)
    node_of_hash: dict[int, int] = field(default_factory=dict)
    node_pages: dict[int, set[int]] = field(default_factory=dict)
    node_hashes: dict[int, int] = field(default_factory=dict)
    signatures: dict[int, np.ndarray] = field(default_factory=dict)
    pending: dict[int, str] = field(default_factory=dict)
    kept: list[_Rank] | None = None
    next_page: int = 0
    next_node: int = 0

    @property
    def pages(self) -> int:
        return len(self.page_numbers)

    def drop_page(self, number: int) -> None:
        """Take page ``number`` off its nodes, forgetting the nodes no other page holds."""
        for node in self.page_nodes.pop(number, []):
            pages = self.node_pages[node]
            pages.discard(number)
            if pages:
                continue
            del self.node_pages[node], self.node_of_hash[self.node_hashes.pop(node)]
            self.pending.pop(node, None)
            if self.signatures.pop(node, None) is not None:
                self.lsh.remove(node)

    def new_page(self, key: str) -> int:
        """Number a page new to the site under its page ``key``."""
        number = self.page_numbers[key] = self.next_page
        self.next_page += 1
        return number

    def hold(self, number: int, hashes: Sequence[int]) -> list[tuple[int, int]]:
        """Put page ``number`` on the nodes of exact keys ``hashes`` (its paragraphs), making
        the nodes the site lacks; returns each new node with the place in ``hashes`` of the
        key that made it, for the caller to sign or queue."""
        nodes: list[int] = []
        new: list[tuple[int, int]] = []
        for i, h in enumerate(hashes):
            node = self.node_of_hash.get(h)
            if node is None:
                node = self.node_of_hash[h] = self.next_node
                self.next_node += 1
                self.node_pages[node] = set()
                self.node_hashes[node] = h
                new.append((i, node))
            self.node_pages[node].add(number)
            nodes.append(node)
        self.page_nodes[number] = sorted(set(nodes))
        return new

    def sign(self, nodes: Iterable[int], minhashes: Iterable[LeanMinHash]) -> None:
        """Store the signatures of ``nodes`` and enter them in the site's LSH."""
        with self.lsh.insertion_session() as session:
            for node, minhash in zip(nodes, minhashes, strict=True):
                session.insert(node, minhash, check_duplication=False)
                self.signatures[node] = minhash.hashvalues

    def record(self, num_perm: int) -> SiteRecord:
        """The site as its file holds it, nodes numbered from 0 in order (every node signed
        first: see ``SiteIndex.save``)."""
        nodes = sorted(self.node_pages)
        number = {node: i for i, node in enumerate(nodes)}
        signed = sorted(self.signatures)
        return SiteRecord(
            pages=sorted(self.page_numbers.items(), key=lambda kv: kv[1]),
            node_hashes=[self.node_hashes[node] for node in nodes],
            node_pages=[sorted(self.node_pages[node]) for node in nodes],
            signed=[number[node] for node in signed],
            signatures=(np.stack([self.signatures[i] for i in signed]) if signed
                        else np.zeros((0, num_perm), dtype=np.uint64)))

    def restore(self, record: SiteRecord, hasher: MinHasher) -> None:
        """Take the state of ``record`` (into a new, empty site), keeping its page and node
        numbers (``SiteIndex._merge_site`` adds a record's pages to a site that has some)."""
        self.page_numbers = dict(record.pages)
        self.next_page = max(self.page_numbers.values(), default=-1) + 1
        self.node_hashes = dict(enumerate(record.node_hashes))
        self.node_of_hash = {h: i for i, h in self.node_hashes.items()}
        self.node_pages = {node: set(pages) for node, pages in enumerate(record.node_pages)}
        self.next_node = len(self.node_pages)
        for node, pages_of_node in self.node_pages.items():
            for page in pages_of_node:
                self.page_nodes.setdefault(page, []).append(node)
        self.sign(record.signed, map(hasher.minhash, record.signatures))


@dataclass(frozen=True)
class _Rank:
    """A page of a capped site, ordered for ``heapq`` so that the least is the page to drop
    first: the highest rank (``page_ranks``), ties broken by the page key."""

    rank: int
    key: str

    def __lt__(self, other: _Rank) -> bool:
        return (self.rank, self.key) > (other.rank, other.key)


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
        if page.site is not None:
            self.add_fingerprints(page.site, page_key(page),
                                  fingerprint_paragraphs(page.paragraphs, self.config))

    def add_texts(self, site_key: str | None, page_key: str, texts: Sequence[str],
                  linked: Sequence[bool] | None = None) -> None:
        """Index one page given as its site key, page key and paragraph texts, and which of
        them are links (``LINKED_SHARE``; none when not given)."""
        if site_key is not None:
            self.add_fingerprints(site_key, page_key,
                                  fingerprint_texts(texts, linked, self.config))

    def add_fingerprints(self, site_key: str, page_key: str, fingerprints: Fingerprints) -> None:
        """Index one page given as its site key, page key and ``Fingerprints``. Past the site's
        ``max_site_pages``, a page joins only if it outranks one the site keeps, which leaves."""
        if len(fingerprints.texts) != len(fingerprints.keys):
            raise ValueError(f"Fingerprints of {len(fingerprints.keys)} keys and "
                             f"{len(fingerprints.texts)} texts")
        site = self._site(site_key)
        number = site.page_numbers.get(page_key)
        if number is not None:
            site.drop_page(number)
        elif not self._admit(site, page_key):
            return
        else:
            number = site.new_page(page_key)
        texts = fingerprints.texts
        for i, node in site.hold(number, fingerprints.keys):
            if len(texts[i]) >= self.config.min_chars:
                site.pending[node] = texts[i]
        if site.pages > 1:
            self._sign_pending(site)

    def _admit(self, site: _Site, page_key: str) -> bool:
        """Whether a page new to ``site`` may join it under the cap; if the site is full and
        the page outranks the last one kept, that one leaves."""
        cap = self.config.max_site_pages
        if cap is None or site.pages < cap:
            return True
        if site.kept is None:
            keys = list(site.page_numbers)
            site.kept = [_Rank(rank, key) for rank, key in zip(page_ranks(keys), keys,
                                                                strict=True)]
            heapq.heapify(site.kept)
        new = _Rank(page_ranks([page_key])[0], page_key)
        if not site.kept[0] < new:  # the new page ranks at or past the last one kept
            return False
        site.drop_page(site.page_numbers.pop(heapq.heapreplace(site.kept, new).key))
        return True

    def _sign_pending(self, site: _Site) -> None:
        """Give the site's pending nodes their MinHash signatures and LSH entries."""
        if not site.pending:
            return
        nodes, texts = list(site.pending), list(site.pending.values())
        site.pending.clear()
        site.sign(nodes, self._hasher.minhashes(shingle_sets(texts, self.config)))

    def add_all(self, pages: Iterable[Page]) -> None:
        """``add`` every page (pages with an error or no site are skipped)."""
        for page in pages:
            if page.error is None:
                self.add(page)

    # -- asking -----------------------------------------------------------------------------

    def recurrence(self, page: Page) -> list[Recurrence] | None:
        """Per paragraph of ``page``, its recurrence on the site's *other* pages; ``None`` when
        the page has no site key (no evidence, which is not the same as no recurrence)."""
        if page.site is None:
            return None
        return self.recurrence_of_fingerprints(page.site, page_key(page),
                                         fingerprint_paragraphs(page.paragraphs, self.config))

    def recurrence_of_texts(self, site_key: str | None, page_key: str, texts: Sequence[str],
                            linked: Sequence[bool] | None = None) -> list[Recurrence] | None:
        """``recurrence`` for a page given as its site key, page key, paragraph texts and
        which of them are links (as in ``add_texts``). A paragraph recurs only where the same
        or a near-duplicate text plays the same role."""
        if site_key is None:
            return None
        return self.recurrence_of_fingerprints(site_key, page_key,
                                         fingerprint_texts(texts, linked, self.config))

    def recurrence_of_fingerprints(self, site_key: str, page_key: str, fingerprints: Fingerprints
                             ) -> list[Recurrence]:
        """``recurrence`` for a page given as its site key, page key and ``Fingerprints``."""
        site = self._sites.get(site_key)
        if site is None:
            return [Recurrence() for _ in fingerprints.keys]
        own = site.page_numbers.get(page_key)
        others = site.pages - (1 if own is not None else 0)
        if others == 0:  # the site's only page: nothing to compare with
            return [Recurrence() for _ in fingerprints.keys]
        self._sign_pending(site)  # a page from outside the index, asking about the only one
        normalised, exact = list(fingerprints.texts), list(fingerprints.keys)
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
            self._merge_site(site, record)
            if site.pages > 1:
                self._sign_pending(site)

    def _merge_site(self, site: _Site, record: SiteRecord) -> None:
        """Add the pages of ``record`` that ``site`` lacks (by page key), under the site's cap
        (``_admit``), with their nodes and the signatures of nodes new here; pages the site
        has keep its own version."""
        nodes_of: dict[int, list[int]] = {}
        for node, pages_of_node in enumerate(record.node_pages):
            for number in pages_of_node:
                nodes_of.setdefault(number, []).append(node)
        signature_of = dict(zip(record.signed, record.signatures, strict=True))
        fresh = []
        for key, theirs in record.pages:
            if key in site.page_numbers or not self._admit(site, key):
                continue
            number = site.new_page(key)
            held = nodes_of.get(theirs, [])
            for i, ours in site.hold(number, [record.node_hashes[node] for node in held]):
                if held[i] in signature_of:
                    fresh.append((ours, signature_of[held[i]]))
        # Signed once every page is in: a node whose page a later one pushed out for the cap
        # is forgotten by then.
        fresh = [(node, values) for node, values in fresh if node in site.node_pages]
        site.sign([node for node, _ in fresh],
                  [self._hasher.minhash(values) for _, values in fresh])

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
    """What identifies a page within its site: its URL, else its id. A page added again under
    the same key replaces its earlier version."""
    return page.url or page.id
