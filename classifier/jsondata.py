"""JSON text to plain data and back, whatever the text holds.

Used for every JSON this package reads from outside (JSON lines, index file headers, model
cards) and for what its JSON writers emit:

- **Nesting is bounded.** A value nested deeper than ``MAX_DEPTH`` is refused with a
  ``ValueError`` (``json``'s own recursion, a few thousand levels deep, would raise
  ``RecursionError``, and data nested a few hundred deep breaks pickling for worker processes
  and JSON output later on).
- **Numbers stay plain data.** A number that no float or int of JSON output can hold
  (``1e999``, which Python reads as infinity and writes back as the non-JSON ``Infinity``; an
  integer of more digits than Python converts, e.g. a 5000-digit id) is kept as the string of
  its literal, as are the non-JSON constants ``NaN`` and ``Infinity`` that Python's own writer
  emits. So a record that parses is never refused for its numbers, and output is always JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

#: Deepest nesting of arrays and objects accepted (the top-level object is level 1). Real
#: records nest a few levels; a few hundred already break pickling and the JSON writer.
MAX_DEPTH = 100


class JSONDepthError(ValueError):
    """JSON nested deeper than ``MAX_DEPTH``."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"nested deeper than {max_depth} levels")


def _float(literal: str) -> float | str:
    value = float(literal)
    return value if math.isfinite(value) else literal


def _int(literal: str) -> int | str:
    try:
        return int(literal)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return literal


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The plain data (dicts, lists, str, int, float, bool, None) of a JSON text: numbers that
    JSON output could not hold kept as their literal strings (see the module docstring).
    Raises ``ValueError`` (``json.JSONDecodeError``, ``JSONDepthError``) for text that is not
    JSON or is nested deeper than ``max_depth``."""
    try:
        value = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=str)
    except RecursionError:
        raise JSONDepthError(max_depth) from None
    if _brackets(text) > max_depth and depth(value) > max_depth:
        raise JSONDepthError(max_depth)
    return value


def _brackets(text: str | bytes) -> int:
    """The number of ``[`` and ``{`` in ``text``: no value in it nests deeper (fast, in C)."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def depth(value: Any) -> int:
    """How deep lists and dicts nest in ``value`` (0 for a scalar), walked without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in item
                     if isinstance(child, (dict, list)))
    return deepest


def plain(value: Any) -> Any:
    """``value`` with what JSON output cannot hold made plain: non-finite floats and integers
    too long for ``str`` become strings (of the float, or the integer in hex), tuples lists,
    keys strings. For values that did not come through ``loads`` (the Python API's)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            str(value)
        except ValueError:
            return hex(value)
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as one line of JSON (UTF-8 text, not ASCII-escaped): always valid JSON, never
    ``NaN`` or ``Infinity`` (``plain`` is applied when needed). ``default`` as ``json.dumps``
    takes it: what to make of other types (dates from Parquet, say)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=default)
    except ValueError:  # a non-finite float or an integer too long to print
        return json.dumps(plain(value), ensure_ascii=False, allow_nan=False, default=default)
