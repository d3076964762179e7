"""Paragraph fingerprints for the site index: normalised text, its exact key, its shingles, and
their MinHash signatures.

A paragraph is compared after normalising (case, digits, punctuation and white space folded):
first by an exact 64-bit key of that text (``exact_keys``), then by MinHash over its shingles
(``shingle_sets``: word 3-shingles, character 4-shingles for short paragraphs), which finds
near-duplicates whose dates, names or numbers changed. ``MinHasher`` signs many shingle sets at
once the way datasketch's ``MinHash(scheme="affine64")`` signs one (a test pins them equal).
Everything here is computed for a batch of texts at once with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash

from classifier.codepoints import BLANK, ZERO, decode, word_codes
from classifier.document import Paragraph
from classifier.hashing import MIX, hash_strings
from classifier.sites import MAX_SITE_PAGES_DEFAULT

#: A paragraph with at least this share of its characters inside links is a link (a menu
#: entry, a related story). A text as a link and the same text as prose play two roles, and
#: recur only within one: a story's headline, linked from its site's other pages, is not a
#: template line of its own page.
LINKED_SHARE = 0.5
#: MinHash's scheme, as datasketch names it.
SCHEME = "affine64"
#: MurmurHash3's 64-bit finalizer (shift, multiplier, shift, multiplier, shift), the pre-mix of
#: datasketch's "affine64" MinHash scheme, which ``MinHasher`` computes in bulk.
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33),
           np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
#: Shingles signed per numpy step; bounds the (shingles × permutations) temporary to 32 MB.
SIGN_BLOCK = 1 << 16
#: Joins the texts of a batch in ``normalise_all``; no text holds it once normalised.
_JOIN = "\x01"


@dataclass(frozen=True)
class IndexConfig:
    """How paragraphs are fingerprinted and matched; a bad value fails here, named.

    ``num_perm``: MinHash permutations (more: better Jaccard estimates, more memory).
    ``threshold``: Jaccard similarity from which two paragraphs are near-duplicates; 0.6 keeps a
    40-word disclaimer whose date and name changed (J ≈ 0.8) and rejects paragraphs that share
    only a phrase. ``shingle_words``: words per shingle; paragraphs with fewer than
    ``short_words`` words use ``char_shingle``-character shingles instead. Paragraphs shorter
    than ``min_chars`` normalised characters are matched exactly only. ``seed`` draws the
    MinHash permutations. ``max_site_pages``: reference pages kept per site, the ones whose
    page keys hash lowest (``page_ranks``), whatever the order pages come in; the site's other
    pages are asked about as outsiders. ``None``: no cap.
    """

    num_perm: int = 64
    threshold: float = 0.6
    shingle_words: int = 3
    short_words: int = 6
    char_shingle: int = 4
    min_chars: int = 8
    seed: int = 1
    max_site_pages: int | None = MAX_SITE_PAGES_DEFAULT

    def __post_init__(self) -> None:
        # Upper bounds too: an index file's config reaches here, and a num_perm of 1e12 (or a
        # shingle of a billion words) would allocate, or loop, until the process is killed.
        counts = {"num_perm": (8, 1024), "shingle_words": (1, 64), "short_words": (0, 1000),
                  "char_shingle": (1, 64), "min_chars": (0, 100_000), "seed": (0, 2**32 - 1),
                  "max_site_pages": (1, 2**62)}
        for name, (least, most) in counts.items():
            value = getattr(self, name)
            if value is None and name == "max_site_pages":
                continue
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not least <= value <= most):
                raise ValueError(f"IndexConfig.{name} must be a whole number from {least} to "
                                 f"{most}, got {value!r}")
        if (isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float))
                or not 0 < self.threshold <= 1):
            raise ValueError(f"IndexConfig.threshold must be in (0, 1], got {self.threshold!r}")


def normalise(text: str) -> str:
    """Lower-case, runs of digits folded to one ``0``, runs of anything but letters and digits
    (``_`` too) to one space, none at the ends."""
    return normalise_all([text])[0]


def normalise_all(texts: Sequence[str]) -> list[str]:
    """``normalise`` of each of ``texts``, all at once: mapped through a code point table,
    then digit runs, space runs and spaces at the ends dropped by numpy masks."""
    if not texts:
        return []
    lowered = [t.lower() for t in texts]
    mapped = word_codes(_JOIN.join(lowered), underscore=False)
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
    join = ord(_JOIN)  # mapped to a blank like any other separator; restored, below BLANK
    mapped[np.cumsum(lengths + 1)[:-1] - 1] = join
    keep = ~((mapped == ZERO) & np.r_[False, mapped[:-1] == ZERO])
    mapped = mapped[keep]
    # A blank survives only before a letter or digit, then only after one.
    keep = (mapped != BLANK) | (np.r_[mapped[1:], join] > BLANK)
    mapped = mapped[keep]
    keep = (mapped != BLANK) | (np.r_[join, mapped[:-1]] > BLANK)
    return decode(mapped[keep]).split(_JOIN)


def page_ranks(page_keys: Sequence[str]) -> list[int]:
    """The rank of each page key for ``IndexConfig.max_site_pages``: a stable 64-bit hash, the
    same on every machine and run, so the pages a site keeps do not depend on input order."""
    return hash_strings(page_keys).tolist() if len(page_keys) else []


@dataclass(frozen=True)
class Fingerprints:
    """A page's paragraphs as the site index compares them, in order: ``keys``, each one's
    exact key (``exact_keys``: the role in its lowest bit), and ``texts``, each one's normalised
    text, or ``""`` below ``IndexConfig.min_chars`` (such text is matched by its key only).

    Tens of bytes a paragraph where the page is tens of KB: this is what a distributed run
    sends from the readers to the site's index (``classifier.distributed``).
    """

    keys: tuple[int, ...]
    texts: tuple[str, ...]


def fingerprint_texts(texts: Sequence[str], linked: Sequence[bool] | None,
                      config: IndexConfig) -> Fingerprints:
    """The ``Fingerprints`` of paragraph ``texts`` (``linked``: which are links, as
    ``link_flags`` says; ``None``: none)."""
    normalised = normalise_all(texts)
    return Fingerprints(tuple(exact_keys(normalised, linked)),
                        tuple(t if len(t) >= config.min_chars else "" for t in normalised))


def link_flags(paragraphs: Sequence[Paragraph]) -> list[bool]:
    """Which of ``paragraphs`` are links (``LINKED_SHARE``)."""
    return [p.link_density >= LINKED_SHARE for p in paragraphs]


def fingerprint_paragraphs(paragraphs: Sequence[Paragraph], config: IndexConfig) -> Fingerprints:
    """The ``Fingerprints`` of a segmented page's paragraphs: their texts, in their roles."""
    return fingerprint_texts([p.text for p in paragraphs], link_flags(paragraphs), config)


