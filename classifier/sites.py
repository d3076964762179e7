"""Site keys: the registered domain of a page's URL by the Public Suffix List.

Private suffixes count (two blogs on blogspot.com or github.io are two sites), so recurrence
evidence is never shared between unrelated owners of one hosting domain.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList


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
