"""The README's pictures of the audit view: ``docs/show-index.png`` and ``docs/show-page.png``.

    python docs/screenshots.py

Runs ``boilerplate show`` on ``data/example-site.jsonl`` (five pages of one made-up news site,
so the site index has evidence) into a temporary folder, and photographs its index, sorted by
the share removed, and the view of the first page, with headless Chromium.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.browser import screenshot  # noqa: E402
from classifier.show import page_file_name  # noqa: E402

SITE = ROOT / "data" / "example-site.jsonl"
#: Each picture: its name, the view's file and fragment (the view's state), its size.
SHOTS = (("show-index.png", "index.html", "#sort=-removed", 1280, 420),
         ("show-page.png", page_file_name(1, "ferry-timetable"), "", 1200, 1180))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="boilerplate-show-") as folder:
        subprocess.run([sys.executable, "-m", "classifier", "show", "--quiet", "-o", folder,
                        str(SITE)], check=True)
        for name, view, fragment, width, height in SHOTS:
            url = (Path(folder) / view).as_uri() + fragment
            out = screenshot(url, ROOT / "docs" / name, width, height)
            print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
