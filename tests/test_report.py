"""The evaluation report: its tables from scored pages, and a written report whose plots are real
PNG images, built from fixture pages (no corpora needed) and, when present, from the corpora."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from classifier.cli import main
from classifier.labels import LABELS, Label
from classifier.report import (
    ReportOptions,
    confusion_table,
    misclassified,
    quality_table,
    threshold_table,
    worst_pages,
    write_report,
)
from classifier.training.evaluate import ScoredPage
from tests.conftest import FIXTURES

CON, NAV, DIS, OTH = Label.CONTENT, Label.NAVIGATION, Label.DISCLAIMER, Label.OTHER
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scored_page(id: str, dataset: str, mode: str, scores: list[float],
                gold_labels: list[Label]) -> ScoredPage:
    """A page whose content paragraphs are its gold text, with probability ``scores`` of
    content and the rest on its gold label (navigation for gold content)."""
    raws = [f"paragraph {i} of {id} with words " + " ".join([f"w{i}"] * 5)
            for i in range(len(scores))]
    gold = "\n\n".join(raw for raw, label in zip(raws, gold_labels, strict=True) if label is CON)
    proba = np.zeros((len(scores), len(LABELS)))
    for row, (score, label) in enumerate(zip(scores, gold_labels, strict=True)):
        proba[row, 0] = score
        proba[row, LABELS.index(NAV if label is CON else label)] = 1 - score
    return ScoredPage(id, dataset, mode, gold, raws, proba, gold_labels)


@pytest.fixture
def scored() -> list[ScoredPage]:
    pages = []
    for mode in ("html", "text"):
        pages += [
            scored_page("dragnet/a", "dragnet", mode, [0.1, 0.9, 0.8, 0.2], [NAV, CON, CON, DIS]),
            scored_page("dragnet/b", "dragnet", mode, [0.6, 0.7, 0.3, 0.4], [OTH, CON, CON, NAV]),
            scored_page("cleaneval/c", "cleaneval", mode, [0.9, 0.95, 0.05], [CON, CON, DIS]),
            scored_page("l3s-gn1/d", "l3s-gn1", mode, [0.2, 0.55, 0.65, 0.1], [NAV, OTH, CON, OTH]),
            scored_page("readability/e", "readability", mode, [0.9, 0.1], [CON, NAV]),
        ]
    return pages


def test_tables(scored):
    quality = quality_table(scored, 0.5)
    headline = quality[(quality["mode"] == "html") & (quality["dataset"] == "headline")].iloc[0]
    assert headline["pages"] == 4
    cleaneval = quality[(quality["mode"] == "html") & (quality["dataset"] == "cleaneval")]
    assert cleaneval["f1"].iloc[0] == pytest.approx(1.0)
    sweep = threshold_table(scored, [0.0, 0.5, 1.0])
    html = sweep[sweep["mode"] == "html"].set_index("threshold")
    assert html.loc[0.0, "recall"] == pytest.approx(1.0)
    assert html.loc[1.0, "f1"] == 0.0
    confusion = confusion_table(scored, "text", 0.5)
    assert confusion.to_numpy().sum() == 17
    assert confusion.loc["content", "content"] == 7
    assert confusion.loc["other", "content"] == 2
    worst = worst_pages(scored, 0.5, 1)
    assert [(p.mode, p.id) for p in worst] == [("html", "l3s-gn1/d"), ("text", "l3s-gn1/d")]
    wrong = misclassified(worst[0], 0.5)
    assert list(wrong["index"]) == [1] and list(wrong["gold"]) == ["other"]


def test_confusion_needs_gold_labels(scored):
    for page in scored:
        page.gold_labels = []
    with pytest.raises(ValueError, match="gold_labels=True"):
        confusion_table(scored, "html", 0.5)
    with pytest.raises(ValueError, match="gold_labels=True"):
        misclassified(scored[0], 0.5)


def test_a_page_without_paragraphs_has_nothing_misclassified():
    # A page whose text all sits in a script (its story in JSON) segments into no paragraph:
    # the worst pages list it (F1 0), with no paragraph to show.
    empty = scored_page("wcxb/e", "wcxb", "html", [], [])
    assert misclassified(empty, 0.5).empty


def assert_valid_report(directory):
    """``report.md`` exists and every image it links is a PNG of plausible size."""
    from matplotlib.image import imread

    text = (directory / "report.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images
    for name in images:
        path = directory / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        assert path.stat().st_size > 5_000, name
        height, width = imread(path).shape[:2]
        assert width >= 200 and height >= 200, (name, width, height)
    return text, images


def test_report_from_fixture_pages_and_benchmark_json(scored, tmp_path):
    results = json.loads((FIXTURES / "readme-results.json").read_text(encoding="utf-8"))
    path = write_report(tmp_path / "report", scored, ReportOptions(threshold=0.5, worst_pages=2),
                        quality=results["quality"], recurrence=results["recurrence"])
    text, images = assert_valid_report(path.parent)
    assert sorted(images) == sorted(p.name for p in path.parent.glob("*.png"))
    assert set(images) == {"quality.png", "thresholds.png", "confusion-html.png",
                           "confusion-text.png", "peers-html.png", "peers-text.png",
                           "speed.png", "recurrence.png"}
    assert "### html: l3s-gn1/d" in text and "Not in this report" not in text


def test_report_without_benchmark_json_says_how_to_make_it(scored, tmp_path):
    write_report(tmp_path, scored, ReportOptions(threshold=0.5))
    text, images = assert_valid_report(tmp_path)
    assert "peers-html.png" not in images and "recurrence.png" not in images
    assert "python benchmarks/quality.py --json reports/quality.json" in text
    assert "python benchmarks/recurrence.py --peers --json reports/recurrence.json" in text


def test_cli_report_on_the_corpora(datasets, tmp_path):
    result = CliRunner().invoke(main, ["evaluate", "--datasets", str(datasets), "--limit", "2",
                                       "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "headline" in result.stdout
    text, _ = assert_valid_report(tmp_path / "report")
    assert "first 2 pages of each corpus" in text


def test_cli_report_without_matplotlib_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if missing
    monkeypatch.delitem(sys.modules, "classifier.plots", raising=False)
    result = CliRunner().invoke(main, ["evaluate", "--report", str(tmp_path)])
    assert result.exit_code == 2
    assert "pip install 'boilerplate-classifier[report]'" in result.stderr
