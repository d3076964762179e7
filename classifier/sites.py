"""Site keys, and the one factory of pages that decides them.

A page's site is the key under which recurrence evidence is shared. ``make_page`` decides it
for every page, whoever makes it (the API, the readers, training, the Scrapy pipeline), in one
order: a site key given explicitly (``--site``, a JSON line's ``site`` field), else the
registered domain of the page's URL by the Public Suffix List. Private suffixes count (two
blogs on blogspot.com or github.io are two sites), so evidence is never shared between
unrelated owners of one hosting domain.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from classifier.document import InputKind, Page


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList(only_icann=False)


def site_of(url: str | None) -> str | None:
    """The site key of ``url`` (lower-case registered domain), or ``None`` when it has no host.

    IP addresses and single-label hosts (``localhost``) are their own site.
    """
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def site_key(site: str | None = None, url: str | None = None) -> str | None:
    """A page's site key: ``site`` when given (non-empty), else ``site_of(url)``."""
    return site or site_of(url)


def make_page(raw: str, kind: InputKind | str, id: str = "", url: str | None = None,
              site: str | None = None, extra: dict[str, Any] | None = None) -> Page:
    """A page from its raw text or HTML (``kind``: ``"text"`` or ``"html"``), not yet segmented,
    with its site key decided by ``site_key``. ``extra``: input fields passed through to the
    output untouched."""
    return Page(id=id, raw=raw, kind=InputKind(kind), url=url, site=site_key(site, url),
                extra=extra or {})
