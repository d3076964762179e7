"""Regenerate the README's results section from a benchmark run, so it cannot drift from the code.

    python benchmarks/readme_results.py                 # run the benchmarks, then rewrite README
    python benchmarks/readme_results.py --from-json benchmarks/results.json   # re-render only

Runs, each as its own process, as a user would: ``benchmarks/quality.py`` (html and text mode,
our model and its peers, the test split), ``benchmarks/recurrence.py --peers`` and
``benchmarks/throughput.py``. Their reports and JSON go to ``reports/`` (not versioned; ready
for ``boilerplate evaluate --report DIR --quality-json reports/quality.json
--recurrence-json reports/recurrence.json``); every number the README shows, with the date,
the commit and the machine, goes to ``benchmarks/results.json`` (versioned, so the README can
be checked against it). Only the block between the README's ``<!-- results:start -->`` and
``<!-- results:end -->`` markers is rewritten; without markers, a "Results" section holding
them is added at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run from a checkout, where the package may not be installed; import it from here then.
sys.path.insert(0, str(ROOT))

from classifier.report import (  # noqa: E402
    f1_by_extractor,
    page_type_table,
    peers_table,
    recurrence_table,
    speed_table,
)

START = "<!-- results:start -->"
END = "<!-- results:end -->"
RESULTS_JSON_DEFAULT = ROOT / "benchmarks" / "results.json"
REPORTS_DEFAULT = ROOT / "reports"
#: Our systems in the recurrence table, and the peer that shows what the index adds over
#: plain deduplication; the full table is in ``reports/recurrence.md``.
RECURRENCE_SYSTEMS = ("ours with index", "ours without index", "trafilatura",
                      "trafilatura-deduplicate")
#: The extractors of the per-page-type table (the full table is in ``reports/quality.md``).
PAGE_TYPE_EXTRACTORS = ("ours", "trafilatura", "readability-lxml", "resiliparse", "justext")


def run_benchmarks(reports: Path, limit: int | None) -> dict[str, Any]:
    """Run the three benchmarks into ``reports``; their JSON, by benchmark name."""
    reports.mkdir(parents=True, exist_ok=True)
    commands = {
        "quality": ["benchmarks/quality.py", *(["--limit", str(limit)] if limit else [])],
        "recurrence": ["benchmarks/recurrence.py", "--peers"],
        "throughput": ["benchmarks/throughput.py"],
        "speed": ["benchmarks/speed.py"],
    }
    numbers = {}
    for name, command in commands.items():
        json_path = reports / f"{name}.json"
        print(f"running {' '.join(command)}", file=sys.stderr, flush=True)
        with open(reports / f"{name}.md", "w", encoding="utf-8") as out:
            subprocess.run([sys.executable, *command, "--json", str(json_path)], cwd=ROOT,
                           stdout=out, check=True)
        numbers[name] = json.loads(json_path.read_text(encoding="utf-8"))
    return numbers


def git_commit() -> str:
    """The checkout's short commit, with ``+changes`` when the working tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def machine() -> dict[str, Any]:
    """Facts about this machine that the numbers depend on."""
    return {"cpus": os.cpu_count(), "arch": platform.machine(), "system": platform.system(),
            "python": platform.python_version()}


def _pair(first: float | None, second: float | None, digits: int = 3) -> str:
    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    return f"{number(first)} / {number(second)}"


def _bracketed(value: float) -> str:
    """`` (0.973)``, or nothing for a figure the results do not hold (older JSON)."""
    return "" if math.isnan(value) else f" ({value:.3f})"


def quality_section(quality: dict[str, Any]) -> list[str]:
    """Headline F1 and speed per extractor, then F1 per corpus, html / text mode."""
    peers = peers_table(quality)
    speed = speed_table(quality).set_index(["mode", "extractor"])["pages_per_second"]
    html, text = f1_by_extractor(peers, "html"), f1_by_extractor(peers, "text")
    corpora = [name for name in html.columns if name != "headline"]
    pages = ", ".join(f"{name} {n}" for name, n in quality["pages"].items())
    limit = f", the first {quality['limit']} of each corpus" if quality.get("limit") else ""
    repeats = quality.get("repeats", 1)
    fastest = f", the fastest of {repeats} runs" if repeats > 1 else ""
    lines = [f"Token F1 against the gold text of the `{quality['split']}` split ({pages} "
             f"pages{limit}), html mode / text mode (text mode: the page as a scraper's text). "
             f"Headline: the mean over {', '.join(quality['headline_datasets'])}. Speed: pages "
             f"per second on one core, extractor calls only{fastest}. `ours` scores each page "
             "alone; "
             "`ours-site-index` as a run over many pages does by default, with a site index "
             "built over all the split's pages first, so that pages of one site share "
             "recurrence evidence (its time includes building the index).", "",
             "| extractor | headline F1 | " + " | ".join(corpora) + " | pages/s |",
             "| --- |" + " ---: |" * (len(corpora) + 2)]
    for extractor in html.index:
        def f1(corpus: str, name: str = extractor) -> str:
            return _pair(html.at[name, corpus], text.at[name, corpus])

        speeds = _pair(speed.get(("html", extractor)), speed.get(("text", extractor)), digits=0)
        lines.append(f"| {extractor} | **{f1('headline')}** | "
                     + " | ".join(f1(corpus) for corpus in corpora) + f" | {speeds} |")
    return lines


