"""What a command tells on stderr while it reads its input: a progress bar per pass over the
input, and a warning when no page of a run has a site key.

Both passes of a run (indexing, scoring) show a bar in bytes of input read, against the
input's size when it is known (files) and as a running count otherwise (stdin); the scoring
bar also shows the pages and their rate, the same figure as the closing summary's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from classifier.document import Page
from classifier.io.pages import ReadStats
from classifier.summary import plural


@dataclass
class SiteKeys:
    """Pages passing through ``count``, and how many of them have a site key."""

    pages: int = 0
    keyed: int = 0

    def count(self, pages: Iterable[Page]) -> Iterator[Page]:
        """Pass ``pages`` through, counting them."""
        for page in pages:
            self.pages += 1
            self.keyed += page.site is not None
            yield page

    def warning(self, consequence: str, at_least: int = 1) -> str | None:
        """A warning when ``at_least`` pages went through and none had a site key, else
        ``None``; ``consequence`` says what that costs."""
        if self.pages < at_least or self.keyed:
            return None
        return (f"warning: none of the {plural(self.pages, 'page')} has a site key (no URL, "
                f"no canonical link or og:url in the HTML, no --site): {consequence}")


def progress(pages: Iterable[Page], stats: ReadStats, total: int | None, label: str,
             rate: Callable[[], float] | None = None) -> Iterator[Page]:
    """Pass ``pages`` through with a bar on stderr of the bytes read (``stats.bytes_read``)
    against ``total`` bytes (``None``: unknown), and the pages so far; with ``rate``, their
    rate in pages per second."""
    from tqdm import tqdm

    count = 0
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
              file=sys.stderr, dynamic_ncols=True) as bar:
        for page in pages:
            count += 1
            bar.set_postfix_str(plural(count, "page") + (f", {rate():.1f} pages/s" if rate
                                                         else ""), refresh=False)
            bar.update(stats.bytes_read - bar.n)
            yield page
