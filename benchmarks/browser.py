"""Headless Chromium for the audit view: the DOM a page ends up with, its console, a screenshot.

Used by the view's tests, the screenshots in docs/ and the hostile-page benchmark. Debian's
``chromium`` package (``apt-get install chromium``). The flags run it as root (no sandbox)
with nothing of its own on the network, and a fresh profile per run, so no state leaks from
one run to the next.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Chromium's command names, most likely first.
NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars")
#: Seconds a run may take before it is a failure (a 10 MB page takes about 10 on 2 busy cores).
TIMEOUT = 180
_CONSOLE = re.compile(r':INFO:CONSOLE[^\]]*\] "(.*)", source: ')


def chromium() -> str | None:
    """The Chromium command on PATH, or ``None``."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


@dataclass(frozen=True)
class Visit:
    """What one headless run printed: ``dom`` (with ``--dump-dom``) and the page's
    ``console`` messages, in order."""

    dom: str
    console: list[str]


def _run(url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    command = chromium()
    if command is None:
        raise RuntimeError(f"none of {', '.join(NAMES)} is on PATH: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="boilerplate-chromium-") as profile:
        return subprocess.run([command, *FLAGS, f"--user-data-dir={profile}", *flags, url],
                              capture_output=True, text=True, errors="replace",
                              timeout=TIMEOUT, check=True)


def visit(url: str) -> Visit:
    """Load ``url`` (scripts run, up to the load event) and return its DOM and console."""
    done = _run(url, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return Visit(dom=done.stdout, console=_CONSOLE.findall(done.stderr))


def screenshot(url: str, path: Path, width: int = 1200, height: int = 900) -> Path:
    """A PNG of the first ``width`` x ``height`` CSS pixels of ``url``."""
    _run(url, f"--screenshot={path.resolve()}", f"--window-size={width},{height}")
    return path
