"""Cross-page recurrence: which paragraphs of a page recur, nearly word for word, on other pages
of the same site.

A ``SiteIndex`` keeps, per site, every distinct normalised paragraph seen (a *node*) with the
pages it occurs on. A paragraph is looked up first by an exact 64-bit hash of its normalised
text (case, digits, punctuation and white space folded), then by a datasketch ``MinHashLSH``
over word 3-shingles (character 4-shingles for short paragraphs), which finds near-duplicates
whose dates, names or numbers changed. Sites never share evidence, a page added again
replaces its earlier version rather than counting twice, and a text recurs only in the same
role, link or prose (``LINKED_SHARE``).

The index answers per paragraph: on how many *other* pages of the site a near-duplicate
occurs, that count as a share of the site's other pages, and the best Jaccard similarity.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from datasketch import LeanMinHash, MinHash, MinHashLSH

from classifier.atomic import atomic_path
from classifier.codepoints import SPACE, ZERO, decode, word_codes
from classifier.document import Page, Paragraph, Recurrence

#: Bumped when the saved index layout changes; older files are refused with a clear message.
INDEX_FORMAT_VERSION = 2
#: A paragraph with at least this share of its characters inside links is a link (a menu
#: entry, a related story). A text as a link and the same text as prose play two roles, and
#: recur only within one: a story's headline, linked from its site's other pages, is not a
#: template line of its own page.
LINKED_SHARE = 0.5
_MIX = np.uint64(0x9E3779B97F4A7C15)


class IndexFileError(Exception):
    """An index file that cannot be read: missing, truncated, corrupt or from another version."""


@dataclass(frozen=True)
class IndexConfig:
    """How paragraphs are fingerprinted and matched.

    ``num_perm``: MinHash permutations (more: better Jaccard estimates, more memory).
    ``threshold``: Jaccard similarity from which two paragraphs are near-duplicates; 0.6 keeps a
    40-word disclaimer whose date and name changed (J ≈ 0.8) and rejects paragraphs that share
    only a phrase. ``shingle_words``: words per shingle; paragraphs with fewer than
    ``short_words`` words use ``char_shingle``-character shingles instead. Paragraphs shorter
    than ``min_chars`` normalised characters are matched exactly only.
    """

    num_perm: int = 64
    threshold: float = 0.6
    shingle_words: int = 3
    short_words: int = 6
    char_shingle: int = 4
    min_chars: int = 8
    seed: int = 1


def normalise(text: str) -> str:
    """Lower-case, runs of digits folded to one ``0``, runs of anything but letters and digits
    (``_`` too) to one space, none at the ends."""
    return normalise_all([text])[0]


#: Ends each text in ``normalise_all``'s batch (after mapping, where no text has it).
_END = 1


def normalise_all(texts: Sequence[str]) -> list[str]:
    """``normalise`` of each of ``texts``, all at once: mapped through a code point table,
    then digit runs, space runs and spaces at the ends dropped by numpy masks."""
    if not texts:
        return []
    lowered = [t.lower() for t in texts]
    mapped = word_codes("\x01".join(lowered), underscore=False)
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
    mapped[np.cumsum(lengths + 1)[:-1] - 1] = _END
    keep = ~((mapped == ZERO) & np.r_[False, mapped[:-1] == ZERO])
    mapped = mapped[keep]
    # A space survives only before a letter or digit, then only after one.
    keep = (mapped != SPACE) | (np.r_[mapped[1:], _END] > SPACE)
    mapped = mapped[keep]
    keep = (mapped != SPACE) | (np.r_[_END, mapped[:-1]] > SPACE)
    return decode(mapped[keep]).split("\x01")


def _hashes(strings: Sequence[str]) -> np.ndarray:
    return pd.util.hash_array(np.asarray(strings, dtype=object), categorize=False)


def _keys(normalised: list[str], linked: Sequence[bool] | None) -> list[int]:
    """Exact keys of normalised paragraphs: a 64-bit hash whose lowest bit is the role (1 for
    a link), so that the two roles of one text are two nodes."""
    if not normalised:
        return []
    roles = (np.zeros(len(normalised), dtype=np.uint64) if linked is None
             else np.asarray(linked, dtype=np.uint64))
    return ((_hashes(normalised) & ~np.uint64(1)) | roles).tolist()


def link_flags(paragraphs: Sequence[Paragraph]) -> list[bool]:
    """Which of ``paragraphs`` are links (``LINKED_SHARE``)."""
    return [p.link_density >= LINKED_SHARE for p in paragraphs]


def _distinct_per_owner(values: np.ndarray, owner: np.ndarray, n: int) -> list[np.ndarray]:
    """For owners ``0..n-1``, the sorted distinct ``values`` each owns (one sort for all)."""
    order = np.lexsort((values, owner))
    values, owner = values[order], owner[order]
    keep = np.r_[True, (values[1:] != values[:-1]) | (owner[1:] != owner[:-1])]
    values, owner = values[keep], owner[keep]
    return np.split(values, np.searchsorted(owner, np.arange(1, n)))


def shingle_sets(normalised: Sequence[str], config: IndexConfig) -> list[np.ndarray]:
    """Per normalised paragraph, its distinct shingles as sorted 64-bit hashes: word
    ``shingle_words``-shingles, or character ``char_shingle``-shingles for paragraphs of fewer
    than ``short_words`` words; none below ``min_chars`` characters. Hashed and deduplicated
    in bulk with numpy."""
    result: list[np.ndarray] = [np.zeros(0, dtype=np.uint64)] * len(normalised)
    words = [text.split() for text in normalised]
    long = [i for i, w in enumerate(words) if len(w) >= config.short_words]
    short = [i for i, w in enumerate(words)
             if len(w) < config.short_words and len(normalised[i]) >= config.min_chars]
    k = config.shingle_words
    if long:
        tokens = [t for i in long for t in words[i]]
        owner = np.repeat(np.arange(len(long)), [len(words[i]) for i in long])
        hashed = _hashes(tokens)
        m = len(tokens) - k + 1
        combined = hashed[:m].copy()
        same = np.ones(m, dtype=bool)
        for j in range(1, k):
            combined = combined * _MIX ^ hashed[j: j + m]
            same &= owner[j: j + m] == owner[:m]
        for i, shingles in zip(long, _distinct_per_owner(combined[same], owner[:m][same],
                                                         len(long)), strict=True):
            result[i] = shingles
    c = config.char_shingle
    if short:
        grams = [normalised[i][j: j + c] for i in short for j in range(len(normalised[i]) - c + 1)]
        owner = np.repeat(np.arange(len(short)), [len(normalised[i]) - c + 1 for i in short])
        for i, shingles in zip(short, _distinct_per_owner(_hashes(grams), owner, len(short)),
                               strict=True):
            result[i] = shingles
    return result


#: MurmurHash3's 64-bit finalizer (shift, multiplier, shift, multiplier, shift), the pre-mix of
#: datasketch's "affine64" MinHash scheme, which ``SiteIndex._minhashes`` computes in bulk.
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33),
           np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
#: Shingles signed per numpy step; bounds the (shingles × permutations) temporary to 32 MB.
SIGN_BLOCK = 1 << 16


def _fmix64(values: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX64
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


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


class SiteIndex:
    """Per-site memory of paragraphs, answering how often a paragraph recurs on other pages.

    Small verbs: ``add`` a page's paragraphs, ``recurrence`` of a page's paragraphs,
    ``annotate`` a page with them; ``save`` and ``load`` a file. Pages need a ``site`` key
    (``None`` means no evidence) and are identified by URL, else id.
    """

    def __init__(self, config: IndexConfig | None = None):
        self.config = config or IndexConfig()
        if not 0 < self.config.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.config.threshold}")
        if self.config.num_perm < 8:
            raise ValueError(f"num_perm must be at least 8, got {self.config.num_perm}")
        self._sites: dict[str, _Site] = {}
        # Shared by every site: LSH banding (datasketch optimises it by numeric integration,
        # milliseconds a call) and MinHash permutations (drawn from the seed).
        template = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm)
        self._bands = (template.b, template.r)
        self._permutations = MinHash(num_perm=self.config.num_perm, seed=self.config.seed,
                                     scheme="affine64").permutations

    # -- building ---------------------------------------------------------------------------

    def _site(self, key: str) -> _Site:
        site = self._sites.get(key)
        if site is None:
            lsh = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm,
                             params=self._bands)
            site = self._sites[key] = _Site(lsh=lsh)
        return site

    def _minhashes(self, shingles: Sequence[np.ndarray]) -> list[LeanMinHash]:
        """One MinHash per shingle set, as datasketch's "affine64" scheme computes it (each
        shingle hash pre-mixed, then ``a * h + b`` per permutation, the minimum kept), for all
        sets at once: one numpy pass per block of shingles instead of one call per set.
        An empty set keeps datasketch's initial values."""
        a, b = self._permutations
        lengths = np.fromiter(map(len, shingles), dtype=np.int64, count=len(shingles))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        signatures = np.full((len(shingles), self.config.num_perm), np.iinfo(np.uint64).max,
                             dtype=np.uint64)
        rows = np.flatnonzero(lengths)
        if len(rows):
            mixed = _fmix64(np.concatenate([shingles[int(i)] for i in rows]).astype(np.uint64))
            offsets = starts[rows] - starts[rows[0]]  # where each set starts in ``mixed``
            first = 0
            while first < len(rows):
                # Whole sets up to SIGN_BLOCK shingles (at least one set) per step.
                last = max(first + 1, int(np.searchsorted(offsets, offsets[first] + SIGN_BLOCK,
                                                          side="right")))
                end = offsets[last] if last < len(rows) else len(mixed)
                block = mixed[offsets[first]: end, None] * a + b
                signatures[rows[first:last]] = np.minimum.reduceat(
                    block, offsets[first:last] - offsets[first], axis=0)
                first = last
        return [LeanMinHash(seed=self.config.seed, hashvalues=values, scheme="affine64")
                for values in signatures]

    def add(self, page: Page) -> None:
        """Index the paragraphs of a segmented page under its site; re-adding a page (same URL,
        else same id) replaces its earlier version."""
        self.add_texts(page.site, _page_key(page), [p.text for p in page.paragraphs],
                       link_flags(page.paragraphs))

    def add_texts(self, site_key: str | None, page_key: str, texts: Sequence[str],
                  linked: Sequence[bool] | None = None) -> None:
        """Index one page given as its site key, page key and paragraph texts, and which of
        them are links (``LINKED_SHARE``; none when not given)."""
        if site_key is None:
            return
        site = self._site(site_key)
        number = site.page_numbers.get(page_key)
        if number is None:
            number = site.page_numbers[page_key] = site.next_page
            site.next_page += 1
        else:
            for node in site.page_nodes.pop(number, []):
                site.node_pages[node].discard(number)
        normalised = normalise_all(texts)
        nodes: list[int] = []
        fresh: dict[int, str] = {}
        for h, text in zip(_keys(normalised, linked), normalised, strict=True):
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
        minhashes = self._minhashes(shingle_sets(texts, self.config))
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
        return self.recurrence_of_texts(page.site, _page_key(page),
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
        exact = _keys(normalised, linked)
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
        computed = dict(zip(missing, self._minhashes(
            shingle_sets([normalised[i] for i in missing], self.config)), strict=True))
        return [computed[i] if i in computed else
                LeanMinHash(seed=self.config.seed, hashvalues=stored[i], scheme="affine64")
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

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically (a zip of arrays and JSON; no pickles)."""
        sites = sorted(self._sites)
        for site in self._sites.values():
            self._sign_pending(site)  # files hold every signature
        header = {"format": "boilerplate-site-index", "version": INDEX_FORMAT_VERSION,
                  "config": asdict(self.config), "sites": sites,
                  "pages": [sorted(self._sites[s].page_numbers.items(), key=lambda kv: kv[1])
                            for s in sites]}
        arrays: dict[str, np.ndarray] = {}
        for n, key in enumerate(sites):
            site = self._sites[key]
            members = [sorted(pages) for pages in site.node_pages]
            arrays[f"{n}.hashes"] = np.asarray(site.node_hashes, dtype=np.uint64)
            arrays[f"{n}.indptr"] = np.cumsum([0, *map(len, members)]).astype(np.int64)
            arrays[f"{n}.members"] = np.asarray([p for m in members for p in m], dtype=np.int64)
            signed = sorted(site.signatures)
            arrays[f"{n}.signed"] = np.asarray(signed, dtype=np.int64)
            arrays[f"{n}.signatures"] = (np.stack([site.signatures[i] for i in signed])
                                         if signed else np.zeros((0, self.config.num_perm),
                                                                 dtype=np.uint64))
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("header.json", json.dumps(header))
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub
            archive.writestr("arrays.npz", buffer.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SiteIndex:
        """Read an index written by ``save``; raises ``IndexFileError`` saying what is wrong."""
        try:
            with zipfile.ZipFile(path) as archive:
                header = json.loads(archive.read("header.json"))
                arrays = np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False)
                arrays = {k: arrays[k] for k in arrays.files}
        except FileNotFoundError:
            raise IndexFileError(f"index file {path} not found") from None
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
            raise IndexFileError(f"index file {path} is truncated or corrupt ({error}); "
                                 "rebuild it with `boilerplate index build`") from None
        if header.get("format") != "boilerplate-site-index":
            raise IndexFileError(f"{path} is not a boilerplate site index")
        if header.get("version") != INDEX_FORMAT_VERSION:
            raise IndexFileError(f"index file {path} has format version {header.get('version')}, "
                                 f"this version reads {INDEX_FORMAT_VERSION}; rebuild it")
        try:
            index = cls(IndexConfig(**header["config"]))
            for n, key in enumerate(header["sites"]):
                index._restore_site(key, header["pages"][n], arrays, n)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise IndexFileError(f"index file {path} is inconsistent ({error}); "
                                 "rebuild it") from None
        return index

    def _restore_site(self, key: str, pages: list[list], arrays: dict[str, np.ndarray],
                      n: int) -> None:
        site = self._site(key)
        site.page_numbers = {str(k): int(v) for k, v in pages}
        site.next_page = max(site.page_numbers.values(), default=-1) + 1
        hashes = arrays[f"{n}.hashes"].tolist()
        indptr, members = arrays[f"{n}.indptr"], arrays[f"{n}.members"].tolist()
        site.node_hashes = hashes
        site.node_of_hash = {h: i for i, h in enumerate(hashes)}
        site.node_pages = [set(members[indptr[i]: indptr[i + 1]]) for i in range(len(hashes))]
        for node, pages_of_node in enumerate(site.node_pages):
            for page in pages_of_node:
                site.page_nodes.setdefault(page, []).append(node)
        signatures = arrays[f"{n}.signatures"]
        with site.lsh.insertion_session() as session:
            for node, values in zip(arrays[f"{n}.signed"].tolist(), signatures, strict=True):
                minhash = LeanMinHash(seed=self.config.seed, hashvalues=values, scheme="affine64")
                session.insert(node, minhash, check_duplication=False)
                site.signatures[node] = minhash.hashvalues


def _page_key(page: Page) -> str:
    return page.url or page.id
