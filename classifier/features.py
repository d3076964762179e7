"""From annotated pages to the model's input: a paragraph table, then a feature matrix.

``paragraph_table`` flattens pages into a ``ParagraphTable``, one row per paragraph (pages
contiguous, paragraphs in order). ``ParagraphFeatures`` turns that table into a
``FeatureMatrix``: the page number, paragraph index and enclosing block elements of each row
(read by the context stage, never used as features), the dense features named in
``DENSE_FEATURES``, and hashed word n-grams, character n-grams and DOM tokens (bounded memory
whatever the vocabulary), each hashed block held once per distinct text or DOM view.

Everything is computed for a whole batch at once, and what reads a paragraph's text alone
once per distinct text of the batch (a site's recurring lines): the texts are joined into one
string, its code points classified through lookup tables, word tokens split off in C after
non-word characters are blanked, hashed by pandas in C, and counts gathered with
``numpy.bincount``; hashed blocks are built from their n-grams as they come, in row order,
without sorting. No Python loop runs per feature, and the only loops per paragraph or token
are single comprehensions. A page's features never depend on the other pages of its batch.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from classifier import codepoints
from classifier.cues import (
    CLASS_CUE_NAMES,
    CUE_NAMES,
    HeadTokens,
    class_cue_hits,
    text_cue_hits,
)
from classifier.document import InputKind, Page, Paragraph, Recurrence
from classifier.hashing import MIX, hash_strings
from classifier.stopwords import guess_language, stop_word_mask, stop_word_rows

#: Characters of a paragraph that feed shape features and word n-grams; bounds the cost of very
#: long paragraphs, whose shape is settled well before this.
SHAPE_CHARS = 300
#: Characters of a paragraph's head that the lexical cues read (within ``SHAPE_CHARS``, whose
#: word tokens prefilter them).
CUE_CHARS = 120
#: Characters from the head and tail of a paragraph for character n-grams: openings such as
#: "Disclaimer:", "[ad_1]" or "©" carry the signal.
CHAR_HEAD, CHAR_TAIL = 48, 24
#: Class/id tokens of the nearest ancestors, hashed apart from the rest ("near:" prefix).
NEAR_ANCESTORS = 3
#: Ancestor tokens kept in the DOM view, nearest first.
MAX_DOM_TOKENS = 48
#: The ``log_chars`` feature is ``log1p(characters) / LOG_CHARS_SCALE``; ``chars_of`` inverts it.
LOG_CHARS_SCALE = 8.0

TAG_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("tag_heading", frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "title"})),
    ("tag_p", frozenset({"p"})),
    ("tag_li", frozenset({"li", "dd", "dt"})),
    ("tag_cell", frozenset({"td", "th"})),
    ("tag_div", frozenset({"div", "section", "article", "main", "center", "body", "html"})),
    ("tag_quote", frozenset({"blockquote", "pre", "figcaption", "caption"})),
)
LANDMARKS = ("in_nav", "in_header", "in_footer", "in_aside", "in_form", "in_main")
SHAPE_FEATURES = (
    "log_chars", "log_words", "mean_word_length", "punctuation_share", "log_sentence_ends",
    "ends_terminal", "upper_share", "titlecase_share", "digit_share", "letter_share",
    "uncased_letter_share", "symbol_share", "separator_density", "starts_bracket",
    "stopword_density", "language_known", "log_lines", "page_char_share",
)
POSITION_FEATURES = ("relative_position", "log_from_start", "log_from_end", "log_page_paragraphs")
DOM_FEATURES = ("is_html", *(name for name, _ in TAG_GROUPS), "depth", "link_density",
                *LANDMARKS, *CLASS_CUE_NAMES)
RECURRENCE_FEATURES = ("recurrence_known", "recurrence_log_pages", "recurrence_share",
                       "recurrence_jaccard", "recurrence_log_site_pages")
DENSE_FEATURES: tuple[str, ...] = (*SHAPE_FEATURES, *CUE_NAMES, *POSITION_FEATURES,
                                   *DOM_FEATURES, *RECURRENCE_FEATURES)
#: Enclosing block elements per paragraph passed to the context stage, own element first.
CONTAINER_LEVELS = 8
CONTAINER_COLUMNS = tuple(f"container_{level}" for level in range(CONTAINER_LEVELS))
META_COLUMNS = ("page", "index", *CONTAINER_COLUMNS)
TABLE_COLUMNS = ("page", "index", *CONTAINER_COLUMNS, "n", "text", "lines", "is_html", "tag",
                 "depth",
                 "link_density", "dom", *LANDMARKS, "recurrence_known", "recurrence_pages",
                 "recurrence_share", "recurrence_jaccard", "recurrence_site_pages")

# Character classes, one code per code point of the Basic Multilingual Plane.
SPACE, UPPER, LOWER, UNCASED, DIGIT, TERMINAL, PUNCT, SYMBOL, SEPARATOR, BOUNDARY = range(10)
N_CLASSES = 10
_TERMINALS = ".!?。！？…"
_SEPARATORS = "|»›·•>"
_CLOSERS = frozenset(ord(c) for c in ".!?。！？…:;\"'”’»)")
_OPENERS = frozenset(ord(c) for c in "[({<")
_WORD_CLASSES = np.zeros(N_CLASSES, dtype=bool)
_WORD_CLASSES[[UPPER, LOWER, UNCASED, DIGIT]] = True
#: Ends each paragraph in a batch's token stream. Not NUL: numpy drops trailing NULs of strings.
#: What the DOM features read of a paragraph: its block tag and ancestor class/id tokens.
DomView = tuple[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """Class code of every BMP code point (built once, on first use)."""
    table = np.full(0x10000, SYMBOL, dtype=np.uint8)
    for cp in range(0x10000):
        ch = chr(cp)
        category = unicodedata.category(ch)
        if ch.isspace() or category[0] in "ZC":
            table[cp] = SPACE
        elif category in ("Lu", "Lt"):
            table[cp] = UPPER
        elif category == "Ll":
            table[cp] = LOWER
        elif category[0] in "LM":
            table[cp] = UNCASED
        elif category[0] == "N":
            table[cp] = DIGIT
        elif category[0] == "P":
            table[cp] = PUNCT
    for ch in _TERMINALS:
        table[ord(ch)] = TERMINAL
    for ch in _SEPARATORS:
        table[ord(ch)] = SEPARATOR
    table[0] = BOUNDARY
    return table


def _words(samples: list[str]) -> tuple[list[str], np.ndarray]:
    """The word tokens of ``samples`` (lower-cased, digits folded to "0"; the same tokens as
    ``\\w+`` finds) in order, and each token's sample number. One C-level split of the batch:
    non-word characters are blanked through a lookup table first."""
    lowered = [sample.lower() for sample in samples]
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    mapped = codepoints.word_codes(" ".join(lowered) + " ", underscore=True)
    is_word = mapped != codepoints.BLANK
    token_starts = np.flatnonzero(is_word & ~np.r_[False, is_word[:-1]])
    owner = np.searchsorted(starts, token_starts, side="right") - 1
    return codepoints.decode(mapped).split(), owner


def _tokens(samples: list[str]) -> HeadTokens:
    """The word tokens of ``samples``, factorised into a vocabulary."""
    words, owner = _words(samples)
    codes, vocabulary = pd.factorize(np.asarray(words, dtype=object))
    return HeadTokens(vocabulary, codes, owner)


@dataclass(frozen=True)
class HashedBlock:
    """A hashed feature block held once per distinct key (a text, a DOM view): row ``i`` of the
    paragraph table reads row ``rows[i]`` of ``matrix``."""

    matrix: sp.csr_matrix
    rows: np.ndarray


@dataclass(frozen=True)
class FeatureMatrix:
    """The model's input for a paragraph table: ``meta`` (``META_COLUMNS``, for the context
    stage only), ``dense`` (``DENSE_FEATURES``) and the ``hashed`` blocks (words, characters,
    DOM tokens), one row per paragraph.

    The features proper are ``[dense | hashed]``: ``sparse`` builds that matrix (to fit on),
    and ``dot`` multiplies by it without building it, each hashed block once per distinct key.
    """

    meta: np.ndarray
    dense: np.ndarray
    hashed: tuple[HashedBlock, ...]

    def sparse(self) -> sp.csr_matrix:
        """``[dense | hashed]`` as one sparse matrix, one row per paragraph, a row's repeated
        columns summed."""
        matrix = sp.hstack([sp.csr_matrix(self.dense),
                            *(block.matrix[block.rows] for block in self.hashed)],
                           format="csr", dtype=np.float32)
        matrix.sum_duplicates()
        return matrix

    def dot(self, weights: Sequence[np.ndarray]) -> np.ndarray:
        """``sparse() @ concatenate(weights)``, given the weights' rows split as the columns
        are: first the dense features', then each hashed block's."""
        dense, *hashed = weights
        out = self.dense @ dense
        for block, block_weights in zip(self.hashed, hashed, strict=True):
            out += (block.matrix @ block_weights)[block.rows]
        return out


@dataclass(frozen=True)
class ParagraphTable:
    """One row per paragraph of a batch of pages (pages contiguous, paragraphs in order): every
    fact the features read, a column per ``TABLE_COLUMNS`` name (``text`` and ``tag`` lists of
    strings, ``dom`` a list of ``DomView`` s, ``None`` for a text page's rows, the rest numpy
    arrays). Plain columns, not a ``DataFrame``: building and
    reading one costs more than a one-page batch's features."""

    columns: dict[str, Any]

    def __len__(self) -> int:
        return len(self.columns["page"])

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]


