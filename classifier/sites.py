"""Site keys, and the one factory of pages that decides them.

A page's site is the key under which recurrence evidence is shared. ``make_page`` decides it
for every page, whoever makes it (the API, the readers, training, the Scrapy pipeline), in one
order: a site key given explicitly (``--site``, a JSON line's ``site`` field), else the
registered domain of the page's URL by the Public Suffix List, else, for an HTML page given
without a URL (a saved file), that of the URL the page names itself by: its
``<link rel="canonical">``, else its ``<meta property="og:url">``. Private suffixes count (two
blogs on blogspot.com or github.io are two sites), so evidence is never shared between
unrelated owners of one hosting domain.
"""

from __future__ import annotations

import html
import ipaddress
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from classifier.document import InputKind, Page

#: Pages of one site the site index keeps (``fingerprints.IndexConfig.max_site_pages``). A
#: site's index grows by about 100 KB a page kept (``benchmarks/throughput.py``) and its queries
#: slow down faster than linearly, while a template recurs on a site's pages whether 10,000 or
#: a million of them are compared: past the cap, about 1 GB for one site, more pages would add
#: cost and no evidence.
MAX_SITE_PAGES_DEFAULT = 10_000


#: Characters of an HTML page searched for the URL it names itself by: the ``<head>`` of most
#: pages, inline scripts and styles included, fits in the first 256 KB.
SELF_URL_CHARS = 256 * 1024
_TAG = re.compile(r"<(?:link|meta)\b[^>]{0,2048}>", re.I)
_ATTRIBUTE = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def self_url(raw_html: str) -> str | None:
    """The absolute URL an HTML page names itself by: ``<link rel="canonical" href>``, else
    ``<meta property="og:url" content>``; ``None`` when it names none (relative URLs do not
    count: they name no host)."""
    found: dict[str, str] = {}
    for tag in _TAG.finditer(raw_html, 0, SELF_URL_CHARS):
        attributes = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
                      for m in _ATTRIBUTE.finditer(tag.group())}
        if "canonical" in attributes.get("rel", "").lower().split():
            found.setdefault("canonical", attributes.get("href", ""))
        elif attributes.get("property", attributes.get("name", "")).lower() == "og:url":
            found.setdefault("og:url", attributes.get("content", ""))
    for name in ("canonical", "og:url"):
        url = html.unescape(found.get(name, "")).strip()
        if "//" in url and site_of(url):
            return url
    return None


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


def site_key(site: str | None = None, url: str | None = None,
             raw_html: str | None = None) -> str | None:
    """A page's site key: ``site`` when given (non-empty), else ``site_of(url)``, else (no
    URL) ``site_of`` the URL the HTML page ``raw_html`` names itself by (``self_url``)."""
    if site:
        return site
    if url:
        return site_of(url)
    return site_of(self_url(raw_html)) if raw_html else None


def _check(name: str, value: Any, optional: bool = True) -> None:
    if not (isinstance(value, str) or (optional and value is None)):
        wanted = "a str or None" if optional else "a str"
        raise TypeError(f"{name} must be {wanted}, not {type(value).__name__}"
                        + (" (decode bytes first)" if isinstance(value, bytes) else ""))


def make_page(raw: str, kind: InputKind | str, id: str = "", url: str | None = None,
              site: str | None = None, extra: dict[str, Any] | None = None) -> Page:
    """A page from its raw text or HTML (``kind``: ``"text"`` or ``"html"``), not yet segmented,
    with its site key decided by ``site_key``. ``extra``: input fields passed through to the
    output untouched. ``raw``, ``id``, ``url`` and ``site`` of another type than ``str`` (or
    ``None`` for the last two) raise ``TypeError``; an unknown ``kind`` ``ValueError``."""
    _check("the page (raw)", raw, optional=False)
    _check("id", id, optional=False)
    _check("url", url)
    _check("site", site)
    kind = InputKind(kind)
    key = site_key(site, url, raw if kind is InputKind.HTML else None)
    return Page(id=id, raw=raw, kind=kind, url=url, site=key, extra=extra or {})