def page_type_section(quality: dict[str, Any]) -> list[str]:
    """WCXB per page type: F1 html / text, then precision / recall in html mode."""
    table = page_type_table(quality)
    table = table[table["extractor"].isin(PAGE_TYPE_EXTRACTORS)]
    if table.empty:
        return []
    types = list(dict.fromkeys(table["page_type"]))
    pages = quality["pages"].get("wcxb")
    scores = table.set_index(["mode", "extractor", "page_type"])

    def cell(mode: str, extractor: str, page_type: str, column: str) -> float | None:
        key = (mode, extractor, page_type)
        return float(scores.at[key, column]) if key in scores.index else None

    header = "| extractor | " + " | ".join(types) + " |"
    rule = "| --- |" + " ---: |" * len(types)
    extractors = [e for e in PAGE_TYPE_EXTRACTORS if e in set(table["extractor"])]
    f1_rows = [f"| {e} | " + " | ".join(_pair(cell("html", e, t, "f1"), cell("text", e, t, "f1"))
                                        for t in types) + " |" for e in extractors]
    pr_rows = [f"| {e} | " + " | ".join(_pair(cell("html", e, t, "precision"),
                                              cell("html", e, t, "recall")) for t in types)
               + " |" for e in extractors]
    return [f"Modern pages: WCXB's `{quality['split']}` split ({pages} pages from 2025-26, "
            "WCXB: Web Content eXtraction Benchmark, Foley, 2025-26, CC-BY-4.0) per page type; "
            "`all` is the mean over its pages. Token F1, html mode / text mode:", "",
            header, rule, *f1_rows, "", "Token precision / recall, html mode:", "",
            header, rule, *pr_rows]


def recurrence_section(recurrence: dict[str, Any]) -> list[str]:
    """Recurring boilerplate removed / content kept, with and without the site index."""
    table = recurrence_table(recurrence)
    table = table[table["system"].isin(RECURRENCE_SYSTEMS)]
    cases = list(dict.fromkeys(table["case"]))
    lines = ["Recurring boilerplate removed / content kept (share of paragraphs) on sites "
             "whose template repeats from page to page, with and without the site index "
             "(`benchmarks/recurrence.py`: synthetic sites in held-out templates, and "
             "dragnet's multi-page test sites). In brackets, the content kept of what is "
             "unique to its page: gold content whose text recurs on other pages of the site "
             "(share prompts, credits, section labels inside dragnet's gold) is what the index "
             "is built to find.", "",
             "| system | " + " | ".join(cases) + " |", "| --- |" + " ---: |" * len(cases)]
    for system in dict.fromkeys(table["system"]):
        rows = table[table["system"] == system].set_index("case")
        lines.append(f"| {system} | " + " | ".join(
            _pair(rows.at[case, "boilerplate_recall"], rows.at[case, "content_recall"])
            + _bracketed(rows.at[case, "unique_content_recall"]) for case in cases) + " |")
    return lines


def throughput_section(throughput: dict[str, Any]) -> list[str]:
    """Pages per second of the command per ``--jobs``, and its peak memory per input size,
    each alone (``--no-recurrence``) and with the site index."""
    lines = [f"`boilerplate score` on {throughput['pages']:,} synthetic HTML pages of one site "
             "(`benchmarks/throughput.py`, start-up included, peak memory of the command and "
             "its worker with `--jobs 1`):", ""]
    for recurrence, mode in ((False, "`--no-recurrence`"), (True, "with the site index")):
        speeds = ", ".join(f"{s['pages_per_second']:.0f} pages/s with `--jobs {s['jobs']}`"
                           for s in throughput["speed"] if s.get("recurrence") == recurrence)
        memory = ", ".join(f"{m['tree_rss_mb']:,.0f} MB for {m['pages']:,} pages"
                           for m in throughput["memory"] if m.get("recurrence") == recurrence)
        lines.append(f"- {mode}: {speeds}; {memory}.")
    return lines