_TEXT_FIELDS = ("text", "raw", "recurrence")
_DOM_FIELDS = ("tag", "depth", "link_density", *LANDMARKS, "ancestors", "containers")
#: What a text page's paragraphs hold in the DOM fields: the ``Paragraph`` defaults.
_DOM_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Paragraph)
                                  if f.name in _DOM_FIELDS}


#: The recurrence columns read from each paragraph's ``Recurrence``: column, field, dtype.
_RECURRENCE_FIELDS = (("recurrence_pages", "pages", np.int64),
                      ("recurrence_share", "share", np.float64),
                      ("recurrence_jaccard", "jaccard", np.float64),
                      ("recurrence_site_pages", "site_pages", np.int64))


def _recurrence_columns(recurrences: Sequence[Recurrence | None]) -> dict[str, np.ndarray]:
    """The table's recurrence columns. No index, or a site with no other indexed page:
    evidence unknown (zeros), not "unique"."""
    n = len(recurrences)
    evidence = [r if r is not None and r.site_pages > 0 else None for r in recurrences]
    known = np.fromiter((r is not None for r in evidence), dtype=bool, count=n)
    columns = {"recurrence_known": known}
    for name, field, dtype in _RECURRENCE_FIELDS:
        columns[name] = (np.fromiter((getattr(r, field) if r else 0 for r in evidence),
                                     dtype=dtype, count=n)
                         if known.any() else np.zeros(n, dtype=dtype))
    return columns


