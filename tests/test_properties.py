"""Property-based: segmentation and the CLI never raise, whatever bytes or text they get."""

from __future__ import annotations

import json
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.segment import segment_html, segment_text
from tests.clirun import invoke

#: Markup fragments, so that generated pages exercise the HTML walker, not only the text path.
FRAGMENTS = st.sampled_from(["<p>", "</p>", "<div class='footer'>", "</div>", "<br>", "<a href=x>",
                             "</a>", "<script>", "</script>", "<!--", "-->", "<pre>", "&amp;",
                             "&#0;", "<html>", "<body>", "<table><tr><td>", "\n\n", "\x00",
                             "<?xml version='1.0' encoding='utf-16'?>", '{"id": 1, "text": "',
                             "WARC/1.0\r\n", "\ufeff", "\r"])
PAGES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=40)), max_size=30).map("".join)
PAYLOADS = st.one_of(st.binary(max_size=2000), PAGES.map(lambda s: s.encode("utf-8")),
                     st.tuples(PAGES, st.sampled_from(["cp1252", "utf-16", "latin-1"])).map(
                         lambda pair: pair[0].encode(pair[1], "replace")))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), PAGES))
def test_segment_text_never_raises(text):
    for paragraph in segment_text(text):
        assert paragraph.text and paragraph.text == paragraph.text.strip()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), PAGES, st.binary(), PAYLOADS))
def test_segment_html_never_raises(html):
    for paragraph in segment_html(html):
        assert paragraph.text and 0.0 <= paragraph.link_density <= 1.0


def test_cli_never_raises_on_arbitrary_bytes(model, tmp_path):
    path = tmp_path / "page"

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(PAYLOADS, st.sampled_from(["auto", "html", "text", "jsonl", "warc"]))
    def check(payload: bytes, input_type: str) -> None:
        path.write_bytes(payload)
        # In this process (no time limit) and with the model loaded once, to keep it quick.
        code, out, _ = invoke("score", "--format", "jsonl", "--quiet", "--time-limit", "0",
                              "--input-type", input_type, str(path))
        assert code in (0, 1)
        records = [json.loads(line) for line in out.splitlines()]
        assert all("id" in record for record in records)
        assert (code == 1) == any("error" in record for record in records)

    with patch("classifier.cli.load_model", return_value=model):
        check()
