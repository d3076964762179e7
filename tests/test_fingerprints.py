"""Fingerprints: normalised text, a validating config, and MinHash signatures that are
datasketch's own."""

from __future__ import annotations

import re

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import fingerprints
from classifier.fingerprints import (
    SCHEME,
    IndexConfig,
    MinHasher,
    normalise,
    normalise_all,
    shingle_sets,
)

PARAGRAPHS = [
    "Fusion Media would like to remind you that the data contained in this website is not "
    "necessarily real-time nor accurate.",
    "Prices are indicative only and are not an offer to buy or sell any security.",
    "Share this story", "Advertisement", "[ad_1]", "©2024", "",
]


def test_normalise_folds_case_digits_punctuation_space():
    assert normalise("  Updated: March 3, 2024!  ") == "updated march 0 0"


def _regex_normalise(text: str) -> str:
    return re.sub(r"[\W_]+", " ", re.sub(r"\d+", "0", text.lower())).strip()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text() | st.text(alphabet="aZ _-1²٣𝟙\x01\x00 Σİ", max_size=12), max_size=6))
def test_normalise_all_is_the_regex_definition_applied_to_each(texts):
    assert normalise_all(texts) == [_regex_normalise(t) for t in texts]


@pytest.mark.parametrize("block", [fingerprints.SIGN_BLOCK, 3])
@pytest.mark.parametrize("config", [IndexConfig(), IndexConfig(num_perm=32, seed=5)])
def test_signatures_are_datasketchs_minhash_of_the_same_shingles(monkeypatch, block, config):
    """Our bulk signing against datasketch's ``MinHash`` (scheme "affine64"), fed the same
    shingle hashes one set at a time: word shingles, character shingles, empty sets, random
    sets, whole and in blocks."""
    monkeypatch.setattr(fingerprints, "SIGN_BLOCK", block)
    rng = np.random.default_rng(0)
    sets = shingle_sets(normalise_all(PARAGRAPHS), config)
    sets += [rng.integers(0, 2**64 - 1, size=k, dtype=np.uint64) for k in (0, 1, 7, 0, 300, 2)]
    assert len(sets[0]) > 10 and len(sets[3]) > 0 and len(sets[-7]) == 0
    ours = MinHasher(config).signatures(sets)
    for shingles, signature in zip(sets, ours, strict=True):
        reference = MinHash(num_perm=config.num_perm, seed=config.seed, scheme=SCHEME,
                            hashfunc=lambda value: value)
        reference.update_batch([int(value) for value in shingles])
        assert np.array_equal(signature, reference.hashvalues)


@pytest.mark.parametrize(("field", "value"), [
    ("num_perm", 4), ("num_perm", 64.0), ("threshold", 0), ("threshold", 1.5),
    ("threshold", "0.6"), ("shingle_words", 0), ("short_words", -1), ("char_shingle", 0),
    ("min_chars", -1), ("seed", -1), ("seed", 2**32), ("seed", True)])
def test_a_bad_config_fails_fast_naming_the_value(field, value):
    with pytest.raises(ValueError, match=rf"IndexConfig\.{field} .*got {re.escape(repr(value))}"):
        IndexConfig(**{field: value})