def exact_keys(normalised: list[str], linked: Sequence[bool] | None) -> list[int]:
    """Exact keys of normalised paragraphs: a 64-bit hash whose lowest bit is the role (1 for
    a link), so that the two roles of one text are two keys."""
    if not normalised:
        return []
    roles = (np.zeros(len(normalised), dtype=np.uint64) if linked is None
             else np.asarray(linked, dtype=np.uint64))
    return ((hash_strings(normalised) & ~np.uint64(1)) | roles).tolist()


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
        hashed = hash_strings(tokens)
        m = len(tokens) - k + 1
        combined = hashed[:m].copy()
        same = np.ones(m, dtype=bool)
        for j in range(1, k):
            combined = combined * MIX ^ hashed[j: j + m]
            same &= owner[j: j + m] == owner[:m]
        for i, shingles in zip(long, _distinct_per_owner(combined[same], owner[:m][same],
                                                         len(long)), strict=True):
            result[i] = shingles
    c = config.char_shingle
    if short:
        grams = [normalised[i][j: j + c] for i in short for j in range(len(normalised[i]) - c + 1)]
        owner = np.repeat(np.arange(len(short)), [len(normalised[i]) - c + 1 for i in short])
        for i, shingles in zip(short, _distinct_per_owner(hash_strings(grams), owner,
                                                          len(short)), strict=True):
            result[i] = shingles
    return result


def _fmix64(values: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX64
    values = values ^ (values >> s1)
    values = values * m1
    values = values ^ (values >> s2)
    values = values * m2
    return values ^ (values >> s3)


class MinHasher:
    """MinHash signatures of shingle sets, as datasketch's ``MinHash(num_perm, seed,
    scheme="affine64")`` computes them (each shingle hash pre-mixed, then ``a * h + b`` per
    permutation, the minimum kept), for many sets at once: one numpy pass per block of shingles
    instead of one call per set. The permutations are datasketch's own, drawn from ``seed``."""

    def __init__(self, config: IndexConfig) -> None:
        self.num_perm = config.num_perm
        self.seed = config.seed
        self._permutations = MinHash(num_perm=self.num_perm, seed=self.seed,
                                     scheme=SCHEME).permutations

    def signatures(self, shingles: Sequence[np.ndarray]) -> np.ndarray:
        """One row of ``num_perm`` hash values (``uint64``) per shingle set; an empty set keeps
        datasketch's initial values."""
        a, b = self._permutations
        lengths = np.fromiter(map(len, shingles), dtype=np.int64, count=len(shingles))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        signatures = np.full((len(shingles), self.num_perm), np.iinfo(np.uint64).max,
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
        return signatures

    def minhash(self, hashvalues: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` holding one signature (for an LSH insert or query)."""
        return LeanMinHash(seed=self.seed, hashvalues=hashvalues, scheme=SCHEME)

    def minhashes(self, shingles: Sequence[np.ndarray]) -> list[LeanMinHash]:
        """``minhash`` of each of ``signatures(shingles)``."""
        return [self.minhash(values) for values in self.signatures(shingles)]