def paragraph_table(pages: Sequence[Page]) -> ParagraphTable:
    """One row per paragraph of ``pages`` (in order), with every fact the features read."""
    paragraphs = [p for page in pages for p in page.paragraphs]
    n = len(paragraphs)
    per_page = np.fromiter((len(page.paragraphs) for page in pages), dtype=np.int64,
                           count=len(pages))
    is_html = np.repeat([page.kind is InputKind.HTML for page in pages], per_page)
    # Only HTML paragraphs have DOM fields to read; text pages' hold the defaults.
    html = bool(n) and is_html.any()
    names = (*_TEXT_FIELDS, *_DOM_FIELDS) if html else _TEXT_FIELDS
    read = dict(zip(names, zip(*map(attrgetter(*names), paragraphs), strict=True),
                    strict=True)) if n else dict.fromkeys(names, ())

    def dom_column(name: str, dtype: type) -> np.ndarray:
        if name in read:
            return np.fromiter(read[name], dtype=dtype, count=n)
        return np.full(n, _DOM_DEFAULTS[name], dtype=dtype)

    texts, raws, recurrences = (read[name] for name in _TEXT_FIELDS)
    boxes = np.full((n, CONTAINER_LEVELS), -1, dtype=np.int64)
    if html:
        tags = list(read["tag"])
        dom: list[DomView | None] = [
            (tag, held) if from_html else None for tag, held, from_html
            in zip(tags, read["ancestors"], is_html.tolist(), strict=True)]
        held = [box[:CONTAINER_LEVELS] for box in read["containers"]]
        levels = np.fromiter(map(len, held), dtype=np.int64, count=n)
        boxes[np.repeat(np.arange(n), levels),
              np.arange(levels.sum()) - np.repeat(np.cumsum(levels) - levels, levels)] = \
            np.fromiter(chain.from_iterable(held), dtype=np.int64, count=levels.sum())
    else:
        tags, dom = [_DOM_DEFAULTS["tag"]] * n, [None] * n
    columns = {
        "page": np.repeat(np.arange(len(pages)), per_page),
        # A paragraph's index is its place in its page's list (as segmentation numbers it):
        # so any run of a page's paragraphs can be given as a page of its own.
        "index": np.arange(n) - np.repeat(np.cumsum(per_page) - per_page, per_page),
        **{name: boxes[:, level] for level, name in enumerate(CONTAINER_COLUMNS)},
        "n": np.repeat(per_page, per_page),
        "text": list(texts),
        "lines": np.fromiter((raw.count("\n") + 1 for raw in raws), dtype=np.int64, count=n),
        "is_html": is_html,
        "tag": tags,
        "depth": dom_column("depth", np.int64),
        "link_density": dom_column("link_density", np.float64),
        "dom": dom,
        **{name: dom_column(name, bool) for name in LANDMARKS},
        **_recurrence_columns(recurrences),
    }
    return ParagraphTable({name: columns[name] for name in TABLE_COLUMNS})


