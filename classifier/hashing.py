"""64-bit hashing shared by the features and the site index, so both hash text the same way."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Combines two 64-bit hashes into one (``h1 * MIX ^ h2``): the odd 64-bit golden-ratio
#: constant, which spreads the bits of ``h1`` before the second hash is mixed in.
MIX = np.uint64(0x9E3779B97F4A7C15)


def hash_strings(strings: Sequence[str] | np.ndarray) -> np.ndarray:
    """Stable 64-bit hashes (``uint64``) of strings: pandas' SipHash with a fixed key, in C."""
    return pd.util.hash_array(np.asarray(strings, dtype=object), categorize=False)
