"""JSON from outside (jsondata.py): nesting bounded, numbers kept as plain data."""

from __future__ import annotations

import json

import pytest

from classifier import jsondata


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "[" * 5000, '{"a":' * 3000 + "1",
                                  '{"a": ' + "[" * 101 + "]" * 101 + "}"])
def test_deep_nesting_is_a_value_error_not_a_recursion_error(text):
    with pytest.raises(ValueError, match="nested deeper than 100 levels|Expecting"):
        jsondata.loads(text)


def test_nesting_up_to_the_limit_and_brackets_inside_strings_are_fine():
    assert jsondata.depth(jsondata.loads("[" * 100 + "]" * 100)) == 100
    assert jsondata.loads(json.dumps({"text": "[[[[" * 1000})) == {"text": "[[[[" * 1000}


def test_numbers_json_output_could_not_hold_stay_their_literals():
    big = "9" * 5000
    value = jsondata.loads(f'{{"n": 1e999, "m": -1e999, "big": {big}, "nan": NaN, '
                           f'"inf": -Infinity, "ok": 1.5, "i": 12}}')
    assert value == {"n": "1e999", "m": "-1e999", "big": big, "nan": "NaN", "inf": "-Infinity",
                     "ok": 1.5, "i": 12}
    assert json.loads(jsondata.dumps(value)) == value


def test_dumps_never_writes_nan_or_infinity():
    text = jsondata.dumps({"a": float("inf"), "b": [float("nan")], "c": 10 ** 5000})
    assert "Infinity" not in text and "NaN" not in text.replace('"nan"', "")
    assert json.loads(text)["a"] == "inf" and json.loads(text)["c"].startswith("0x")
