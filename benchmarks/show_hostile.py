"""How long a hostile 10 MB page takes to become an audit view and to open in a browser.

    python benchmarks/show_hostile.py [--megabytes 10] [--runs 3]

The page is scraped text whose paragraphs carry markup that would run if the view let it
through (``PAYLOADS``: scripts, event handlers, ``</style>`` and ``</script>`` inside text).
Prints the seconds to score it (the library, one process), to write its view, and for headless
Chromium to load the view and paint its first screen (``--screenshot``), beside the same for
an empty page (the browser's own start-up); the browser figures are the fastest of ``--runs``.
Wall-clock times: on a busy machine they include waiting for a core.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.browser import screenshot, visit  # noqa: E402
from classifier import load_model, make_page, score_pages  # noqa: E402
from classifier.show import write_page  # noqa: E402

#: Text that would run if the view let a page's markup through: each payload announces itself
#: on the console, in the title or on the body.
PAYLOADS = (
    '<script>console.log("PWNED-script"); document.title = "PWNED"</script>',
    '<img src="x" onerror="console.log(\'PWNED-onerror\'); document.body.dataset.pwned = 1">',
    '</style><script>console.log("PWNED-style")</script><style>',
    '</script><script>console.log("PWNED-script-end")</script>',
    '"><svg onload="console.log(\'PWNED-svg\')"></svg><u data-x="',
    "</textarea></title><iframe srcdoc=\"<script>parent.console.log('PWNED-iframe')</script>\">",
)
_STORY = "The council voted on Tuesday to approve the bridge, ending years of debate. " * 3


def hostile_paragraphs(megabytes: float) -> list[str]:
    """Paragraphs of a story sentence and a payload each, together just over ``megabytes`` MB
    (UTF-8, blank lines between them included)."""
    paragraphs: list[str] = []
    size = 0
    while size <= megabytes * 1024 * 1024:
        paragraphs.append(_STORY + PAYLOADS[len(paragraphs) % len(PAYLOADS)])
        size += len(paragraphs[-1].encode("utf-8")) + 2
    return paragraphs


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fastest(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    model = load_model()
    paragraphs = hostile_paragraphs(args.megabytes)
    text = "\n\n".join(paragraphs)
    start, cpu = time.perf_counter(), _cpu()
    (page,) = score_pages([make_page(text, "text", id="hostile")], model)
    scored, scored_cpu = time.perf_counter() - start, _cpu() - cpu
    with tempfile.TemporaryDirectory(prefix="boilerplate-hostile-") as folder:
        start = time.perf_counter()
        view = write_page(page, Path(folder) / "hostile.html", model)
        written = time.perf_counter() - start
        empty = Path(folder) / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
        shot = Path(folder) / "shot.png"
        baseline = _fastest(args.runs, lambda: screenshot(empty.as_uri(), shot))
        loaded = _fastest(args.runs, lambda: screenshot(view.as_uri(), shot))
        seen = visit(view.as_uri())
    ran = [line for line in seen.console if "PWNED" in line]
    print(f"page: {len(text.encode('utf-8')) / 1e6:.1f} MB of text, {len(paragraphs):,} "
          f"paragraphs; the view's DOM after load: {len(seen.dom.encode('utf-8')) / 1e6:.1f} MB")
    print(f"score (library, one process): {scored:.2f} s wall, {scored_cpu:.2f} s CPU")
    print(f"write the view: {written:.2f} s")
    print(f"chromium, load and paint the first screen: {loaded:.2f} s "
          f"(an empty page: {baseline:.2f} s; difference {loaded - baseline:.2f} s)")
    print(f"payloads that ran in the view: {len(ran)}")


if __name__ == "__main__":
    main()
