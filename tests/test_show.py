"""The audit view (``classifier.show``, ``boilerplate show``): what it writes, and what a real
browser (headless Chromium) makes of it: labels, legend, slider, the removed-only toggle, the
sortable index, and a hostile page whose markup must never run."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html import escape
from pathlib import Path

import lxml.html
import pytest

from benchmarks.browser import chromium, visit
from benchmarks.show_hostile import PAYLOADS, hostile_paragraphs
from classifier import make_page, score_pages
from classifier.api import ScoringOptions, segment_safely
from classifier.artifact import Model
from classifier.document import Page
from classifier.labels import LABELS, Label
from classifier.show import (
    LABEL_COLOURS,
    ViewOptions,
    page_file_name,
    render_page,
    summarise,
    write_page,
    write_site,
)
from tests.clirun import invoke, score_records
from tests.conftest import ROOT

SEED = ROOT / "data" / "seed-page.txt"
SITE = ROOT / "data" / "example-site.jsonl"
#: Thresholds the slider is moved to: on the seed page each keeps a different number of
#: paragraphs (scores there run 0.004, 0.005, 0.054, 0.081, 0.230, 0.879, 0.954, ...).
THRESHOLDS = (0.05, 0.1, 0.6, 0.9, 0.99)

browser = pytest.mark.skipif(chromium() is None, reason="Chromium is not installed (Debian: "
                             "apt-get install chromium; .ci/run installs it)")

def _dom(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def _paragraph_labels(dom: lxml.html.HtmlElement) -> list[str]:
    return [li.get("data-label") for li in dom.cssselect("ol.paragraphs > li")]


def _score_labels(*args: str) -> dict[str, list[str]]:
    """``boilerplate score`` labels of each page, by id."""
    code, records = score_records(*args)
    assert code == 0
    return {r["id"]: [p["label"] for p in r["paragraphs"]] for r in records}


def _show(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "view"
    code, _, err = invoke("show", "--quiet", "-o", str(out), *args)
    assert code == 0, err
    return out


def _only_page(folder: Path) -> Path:
    (page,) = [p for p in folder.glob("*.html") if p.name != "index.html"]
    return page


def _assert_untouched(dom: lxml.html.HtmlElement, console: list[str], title: str) -> None:
    """Nothing from the page ran or became markup: only the view's own script and elements."""
    assert not [line for line in console if "PWNED" in line], console
    assert not [line for line in console if "Content Security Policy" in line], console
    assert dom.findtext(".//title") == title
    assert dom.body.get("data-pwned") is None
    assert len(dom.findall(".//script")) == 1
    assert not dom.cssselect("img, svg, iframe, textarea, u")
    handlers = [(el.tag, name) for el in dom.iter() if isinstance(el.tag, str)
                for name in el.attrib if name.startswith("on")]
    assert not handlers


# --- in a browser -------------------------------------------------------------------------


@browser
def test_seed_page_slider_relabels_as_score_threshold_does(tmp_path: Path, model: Model) -> None:
    page = _only_page(_show(tmp_path, str(SEED)))

    at_start = visit(page.as_uri())
    dom = _dom(at_start.dom)
    slider = dom.get_element_by_id("threshold")
    assert float(slider.get("value")) == model.threshold  # the model's, from its card
    assert _paragraph_labels(dom) == _score_labels(str(SEED))[str(SEED)]

    kept_counts = set()
    for threshold in THRESHOLDS:
        dom = _dom(visit(f"{page.as_uri()}#threshold={threshold}").dom)
        expected = _score_labels("--threshold", str(threshold), str(SEED))[str(SEED)]
        assert _paragraph_labels(dom) == expected, threshold
        kept = expected.count("content")
        status = dom.get_element_by_id("status")
        assert int(status.get("data-kept")) == kept
        assert f"At threshold {threshold:.3f}: kept {kept} of {len(expected)} paragraphs" \
            in status.text_content()
        assert dom.get_element_by_id("threshold-value").text_content() == f"{threshold:.3f}"
        assert [li.get("data-kept") for li in dom.cssselect("ol.paragraphs > li")] \
            == ["1" if label == "content" else "0" for label in expected]
        legend = {li.get("data-label"): int(li.cssselect(".count")[0].text_content())
                  for li in dom.cssselect(".legend li")}
        assert legend == {label.value: expected.count(label.value) for label in LABELS}
        kept_counts.add(kept)
    assert len(kept_counts) == len(THRESHOLDS)  # every move of the slider changed the page


