"""The feature stage: tokens, stop words per page language, batch independence, hashed blocks."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import api, codepoints
from classifier.api import segment_safely
from classifier.cues import CUE_NAMES
from classifier.features import (
    CUE_CHARS,
    DENSE_FEATURES,
    META_COLUMNS,
    SHAPE_CHARS,
    ParagraphFeatures,
    _cues,
    _tokens,
    _words,
    paragraph_table,
)
from classifier.sites import make_page

GERMAN = ("Die Stadt hat am Montag beschlossen, dass die neue Brücke über den Fluss erst im "
          "nächsten Jahr gebaut wird, weil die Kosten gestiegen sind und der Rat noch nicht "
          "über die Finanzierung entschieden hat.")
ENGLISH = ("The council said on Monday that the new bridge over the river would not be built "
           "until next year, because the costs have risen and the money has not been found.")
NAMES = "Anna Berg | Carl Dahl | Eva Frisk | Gustav Holm"


def _regex_words(samples: list[str]) -> tuple[list[str], list[int]]:
    tokens, owners = [], []
    for number, sample in enumerate(samples):
        found = re.findall(r"\w+", re.sub(r"\d", "0", sample.lower()))
        tokens += found
        owners += [number] * len(found)
    return tokens, owners


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=8))
def test_word_tokens_are_those_of_the_word_regex(samples):
    tokens, owners = _words(samples)
    assert (tokens, owners.tolist()) == _regex_words(samples)


@settings(max_examples=300, deadline=None)
@given(st.text() | st.text(alphabet="a1٣𝟙²\x00 0৫Ⅻ五", max_size=12))
def test_digits_folded_is_the_digit_regex(text):
    assert codepoints.decode(codepoints.digits_folded(text)) == re.sub(r"\d", "0", text)


def test_word_tokens_in_many_scripts():
    samples = ["Ünïcode_ok 42 times", "नमस्ते दुनिया", "東京で 2024年", "𝒜𝓈𝓉𝓇𝒶𝓁 word", "İstanbul"]
    tokens, owners = _words(samples)
    assert (tokens, owners.tolist()) == _regex_words(samples)
    assert "ünïcode_ok" in tokens and "00" in tokens


def _dense(pages):
    table = paragraph_table(pages)
    return table, ParagraphFeatures().fit(table).transform(table).dense


def _text_page(text: str, id: str):
    return segment_safely(make_page(text, "text", id=id))


def test_stop_word_density_reads_the_page_language():
    _, dense = _dense([_text_page(f"{GERMAN}\n\n{NAMES}", "de"),
                       _text_page(ENGLISH, "en")])
    density = dense[:, DENSE_FEATURES.index("stopword_density")]
    known = dense[:, DENSE_FEATURES.index("language_known")]
    assert density[0] > 0.3 and density[2] > 0.3  # prose in German, prose in English
    assert density[1] < 0.1  # a list of names on the German page
    assert known.tolist() == [1.0, 1.0, 1.0]


def test_a_page_gets_the_same_features_alone_as_in_any_batch():
    short = "Kurz notiert: Die Brücke wird teurer."  # too short to guess a language alone
    alone = _dense([_text_page(short, "a")])[1]
    first = _dense([_text_page(short, "a"), _text_page(ENGLISH * 5, "b")])[1][:1]
    last = _dense([_text_page(GERMAN * 5, "c"), _text_page(short, "a")])[1][-1:]
    assert np.array_equal(alone, first) and np.array_equal(alone, last)


def test_hashed_blocks_are_bounded_and_normalised():
    pages = [_text_page(f"{ENGLISH}\n\n{GERMAN}\n\n{NAMES}\n\n{ENGLISH}", "p")]
    table = paragraph_table(pages)
    features = ParagraphFeatures(word_bits=10, char_bits=9, dom_bits=8).fit(table)
    matrix = features.transform(table)
    assert matrix.meta.shape == (4, len(META_COLUMNS))
    width = len(DENSE_FEATURES) + (1 << 10) + (1 << 9) + (1 << 8)
    assert matrix.sparse().shape == (4, width) == (4, len(features.get_feature_names_out()))
    words, chars, dom = matrix.hashed
    assert words.matrix.shape[0] == chars.matrix.shape[0] == 3  # a repeated text, held once
    assert words.rows.tolist() == chars.rows.tolist() == [0, 1, 2, 0]
    for block in (words, chars):  # counts over the square root of the row's n-grams
        sums = np.asarray(block.matrix.sum(axis=1)).ravel()
        counts = block.matrix.toarray() * sums[:, None]
        assert np.allclose(counts, np.round(counts), atol=1e-4)
        assert np.allclose(counts.sum(axis=1), sums**2, rtol=1e-5)


def test_hashed_word_counts_of_a_repeating_text():
    table = paragraph_table([_text_page("b a b a", "p")])
    words = ParagraphFeatures(word_bits=20).fit(table).transform(table).hashed[0].matrix
    words.sum_duplicates()
    # unigrams b, a, b, a and bigrams "b a", "a b", "b a": seven n-grams, four distinct
    assert sorted(words.data * np.sqrt(7)) == pytest.approx([1, 2, 2, 2], abs=1e-5)


def test_feature_products_match_the_full_matrix():
    pages = [_text_page(f"{ENGLISH}\n\nHome | News\n\n{ENGLISH}", "a"),
             segment_safely(make_page("<div class='nav'><p>Home</p></div><p>Home</p>", "html"))]
    table = paragraph_table(pages)
    matrix = ParagraphFeatures(word_bits=10, char_bits=9, dom_bits=8).fit(table).transform(table)
    full = matrix.sparse()
    weights = np.random.default_rng(0).normal(size=(full.shape[1], 3))
    bounds = np.cumsum([0, len(DENSE_FEATURES), 1 << 10, 1 << 9, 1 << 8])
    parts = [weights[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    assert np.allclose(matrix.dot(parts), full @ weights)


TRICKY_HEADS = ["***", "More", "Other albums out this week:", "• A new single from the band.",
                "(c)", "2012 was a good year.", "News |", "| Register", "Home", "[ad_1]",
                "Share this", "Posted by Ann 3 hours ago"]


def test_cues_of_a_paragraph_do_not_depend_on_its_neighbours():
    together = _cues(TRICKY_HEADS)
    alone = np.vstack([_cues([head]) for head in TRICKY_HEADS])
    assert np.array_equal(together, alone)
    navigation = CUE_NAMES.index("cue_navigation")
    flagged = [h for h, row in zip(TRICKY_HEADS, together, strict=True) if row[navigation]]
    assert flagged == ["More", "• A new single from the band.", "News |", "| Register", "Home"]
    assert together[TRICKY_HEADS.index("[ad_1]"), CUE_NAMES.index("cue_ad")] == 1.0


_CUE_WORDS = ["copyright", "(c) 2012", "©", "all rights reserved", "not intended as", "cookies",
              "share this", "tweets", "e-mail this", "leave a comment", "said...", "3 hours ago",
              "posted by", "says:", "著作権", "分享", "جميع الحقوق محفوظة", "home", "[ad_1]",
              "weitere", "the", "ago", "said", "C", "x", "2", " ", "-", "|", ".", "\n", "_"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CUE_WORDS) | st.text(max_size=4), max_size=12)
                .map("".join), min_size=1, max_size=6))
def test_cue_prefilter_lets_every_match_through(texts):
    """The phrase cues scan only heads whose word tokens could hold a match: same hits."""
    samples = [t[:SHAPE_CHARS] for t in texts]
    assert np.array_equal(_cues(texts, _tokens(samples)), _cues(texts))


def test_cue_prefilter_on_heads_cut_inside_a_word():
    # The head (CUE_CHARS) ends inside "tweets": "tweet" still matches there.
    texts = ["x" * (CUE_CHARS - 6) + " tweets and more", "Ein Beitrag, 3 hours ago.",
             "So the minister said", "Fotos (c) 2012 Agentur", "©Agentur"]
    cues = _cues(texts, _tokens([t[:SHAPE_CHARS] for t in texts]))
    assert np.array_equal(cues, _cues(texts))
    assert cues[0, CUE_NAMES.index("cue_social")] == 1.0
    assert cues[1:3, CUE_NAMES.index("cue_comment")].tolist() == [1.0, 1.0]
    assert cues[3:, CUE_NAMES.index("cue_disclaimer")].tolist() == [1.0, 1.0]


def test_a_batch_without_word_tokens_is_scored(model):
    """Pages of punctuation alone have no word n-grams at all: an empty hashed block."""
    page = api.score_text("***\n\n---\n\n!!! ???", model=model)
    assert [p.text for p in page.paragraphs] == ["***", "---", "!!! ???"]
    assert all(p.label is not None and 0.0 <= p.content_probability <= 1.0 for p in page.paragraphs)