def speed_section(speed: dict[str, Any]) -> list[str]:
    """Pages and MB per second on the large modern test pages, ours against trafilatura."""
    sets = list(dict.fromkeys(row["set"] for row in speed["sets"]))
    lines = ["Speed on real pages (`benchmarks/speed.py`, the `test` split of "
             + " and ".join(sets) + ", html / text; the fastest of "
             f"{speed['repeats']} runs): `command` is `boilerplate clean --format jsonl` with its "
             "default options (two passes, the site index, the time limit), start-up included; "
             "`in-process` is `score_pages` on one core; in brackets, the ratio to trafilatura's "
             "pages per second in the same run.", "",
             "| system | " + " | ".join(f"{name} pages/s" for name in sets) + " | "
             + " | ".join(f"{name} MB/s" for name in sets) + " |",
             "| --- |" + " ---: |" * (2 * len(sets))]
    rows = {(r["set"], r["mode"], r["system"]): r for r in speed["sets"]}
    for system in ("command", "in-process", "trafilatura"):
        def cell(name: str, field: str, system: str = system) -> str:
            parts = []
            for mode in ("html", "text"):
                row = rows[(name, mode, system)]
                ratio = row["vs_trafilatura"]
                bracket = f" ({ratio:.1f}x)" if field == "pages_per_second" and ratio else ""
                parts.append(f"{row[field]:.{0 if field == 'pages_per_second' else 1}f}{bracket}")
            return " / ".join(parts)

        lines.append(f"| {system} | " + " | ".join(cell(name, "pages_per_second") for name in sets)
                     + " | " + " | ".join(cell(name, "mb_per_second") for name in sets) + " |")
    start = speed["start"]
    lines += ["", f"`boilerplate --help` {start['help']:.2f} s, `--version` "
              f"{start['version']:.2f} s; the first output record of a one-page run "
              f"{start['first_record']:.2f} s after start."]
    if "jobs" in speed:
        jobs = speed["jobs"]
        lines[-1] += (f" `--jobs 2` against `--jobs 1` on {jobs['pages']:,} pages: "
                      f"{jobs['speed_up']:.2f}x ({jobs['cpus']} CPUs).")
    return lines


def render(results: dict[str, Any]) -> str:
    """The README's results block (between the markers) for ``results.json``."""
    m = results["machine"]
    lines = [f"Made by `{results['command']}` on {results['date']} from commit "
             f"`{results['commit']}`, on {m['cpus']} CPU cores ({m['arch']}, {m['system']}, "
             f"Python {m['python']}). Generated: edit the script, not this block; "
             "`--from-json benchmarks/results.json` re-renders it without running anything.",
             "", *quality_section(results["quality"]), ""]
    page_types = page_type_section(results["quality"])
    if page_types:
        lines += [*page_types, ""]
    lines += recurrence_section(results["recurrence"])
    if "speed" in results:
        lines += ["", *speed_section(results["speed"])]
    if "throughput" in results:
        lines += ["", *throughput_section(results["throughput"])]
    lines += ["", "Plots, the confusion matrix of the labels and the worst pages: "
              "`notebooks/02-evaluation.ipynb`, or `boilerplate evaluate --report DIR` "
              "(see below)."]
    return "\n".join(lines)


def replace_block(readme: str, block: str) -> str:
    """``readme`` with the text between the markers replaced by ``block``, nothing else changed;
    without markers, a "Results" section holding them and ``block`` is added at the end."""
    if readme.count(START) != readme.count(END) or readme.count(START) > 1:
        raise ValueError(f"README must hold {START} and {END} once each, or neither")
    if START not in readme:
        return readme.rstrip("\n") + f"\n\n## Results\n\n{START}\n{block}\n{END}\n"
    head, rest = readme.split(START, 1)
    old, tail = rest.split(END, 1)
    if START in old or not old.startswith("\n"):
        raise ValueError(f"{START} must come before {END}, each on its own line")
    return f"{head}{START}\n{block}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmarks (or read their saved numbers) and rewrite the README's block."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", type=Path, default=None, metavar="PATH",
                        help="re-render from a results.json instead of running the benchmarks")
    parser.add_argument("--json", type=Path, default=RESULTS_JSON_DEFAULT,
                        help="where a run saves its numbers (default: benchmarks/results.json)")
    parser.add_argument("--reports", type=Path, default=REPORTS_DEFAULT,
                        help="folder for the benchmarks' own reports and JSON (default: reports)")
    parser.add_argument("--limit", type=int, default=None,
                        help="quality benchmark on the first N pages of each corpus only")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        command = "python benchmarks/readme_results.py" + (f" --limit {args.limit}"
                                                           if args.limit else "")
        results = {"command": command, "date": datetime.date.today().isoformat(),
                   "commit": git_commit(), "machine": machine(),
                   **run_benchmarks(args.reports, args.limit)}
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    readme = args.readme.read_text(encoding="utf-8")
    args.readme.write_text(replace_block(readme, render(results)), encoding="utf-8")
    print(f"rewrote the results block of {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