@browser
def test_a_threshold_between_slider_steps_is_kept_exactly(tmp_path: Path) -> None:
    # Probabilities on either side of 0.3456 and of 0.346 (a slider step of 0.001 would
    # round the threshold there and label the middle one differently).
    page = make_page("One.\n\nTwo.\n\nThree.", "text", id="steps")
    segment_safely(page)
    for paragraph, probability in zip(page.paragraphs, (0.3455, 0.3458, 0.3461), strict=True):
        paragraph.content_probability = probability
        paragraph.fallback_label = Label.NAVIGATION
        paragraph.label = Label.CONTENT if probability >= 0.3456 else Label.NAVIGATION
    path = tmp_path / "steps.html"
    path.write_text(render_page(page, ViewOptions(threshold=0.3456, model_threshold=0.35)),
                    encoding="utf-8")

    for url in (path.as_uri(), path.as_uri() + "#threshold=0.3456"):
        dom = _dom(visit(url).dom)
        assert _paragraph_labels(dom) == ["navigation", "content", "content"]
    dom = _dom(visit(path.as_uri() + "#threshold=0.346").dom)
    assert _paragraph_labels(dom) == ["navigation", "navigation", "content"]


@browser
def test_removed_only_toggle_hides_what_is_kept(tmp_path: Path) -> None:
    page = _only_page(_show(tmp_path, str(SEED)))
    expected = _score_labels("--threshold", "0.9", str(SEED))[str(SEED)]

    dom = _dom(visit(f"{page.as_uri()}#threshold=0.9&removed").dom)
    items = dom.cssselect("ol.paragraphs > li")
    shown = [li.get("data-label") for li in items if li.get("hidden") is None]
    assert shown == [label for label in expected if label != "content"]
    assert dom.get_element_by_id("removed-only").get("checked") is None  # a property, not markup
    assert "showing only what is removed" in dom.get_element_by_id("status").text_content()

    dom = _dom(visit(f"{page.as_uri()}#threshold=0.9").dom)
    assert all(li.get("hidden") is None for li in dom.cssselect("ol.paragraphs > li"))


@browser
def test_site_page_shows_recurrence_evidence_and_relabels(tmp_path: Path) -> None:
    folder = _show(tmp_path, str(SITE))
    page = folder / page_file_name(1, "ferry-timetable")
    disclaimer = "The Harbourside Herald is funded by its readers"

    dom = _dom(visit(page.as_uri()).dom)
    item = next(li for li in dom.cssselect("ol.paragraphs > li")
                if li.cssselect(".text")[0].text_content().startswith(disclaimer))
    # Reads like prose, and is removed because it recurs on the site's other four pages (the
    # README says so beside its picture).
    assert item.get("data-label") == "disclaimer"
    alone = _score_labels("--no-recurrence", str(SITE))["ferry-timetable"]
    assert alone[int(item.get("id")[1:])] == "content"
    assert item.cssselect("em")[0].text_content() \
        == "on 4 of 4 other pages of this site, best Jaccard 1.00"
    assert dom.cssselect('a[href="index.html"]')
    for threshold in (0.1, 0.6):
        dom = _dom(visit(f"{page.as_uri()}#threshold={threshold}").dom)
        assert _paragraph_labels(dom) == \
            _score_labels("--threshold", str(threshold), str(SITE))["ferry-timetable"]


@browser
def test_index_lists_every_page_with_its_removed_shares_and_sorts(tmp_path: Path) -> None:
    folder = _show(tmp_path, str(SITE))
    labels = _score_labels(str(SITE))

    dom = _dom(visit((folder / "index.html").as_uri()).dom)
    rows = dom.cssselect("table.pages tbody tr")
    keys = [th.get("data-key") for th in dom.cssselect("table.pages thead th")]
    assert [row.cssselect("td.page a")[0].text_content() for row in rows] == list(labels)
    for row in rows:
        href = row.cssselect("td.page a")[0].get("href")
        assert (folder / href).is_file()
        cells = dict(zip(keys, row.cssselect("td"), strict=True))
        page_labels = labels[row.cssselect("td.page a")[0].text_content()]
        removed = sum(label != "content" for label in page_labels)
        assert float(cells["removed"].get("data-value")) == pytest.approx(
            removed / len(page_labels))
        for kind in ("navigation", "advertisement", "disclaimer", "other", "comment"):
            assert float(cells[kind].get("data-value")) == pytest.approx(
                page_labels.count(kind) / len(page_labels))

    def order(fragment: str, key: str) -> list[float]:
        dom = _dom(visit(f"{(folder / 'index.html').as_uri()}#sort={fragment}").dom)
        column = [th.get("data-key") for th in dom.cssselect("table.pages thead th")].index(key)
        assert dom.cssselect("table.pages thead th")[column].get("aria-sort") is not None
        return [float(row.cssselect("td")[column].get("data-value"))
                for row in dom.cssselect("table.pages tbody tr")]

    removed = order("-removed", "removed")
    assert removed == sorted(removed, reverse=True) and len(set(removed)) > 1
    text_removed = order("text-removed", "text-removed")
    assert text_removed == sorted(text_removed) and len(set(text_removed)) > 1


