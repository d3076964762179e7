"""metadata.html_title: the title a single regular expression would find, in linear time."""

from __future__ import annotations

import random
import re
import time
from html import unescape

from classifier.metadata import html_title

#: The expression html_title answers for, tried from every "<title" (quadratic on some pages).
_REFERENCE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)


def _reference(html: str) -> str:
    match = _REFERENCE.search(html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else ""


def test_html_title_matches_the_single_expression() -> None:
    pieces = ["<title>", "<TITLE lang=en>", "</title>", "</Title >", "</title x>", "<title",
              ">", "<b>", "a &amp; b", " ", "\n", "x", "<svg><title>icon</title></svg>",
              "<titles>", "</title\n>"]
    rng = random.Random(0)
    for _ in range(5000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert html_title(html) == _reference(html), html


def test_html_title_is_linear_on_unclosed_titles() -> None:
    # Each of these took the single expression minutes: it scanned to the end from every
    # "<title" (a few seconds for 80 KB, growing with the square of the size).
    for html in ("<title>x" * 200_000, "<title" * 200_000, "<title>" + "</title" * 200_000):
        started = time.perf_counter()
        assert html_title(html) == ""
        assert time.perf_counter() - started < 1.0
