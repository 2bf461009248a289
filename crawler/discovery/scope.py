"""Which hosts belong to a county site, and URL shapes that are traps."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

# Second-level labels under which a registrable name sits one level deeper (xx.gov.cn).
_SECOND_LEVEL = {"gov", "com", "net", "org", "edu", "ac"}
_CALENDAR_PARAMS = {"date", "day", "month", "year", "week", "calendar", "cal", "ym", "ymd"}
_CALENDAR_PATH = re.compile(
    r"/(?:calendar|rili|cal)/|/(?:19|20)\d{2}-\d{1,2}-\d{1,2}/", re.IGNORECASE
)
_SESSION = re.compile(r";jsessionid=|[?&](?:sid|sessionid|phpsessid)=", re.IGNORECASE)
MAX_URL_LENGTH = 400
MAX_QUERY_VARIANTS = 60  # distinct query strings per path before we call it a trap


def registrable_domain(host: str) -> str:
    """`www.qjfy.gov.cn` → `qjfy.gov.cn`; `www.example.com` → `example.com`."""
    labels = host.lower().strip(".").split(":")[0].split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


@lru_cache(maxsize=4096)  # a few thousand registry hosts; in_scope asks for every link
def site_base(site_host: str) -> str:
    """The domain a county site owns: `www.qjfy.gov.cn` → `qjfy.gov.cn`; a county hosted under
    its prefecture (`luolong.changdu.gov.cn`) owns only its own host, not `changdu.gov.cn`."""
    host = site_host.lower().split(":")[0].strip(".")  # a port is no part of the domain
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def in_scope(url: str, site_host: str) -> bool:
    """The county's own hosts: the site's base domain and its subdomains."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return False
    base = site_base(site_host)
    if host == base or host == site_host.split(":")[0]:
        return True
    return host.endswith("." + base)


class TrapDetector:
    """Per-site memory of URL shapes; `is_trap(url)` says when to stop following a shape."""

    def __init__(self, max_query_variants: int = MAX_QUERY_VARIANTS) -> None:
        self.max_query_variants = max_query_variants
        self._variants: Counter[str] = Counter()

    def is_trap(self, url: str) -> str | None:
        """A reason string when the URL looks like a trap, else None (and remember it)."""
        if len(url) > MAX_URL_LENGTH:
            return "url-too-long"
        parts = urlsplit(url)
        if _SESSION.search(url):
            return "session-id"
        segments = [s for s in parts.path.split("/") if s]
        if segments and max(Counter(segments).values()) >= 3:
            return "repeated-path-segment"
        if _CALENDAR_PATH.search(parts.path):
            return "calendar"
        params = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        if len(params & _CALENDAR_PARAMS) >= 2:
            return "calendar"
        if parts.query:
            key = f"{parts.hostname}{parts.path}"
            self._variants[key] += 1
            if self._variants[key] > self.max_query_variants:
                return "query-explosion"
        return None