@browser
def test_a_hostile_page_never_runs_its_markup(tmp_path: Path, model: Model) -> None:
    text = "\n\n".join(f"Paragraph {i}: {payload}" for i, payload in enumerate(PAYLOADS))
    # In HTML, the payloads are the text of the page (escaped there), as a scraper reads it.
    html = "<html><body>" + "".join(f"<p>Paragraph {i}: {escape(payload)}</p>"
                                    for i, payload in enumerate(PAYLOADS)) + "</body></html>"
    hostile_id = PAYLOADS[0]
    pages = [make_page(text, "text", id=hostile_id, url="javascript:console.log('PWNED-url')"),
             make_page(html, "html", id=PAYLOADS[1], url="https://example.com/<script>")]
    for page in pages:
        page.site = PAYLOADS[2]
    scored = list(score_pages(pages, model))
    write_site(scored, tmp_path, model)

    for number, page in enumerate(scored, start=1):
        seen = visit((tmp_path / page_file_name(number, page.id)).as_uri() + "#threshold=0.5")
        dom = _dom(seen.dom)
        _assert_untouched(dom, seen.console, f"Audit: {page.id}")
        texts = [el.text_content() for el in dom.cssselect("ol.paragraphs > li .text")]
        assert texts == [p.raw for p in page.paragraphs]
        assert all(payload in "".join(texts) for payload in PAYLOADS)
        assert dom.findtext(".//h1") == page.id
        assert not dom.cssselect('a[href^="javascript"]')
    seen = visit((tmp_path / "index.html").as_uri() + "#sort=-page")
    dom = _dom(seen.dom)
    _assert_untouched(dom, seen.console, "Audit of 2 pages")
    assert [a.text_content() for a in dom.cssselect("td.page a")] == [PAYLOADS[0], PAYLOADS[1]]



@browser
def test_a_ten_megabyte_hostile_page_renders_whole(tmp_path: Path, model: Model) -> None:
    blocks = hostile_paragraphs(megabytes=10)
    text = "\n\n".join(blocks)
    assert len(text.encode("utf-8")) > 10 * 1024 * 1024
    (page,) = score_pages([make_page(text, "text", id="big")], model)
    # Viewed at another threshold than it was scored at: the browser labels them all again.
    path = write_page(page, tmp_path / "big.html", model, ScoringOptions(threshold=0.5))

    seen = visit(path.as_uri())
    dom = _dom(seen.dom)
    _assert_untouched(dom, seen.console, "Audit: big")
    items = dom.cssselect("ol.paragraphs > li")
    assert len(items) == len(blocks)
    assert items[-1].cssselect(".text")[0].text_content() == blocks[-1]
    kept = sum(p.content_probability >= 0.5 for p in page.paragraphs)  # type: ignore[operator]
    assert kept != sum(p.label is Label.CONTENT for p in page.paragraphs)
    assert int(dom.get_element_by_id("status").get("data-kept")) == kept
    assert dom.cssselect("ol.paragraphs")[0].get("hidden") is None  # the script finished


# --- the files themselves -------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_page(model: Model) -> Page:
    (page,) = score_pages([make_page(SEED.read_text("utf-8"), "text", id="seed")], model)
    return page