def dom_tokens(view: DomView | None) -> list[str]:
    """What the DOM hash reads of a paragraph's ``(tag, ancestors)`` (``None`` for a text
    page's, which has none): the block tag, the nearest class/id tokens marked ``near:``, then
    all ancestor tokens, nearest first."""
    if view is None:
        return []
    tag, ancestors = view
    return [f"tag={tag}", *(f"near:{t}" for t in ancestors[:NEAR_ANCESTORS]),
            *ancestors[:MAX_DOM_TOKENS]]


def _spans(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code points of ``texts`` joined with NUL after each, their paragraph number, and each
    paragraph's start offset."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = codepoints.code_points("\x00".join(texts) + "\x00")
    owner = np.repeat(np.arange(len(texts)), lengths + 1)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    return codes, owner, starts


def _counts(rows: np.ndarray, columns: np.ndarray, n_rows: int, bits: int) -> sp.csr_matrix:
    """Count matrix of (row, hashed column) pairs, each row scaled by one over the square root
    of its number of pairs. ``rows`` must be non-decreasing (pairs grouped by row): the matrix
    is then built without sorting, repeated columns of a row left as separate entries (which
    every product sums; ``sum_duplicates`` merges them)."""
    indptr = np.searchsorted(rows, np.arange(n_rows + 1))
    per_row = np.diff(indptr)
    scale = (1.0 / np.sqrt(np.maximum(per_row, 1))).astype(np.float32)
    indices = (columns & np.uint64((1 << bits) - 1)).astype(np.int32)
    return sp.csr_matrix((np.repeat(scale, per_row), indices, indptr), shape=(n_rows, 1 << bits))


def _shape_and_words(samples: list[str], tokens: HeadTokens, rows: np.ndarray,
                     pages: np.ndarray, full_lengths: np.ndarray, lines: np.ndarray,
                     word_bits: int) -> tuple[np.ndarray, sp.csr_matrix]:
    """Shape features (``SHAPE_FEATURES`` order, one row per row) and hashed word 1-2-grams of
    paragraph heads (one row per distinct text).

    ``samples`` are the heads (``SHAPE_CHARS``) of the batch's distinct texts, ``tokens`` their
    word tokens, and ``rows`` the distinct text of each row: what reads the text alone is
    computed once per distinct text; the page's language, and so stop-word density, from each
    page's own token stream.
    """
    n, d = len(rows), len(samples)
    codes, owner, starts = _spans(samples)
    classes = np.take(_char_classes(), codes, mode="clip")
    classes[codes > 0xFFFF] = SYMBOL
    counts = np.bincount(owner * N_CLASSES + classes, minlength=d * N_CLASSES)
    counts = counts.reshape(d, N_CLASSES).astype(np.float64)
    chars = np.maximum(counts[:, :BOUNDARY].sum(axis=1), 1)
    is_word = _WORD_CLASSES[classes]
    word_start = is_word & ~np.r_[False, is_word[:-1]]
    words = np.maximum(np.bincount(owner[word_start], minlength=d), 1)
    titles = np.bincount(owner[word_start & (classes == UPPER)], minlength=d)
    following = np.r_[classes[1:], BOUNDARY]
    ends = (classes == TERMINAL) & np.isin(following, (SPACE, BOUNDARY, PUNCT))
    sentence_ends = np.bincount(owner[ends], minlength=d)
    lengths = np.fromiter(map(len, samples), dtype=np.int64, count=d)
    last = codes[starts + np.maximum(lengths - 1, 0)]
    letters = np.maximum(counts[:, UPPER] + counts[:, LOWER] + counts[:, UNCASED], 1)
    word_chars = counts[:, UPPER] + counts[:, LOWER] + counts[:, UNCASED] + counts[:, DIGIT]

    vocabulary, codes_of, token_owner = tokens
    per_text = np.bincount(token_owner, minlength=d)
    # Each row's tokens, rows in order: the token stream of every page.
    row_tokens = per_text[rows]
    first = np.concatenate([[0], np.cumsum(per_text)[:-1]])[rows]
    stream = (np.repeat(first - np.concatenate([[0], np.cumsum(row_tokens)[:-1]]), row_tokens)
              + np.arange(row_tokens.sum()))
    row_of_token = np.repeat(np.arange(n), row_tokens)
    stop_rows = stop_word_rows(vocabulary)[codes_of[stream]]
    is_stop = np.zeros(len(stream), dtype=bool)
    known_pages = []
    token_page = pages[row_of_token]
    page_starts = np.flatnonzero(np.r_[True, token_page[1:] != token_page[:-1]])
    for a, b in zip(page_starts, np.r_[page_starts[1:], len(stream)], strict=True):
        language = guess_language(stop_rows[a:b])  # from the page's own first tokens
        if language is not None:
            is_stop[a:b] = stop_word_mask(stop_rows[a:b], language)
            known_pages.append(token_page[a])
    known = np.isin(pages, known_pages)
    n_tokens = np.maximum(row_tokens, 1)
    stop_density = np.bincount(row_of_token[is_stop], minlength=n) / n_tokens

    page_chars = np.bincount(pages, weights=full_lengths)[pages]
    per_distinct = np.column_stack([
        np.minimum(word_chars / words / 10, 3.0),
        (counts[:, TERMINAL] + counts[:, PUNCT]) / chars,
        np.log1p(sentence_ends) / 3,
        np.isin(last, list(_CLOSERS)),
        counts[:, UPPER] / letters,
        titles / words,
        counts[:, DIGIT] / chars,
        letters / chars,
        counts[:, UNCASED] / letters,
        counts[:, SYMBOL] / chars,
        counts[:, SEPARATOR] / words,
        np.isin(codes[starts], list(_OPENERS)),
    ])[rows]
    shape = np.column_stack([
        np.log1p(full_lengths) / LOG_CHARS_SCALE,
        np.log1p(n_tokens) / 6,
        per_distinct,
        stop_density,
        known,
        np.log1p(lines) / 4,
        full_lengths / np.maximum(page_chars, 1),
    ])

    hashes = hash_strings(vocabulary)[codes_of]
    # Each token's unigram, then the bigram it opens within its paragraph: pairs by row.
    grams = np.repeat(hashes, 2)
    grams[1:-1:2] = hashes[:-1] * MIX ^ hashes[1:]
    opens_bigram = np.zeros(len(hashes), dtype=bool)
    opens_bigram[:-1] = token_owner[:-1] == token_owner[1:]
    keep = np.column_stack([np.ones(len(hashes), dtype=bool), opens_bigram]).ravel()
    return shape, _counts(np.repeat(token_owner, 2)[keep], grams[keep], d, word_bits)


def chars_of(dense: np.ndarray) -> np.ndarray:
    """Paragraph lengths in characters, from the ``log_chars`` column of ``dense`` features."""
    return np.expm1(dense[:, DENSE_FEATURES.index("log_chars")] * LOG_CHARS_SCALE)


def _cues(texts: list[str], tokens: HeadTokens | None = None) -> np.ndarray:
    """``CUE_NAMES`` indicators from one scan per cue over the lower-cased heads of ``texts``
    (those that ``tokens``, the word tokens of ``texts``, let through)."""
    out = np.zeros((len(texts), len(CUE_NAMES)), dtype=np.float32)
    heads = [t[:CUE_CHARS].replace("\n", " ").lower() for t in texts]
    for j, hits in enumerate(text_cue_hits(heads, tokens)):
        out[hits, j] = 1.0
    return out


def _chars(texts: list[str], bits: int) -> sp.csr_matrix:
    """Hashed character 3- and 4-grams of each paragraph's head and tail."""
    views = [t if len(t) <= CHAR_HEAD + CHAR_TAIL else f"{t[:CHAR_HEAD]} {t[-CHAR_TAIL:]}"
             for t in texts]
    codes = codepoints.digits_folded("\x00 " + " \x00 ".join(views).lower() + " \x00")
    boundary = codes == 0
    owner = np.cumsum(boundary) - 1  # the leading NUL opens paragraph 0
    codes = codes.astype(np.uint64)
    # The 3-gram and the 4-gram starting at each position, side by side: pairs by row.
    m = len(codes) - 2
    grams = np.zeros((m, 2), dtype=np.uint64)
    clean = np.zeros((m, 2), dtype=bool)
    for column, k in enumerate((3, 4)):
        n = len(codes) - k + 1
        gram = np.full(n, np.uint64(k))
        ok = np.ones(n, dtype=bool)
        for j in range(k):
            gram = gram * np.uint64(0x100000001B3) ^ codes[j: j + n]
            ok &= ~boundary[j: j + n]
        grams[:n, column] = (gram * MIX) >> np.uint64(17)
        clean[:n, column] = ok
    keep = clean.ravel()
    return _counts(np.repeat(owner[:m], 2)[keep], grams.ravel()[keep], len(texts), bits)


def _dom(views: list[DomView | None], bits: int) -> tuple[HashedBlock, np.ndarray]:
    """Binary hashed DOM tokens (``dom_tokens``), one row per distinct view, and the
    ``CLASS_CUE_NAMES`` indicators of each row's tokens. Paragraphs of one block share their
    view, so each distinct view is tokenised once."""
    number: dict[DomView | None, int] = {}
    rows = np.fromiter((number.setdefault(view, len(number)) for view in views),
                       dtype=np.int64, count=len(views))
    held = [dom_tokens(view) for view in number]
    n = len(held)
    owner = np.repeat(np.arange(n), np.fromiter(map(len, held), dtype=np.int64, count=n))
    codes, uniques = pd.factorize(np.asarray(list(chain.from_iterable(held)), dtype=object))
    columns = (hash_strings(uniques) % np.uint64(1 << bits)).astype(np.int64)
    matrix = sp.csr_matrix((np.ones(len(codes), dtype=np.float32), (owner, columns[codes])),
                           shape=(n, 1 << bits), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    flags = class_cue_hits(list(uniques))[codes]
    cues = np.column_stack([np.bincount(owner[flags[:, j]], minlength=n) > 0
                            for j in range(len(CLASS_CUE_NAMES))])
    return HashedBlock(matrix, rows), cues[rows]


def _fill(dense: np.ndarray, names: tuple[str, ...], parts: Sequence[np.ndarray]) -> None:
    """Write ``parts`` (columns, or blocks of columns), side by side, into the columns of
    ``dense`` that hold the features ``names`` (consecutive in ``DENSE_FEATURES``)."""
    column = start = DENSE_FEATURES.index(names[0])
    for part in parts:
        width = 1 if part.ndim == 1 else part.shape[1]
        dense[:, column: column + width] = part.reshape(len(part), width)
        column += width
    if column - start != len(names):
        raise ValueError(f"{column - start} columns for {len(names)} features {names}")


def dense_and_hashed(table: ParagraphTable, word_bits: int, char_bits: int, dom_bits: int
                     ) -> tuple[np.ndarray, tuple[HashedBlock, ...]]:
    """The ``DENSE_FEATURES`` matrix and the three hashed blocks for the rows of ``table``.
    Each group of dense features goes into the float32 matrix as soon as it is made, so no
    float64 copy of the whole matrix is held."""
    texts = table["text"]
    pages = table["page"]
    dense = np.empty((len(texts), len(DENSE_FEATURES)), dtype=np.float32)
    full_lengths = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
    # What reads the text alone is computed once per distinct text (a site's recurring lines),
    # then spread to every row holding it.
    rows, distinct = pd.factorize(np.asarray(texts, dtype=object))
    distinct_texts = list(distinct)
    samples = [t[:SHAPE_CHARS] for t in distinct_texts]
    tokens = _tokens(samples)
    shape, words = _shape_and_words(samples, tokens, rows, pages, full_lengths,
                                    np.asarray(table["lines"], dtype=np.float64), word_bits)
    _fill(dense, SHAPE_FEATURES, [shape])
    del shape
    _fill(dense, CUE_NAMES, [_cues(distinct_texts, tokens)[rows]])
    index = np.asarray(table["index"], dtype=np.float64)
    n = np.asarray(table["n"], dtype=np.float64)
    _fill(dense, POSITION_FEATURES, [index / np.maximum(n - 1, 1), np.log1p(index) / 6,
                                     np.log1p(n - 1 - index) / 6, np.log1p(n) / 6])
    dom_hashed, class_cues = _dom(table["dom"], dom_bits)
    tags = np.asarray(table["tag"], dtype=str)
    _fill(dense, DOM_FEATURES, [
        np.asarray(table["is_html"], dtype=np.float64),
        *(np.isin(tags, list(group)) for _, group in TAG_GROUPS),
        np.minimum(np.asarray(table["depth"], dtype=np.float64) / 30, 3.0),
        np.asarray(table["link_density"], dtype=np.float64),
        *(np.asarray(table[name], dtype=np.float64) for name in LANDMARKS),
        class_cues,
    ])
    _fill(dense, RECURRENCE_FEATURES, [
        np.asarray(table["recurrence_known"], dtype=np.float64),
        np.log1p(np.asarray(table["recurrence_pages"], dtype=np.float64)) / 5,
        np.asarray(table["recurrence_share"], dtype=np.float64),
        np.asarray(table["recurrence_jaccard"], dtype=np.float64),
        np.log1p(np.asarray(table["recurrence_site_pages"], dtype=np.float64)) / 5,
    ])
    return dense, (HashedBlock(words, rows), HashedBlock(_chars(distinct_texts, char_bits), rows),
                   dom_hashed)


class ParagraphFeatures(TransformerMixin, BaseEstimator):
    """``ParagraphTable`` → ``FeatureMatrix`` (meta columns, dense features, hashed blocks).

    Stateless: ``fit`` learns nothing, so training and serving cannot drift apart.
    ``word_bits``, ``char_bits`` and ``dom_bits`` set each hash space to 2**bits columns.
    """

    def __init__(self, word_bits: int = 17, char_bits: int = 16, dom_bits: int = 14):
        self.word_bits = word_bits
        self.char_bits = char_bits
        self.dom_bits = dom_bits

    def fit(self, X: ParagraphTable, y: object = None) -> ParagraphFeatures:
        """Nothing to learn; records the input width."""
        self.n_features_in_ = len(X.columns)
        return self

    def transform(self, X: ParagraphTable) -> FeatureMatrix:
        """The features of the paragraph table ``X``."""
        dense, hashed = dense_and_hashed(X, self.word_bits, self.char_bits, self.dom_bits)
        meta = np.column_stack([X[name] for name in META_COLUMNS]).astype(np.int64)
        return FeatureMatrix(meta, dense, hashed)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names of the columns of ``FeatureMatrix.sparse`` (hashed columns by family and
        number)."""
        hashed = [f"word_{i}" for i in range(1 << self.word_bits)]
        hashed += [f"char_{i}" for i in range(1 << self.char_bits)]
        hashed += [f"dom_{i}" for i in range(1 << self.dom_bits)]
        return np.asarray([*DENSE_FEATURES, *hashed], dtype=object)
