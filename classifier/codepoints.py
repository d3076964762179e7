"""What word tokenising keeps of each code point, applied to whole batches of text at once.

Two tokenisers share it: the features' word tokens (``\\w+`` runs, "_" included) and the site
index's normalised text (alphanumeric runs, "_" a separator). Both fold decimal digits to "0"
and turn every other character into a space, through a table of the Basic Multilingual Plane
built on first use; the rare code points beyond it are mapped one at a time. The character
n-grams fold digits alone (``digits_folded``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

#: What tokenising turns every character but letters and digits into: a space.
BLANK = ord(" ")
#: What tokenising folds every decimal digit to.
ZERO = ord("0")


def word_code(cp: int, underscore: bool) -> int:
    """What tokenising keeps of one code point: decimal digits become "0", other
    alphanumeric characters (and "_" when ``underscore``) stay, the rest become a space."""
    ch = chr(cp)
    if ch.isdecimal():
        return ZERO
    return cp if ch.isalnum() or (underscore and ch == "_") else BLANK


@lru_cache(maxsize=2)
def _table(underscore: bool) -> np.ndarray:
    if not underscore:  # "_" is the only difference
        table = _table(True).copy()
        table[ord("_")] = BLANK
        return table
    return np.fromiter((word_code(cp, True) for cp in range(0x10000)), dtype=np.uint32,
                       count=0x10000)


def code_points(text: str) -> np.ndarray:
    """The code points of ``text``, as a ``uint32`` array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _mapped(text: str, table: np.ndarray, one: Callable[[int], int]) -> np.ndarray:
    """The code points of ``text`` through ``table``, and those beyond it through ``one``."""
    codes = code_points(text)
    mapped = np.take(table, codes, mode="clip")
    for at in np.flatnonzero(codes > 0xFFFF):  # outside the table: rare, one at a time
        mapped[at] = one(int(codes[at]))
    return mapped


def word_codes(text: str, underscore: bool) -> np.ndarray:
    """``word_code`` of every code point of ``text``, as a ``uint32`` array."""
    return _mapped(text, _table(underscore), lambda cp: word_code(cp, underscore))


def _digit_code(cp: int) -> int:
    return ZERO if chr(cp).isdecimal() else cp


@lru_cache(maxsize=1)
def _digit_table() -> np.ndarray:
    table = np.arange(0x10000, dtype=np.uint32)
    table[_table(True) == ZERO] = ZERO  # the decimal digits
    return table


def digits_folded(text: str) -> np.ndarray:
    """The code points of ``text`` with every decimal digit as "0" (what ``\\d`` → "0"
    gives), as a ``uint32`` array."""
    return _mapped(text, _digit_table(), _digit_code)


def decode(codes: np.ndarray) -> str:
    """The text of a ``uint32`` code point array."""
    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