def test_text_is_escaped_and_only_the_views_own_script_may_run(seed_page: Page,
                                                                model: Model) -> None:
    page = copy.deepcopy(seed_page)
    page.paragraphs[0].raw = PAYLOADS[3] + PAYLOADS[2]
    html = render_page(page, ViewOptions.of(model))
    dom = _dom(html)
    (script,) = dom.findall(".//script")
    assert dom.cssselect(".text")[0].text_content() == PAYLOADS[3] + PAYLOADS[2]
    policy = dom.cssselect('meta[http-equiv="Content-Security-Policy"]')[0].get("content")
    digest = base64.b64encode(hashlib.sha256(script.text.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy  # nothing is loaded from anywhere


def test_the_view_starts_at_the_models_threshold_or_the_one_given(seed_page: Page,
                                                                   model: Model) -> None:
    assert ViewOptions.of(model).threshold == model.threshold
    view = ViewOptions.of(model, ScoringOptions(threshold=0.6))
    assert (view.threshold, view.model_threshold) == (0.6, model.threshold)
    dom = _dom(render_page(seed_page, view))
    assert dom.get_element_by_id("threshold").get("value") == "0.6"
    assert "threshold 0.6 (the model's is 0.35)" in dom.cssselect("dl.facts")[0].text_content()


def test_write_page_for_notebooks(seed_page: Page, model: Model, tmp_path: Path) -> None:
    path = write_page(seed_page, tmp_path / "sub" / "seed.html", model)
    dom = _dom(path.read_text("utf-8"))
    assert _paragraph_labels(dom) == [p.label.value for p in seed_page.paragraphs]  # type: ignore[union-attr]
    probabilities = [float(li.get("data-p")) for li in dom.cssselect("ol.paragraphs > li")]
    assert probabilities == [p.content_probability for p in seed_page.paragraphs]  # exactly


def test_labels_have_distinct_colours_named_in_the_legend(seed_page: Page, model: Model) -> None:
    assert set(LABEL_COLOURS) == set(LABELS)
    assert len({colour for colour, _ in LABEL_COLOURS.values()}) == len(LABELS)
    dom = _dom(render_page(seed_page, ViewOptions.of(model)))
    assert [li.get("data-label") for li in dom.cssselect(".legend li")] \
        == [label.value for label in LABELS]


def test_an_unscored_page_is_refused(model: Model) -> None:
    page = make_page("One paragraph.\n\nAnother.", "text", id="raw")
    segment_safely(page)
    with pytest.raises(ValueError, match="not scored"):
        render_page(page, ViewOptions.of(model))


def test_view_options_validate() -> None:
    with pytest.raises(ValueError, match="threshold"):
        ViewOptions(threshold=1.5, model_threshold=0.35)
    with pytest.raises(ValueError, match="keep"):
        ViewOptions(threshold=0.5, model_threshold=0.35, keep=frozenset())


def test_page_file_names_are_unique_and_safe() -> None:
    assert page_file_name(1, "data/seed-page.txt") == "000001-data-seed-page.txt.html"
    assert page_file_name(2, "../../etc/passwd") == "000002-etc-passwd.html"
    assert page_file_name(3, "<>") == "000003.html"
    assert page_file_name(4, "x" * 200) == "000004-" + "x" * 60 + ".html"


def test_summary_counts_what_was_removed(seed_page: Page) -> None:
    summary = summarise(seed_page, frozenset({Label.CONTENT}))
    removed = Counter(p.label for p in seed_page.paragraphs if p.label is not Label.CONTENT)
    assert summary.removed == removed and summary.paragraphs == len(seed_page.paragraphs)


def test_show_needs_a_folder_and_reports_pages_that_fail(tmp_path: Path) -> None:
    code, _, err = invoke("show", str(SEED))
    assert code == 2 and "--output" in err
    bad = tmp_path / "pages.jsonl"
    bad.write_text(json.dumps({"id": "ok", "text": SEED.read_text("utf-8")}) + "\n"
                   + json.dumps({"id": "broken", "text": 42}) + "\n", encoding="utf-8")
    code, _, _ = invoke("show", "--quiet", "-o", str(tmp_path / "out"), str(bad))
    assert code == 1
    dom = _dom((tmp_path / "out" / "index.html").read_text("utf-8"))
    errors = {row.cssselect("td.page a")[0].text_content(): row.cssselect("td")[-1].text_content()
              for row in dom.cssselect("tbody tr")}
    assert errors["ok"] == "" and errors["broken"]
    broken = _dom((tmp_path / "out" / page_file_name(2, "broken")).read_text("utf-8"))
    assert "could not be scored" in broken.cssselect(".error")[0].text_content()



def test_the_readme_example_writes_a_view(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## See what was removed\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block in the README's audit view section"
    (tmp_path / "data").mkdir()
    shutil.copy(SEED, tmp_path / "data" / SEED.name)
    (tmp_path / "example.py").write_text(match.group(1), encoding="utf-8")
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    dom = _dom((tmp_path / "seed-page.html").read_text("utf-8"))
    assert len(dom.cssselect("ol.paragraphs > li")) == len(_score_labels(str(SEED))[str(SEED)])
