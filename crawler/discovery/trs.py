"""TRS WCM (拓尔思): `createPageHTML(N, cur, "index", "html")` pagers and t-dated detail URLs."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.discovery.families import caseless, no_answer, no_follow_ups, no_links

NAME = "trs"

_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
# Searched in `caseless(html)`: lowercase, and no IGNORECASE.
_FINGERPRINT = re.compile(
    r"trs_editor|custom_unionstyle|createpagehtml|trs_|name=[\"']?articletitle"
)


def is_trs(html: str) -> bool:
    return bool(_FINGERPRINT.search(caseless(html)))


def pager_urls(html: str, page_url: str) -> list[str]:
    """Every list page a `createPageHTML` call announces: stem.ext, stem_1.ext … stem_{N-1}.ext."""
    urls: list[str] = []
    for m in _CREATE_PAGE.finditer(html):
        count, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        count = min(count, 1000)
        urls.append(urljoin(page_url, f"{stem}.{ext}"))
        urls.extend(urljoin(page_url, f"{stem}_{n}.{ext}") for n in range(1, count))
    return urls


# -- the CMS-family protocol (crawler.discovery.families) ----------------------------------------
detect = is_trs


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    return pager_urls(html, page_url) if "createPageHTML" in html else []


embedded_links, follow_ups, on_follow_up = no_links, no_follow_ups, no_answer
