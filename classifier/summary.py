"""What a run read, scored and removed, for the one line a command closes with.

``Summary`` counts the pages passing through it, the records the readers passed over (its
``read``) and what the writers had to change to write them (its ``written``), so it sits with
the readers and writers at the edge, above the runner and the library.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from classifier.api import KEEP_DEFAULT
from classifier.document import Page
from classifier.io.pages import ReadStats
from classifier.io.writers import WriteStats
from classifier.labels import Label


def plural(count: int, noun: str) -> str:
    """``"1 page"``, ``"2 pages"``, ``"0 pages"``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class Summary:
    """Counts over a run, for its closing line: pages, paragraphs, what was removed, errors.

    A paragraph counts as removed when its label is not in ``keep`` (the labels ``clean``
    keeps). ``read`` is given to the readers, which count there the records they passed over.
    """

    keep: frozenset[Label] = KEEP_DEFAULT
    pages: int = 0
    paragraphs: int = 0
    errors: int = 0
    removed: Counter[Label] = field(default_factory=Counter)
    read: ReadStats = field(default_factory=ReadStats)
    written: WriteStats = field(default_factory=WriteStats)
    started: float = field(default_factory=time.monotonic)
    #: Pages left out because their language was not asked for (``in_languages``).
    other_languages: int = 0

    def count(self, pages: Iterable[Page]) -> Iterator[Page]:
        """Pass ``pages`` through, counting them."""
        for page in pages:
            self.pages += 1
            self.errors += page.error is not None
            self.paragraphs += len(page.paragraphs)
            self.removed.update(p.label for p in page.paragraphs
                                if p.label is not None and p.label not in self.keep)
            yield page

    def in_languages(self, pages: Iterable[Page], languages: frozenset[str]) -> Iterator[Page]:
        """Pass through the pages whose ``language`` is in ``languages``, and those with an
        error (never dropped); count the others in ``other_languages``."""
        for page in pages:
            if page.error is None and page.language not in languages:
                self.other_languages += 1
                continue
            yield page

    def rate(self) -> float:
        """Pages per second over the time since the summary was created (the run's start):
        the rate both the progress bar and the closing line show."""
        return self.pages / max(time.monotonic() - self.started, 1e-9)

    def line(self) -> str:
        """One line, e.g. ``3 pages, 40 paragraphs, 25.0% removed (navigation 15.0%, …), 1
        error, 12.3 pages/s``; the rate is ``rate()``."""
        total = max(self.paragraphs, 1)
        kinds = ", ".join(f"{label.value} {100 * n / total:.1f}%"
                          for label, n in self.removed.most_common())
        removed = f"{100 * sum(self.removed.values()) / total:.1f}% removed"
        parts = [plural(self.pages, "page"), plural(self.paragraphs, "paragraph"),
                 removed + (f" ({kinds})" if kinds else ""), plural(self.errors, "error"),
                 f"{self.rate():.1f} pages/s"]
        if self.other_languages:
            parts.append(f"{plural(self.other_languages, 'page')} in other languages left out")
        skipped = self.read.skipped
        if skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in skipped.most_common())
            n = sum(skipped.values())
            parts.append(f"skipped {plural(n, 'record')} that "
                         f"{'is not a page' if n == 1 else 'are not pages'} ({reasons})")
        if self.written.replaced:
            parts.append(f"{self.written.replaced} lone surrogates (not encodable in UTF-8) "
                         "written as U+FFFD")
        return ", ".join(parts)
