"""The README's results block: rendered from benchmark JSON, spliced in leaving the rest alone."""

from __future__ import annotations

import json

import pytest

from benchmarks.readme_results import END, START, render, replace_block, speed_section
from tests.conftest import FIXTURES, ROOT


def test_fixture_renders_to_the_expected_markdown():
    results = json.loads((FIXTURES / "readme-results.json").read_text(encoding="utf-8"))
    expected = (FIXTURES / "readme-results.md").read_text(encoding="utf-8")
    assert render(results) == expected.rstrip("\n")


def test_speeds_say_how_many_runs_they_are_the_fastest_of():
    results = json.loads((FIXTURES / "readme-results.json").read_text(encoding="utf-8"))
    assert "the fastest of" not in render(results)  # one timed run
    results["quality"]["repeats"] = 3
    assert "extractor calls only, the fastest of 3 runs." in render(results)


def test_block_replacement_leaves_the_rest_of_the_readme_byte_identical():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head, rest = readme.split(START)
    tail = rest.split(END)[1]
    replaced = replace_block(readme, "new | numbers")
    assert replaced == f"{head}{START}\nnew | numbers\n{END}{tail}"
    assert replace_block(replaced, rest.split(END)[0].strip("\n")) == readme


def test_missing_block_is_added_under_a_results_heading_at_the_end():
    readme = "# project\n\n## Quick start\n\n```sh\npip install .\n```\n"
    replaced = replace_block(readme, "numbers")
    assert replaced.startswith(readme)
    assert replaced[len(readme):] == f"\n## Results\n\n{START}\nnumbers\n{END}\n"


@pytest.mark.parametrize("readme", [f"{START}\n", f"{END}\n{START}\n",
                                    f"{START}\n{END}\n{START}\n{END}\n"])
def test_broken_markers_are_refused(readme):
    with pytest.raises(ValueError):
        replace_block(readme, "numbers")


def test_readme_block_is_the_rendering_of_the_committed_results():
    """The README shows exactly what ``benchmarks/results.json`` holds: nobody edited it by hand,
    and the renderer has not changed since it was last run."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert replace_block(readme, render(results)) == readme


def test_speed_section_shows_each_system_per_set_and_mode_with_its_ratio():
    rows = [{"set": name, "mode": mode, "system": system, "pages_per_second": pps,
             "mb_per_second": pps / 10, "vs_trafilatura": None if system == "trafilatura"
             else pps / base}
            for name, base in (("wcxb", 20.0), ("dragnet", 40.0))
            for mode in ("html", "text")
            for system, pps in (("trafilatura", base), ("in-process", 5 * base),
                                ("command", 3 * base))]
    speed = {"repeats": 3, "sets": rows, "start": {"help": 0.1, "version": 0.09,
                                                   "first_record": 1.2},
             "jobs": {"pages": 2000, "cpus": 2, "speed_up": 1.8}}
    lines = speed_section(speed)
    assert "| command | 60 (3.0x) / 60 (3.0x) | 120 (3.0x) / 120 (3.0x) | 6.0 / 6.0 | " \
           "12.0 / 12.0 |" in lines
    assert any("| trafilatura | 20 / 20 | 40 / 40 |" in line for line in lines)
    assert "1.80x (2 CPUs)" in lines[-1] and "0.10 s" in lines[-1]


def test_page_types_render_as_a_table_of_the_chosen_extractors():
    """WCXB's per-page-type scores get their own table (F1 html / text, then precision /
    recall), for the extractors ``PAGE_TYPE_EXTRACTORS`` names; results without page types
    (older JSON) render without it."""
    results = json.loads((FIXTURES / "readme-results.json").read_text(encoding="utf-8"))
    assert "per page type" not in render(results)
    quality = results["quality"]
    quality["pages"]["wcxb"] = 3
    for mode, f1 in (("html", 0.9), ("text", 0.8)):
        for result in quality["results"][mode].values():
            result["page_types"] = {
                "article": {"precision": 0.95, "recall": 0.85, "f1": f1},
                "forum": {"precision": 0.5, "recall": 0.25, "f1": f1 / 3},
                "all": {"precision": 0.8, "recall": 0.65, "f1": f1 * 2 / 3},
            }
    block = render(results)
    assert "WCXB's `test` split (3 pages from 2025-26" in block
    assert "| extractor | article | forum | all |" in block
    assert "| ours | 0.900 / 0.800 | 0.300 / 0.267 | 0.600 / 0.533 |" in block
    assert "| ours | 0.950 / 0.850 | 0.500 / 0.250 | 0.800 / 0.650 |" in block
    assert "keep-everything | 0.9" not in block  # not one of the table's extractors
