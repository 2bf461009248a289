"""博达 VSB (站群): `/info/<col>/<id>.htm` details; lists `<col>.htm` then `<col>/N.htm`."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.discovery.families import caseless, no_answer, no_follow_ups, no_links

NAME = "vsb"

# Searched in `caseless(html)`: lowercase, and no IGNORECASE.
_FINGERPRINT = re.compile(r"#begineditable|_showdynclickbatch|v_news_content|vsb_|vsbhead")
_TOTAL = re.compile(r"共\s*(\d+)\s*条")
# "(?<!\d)\d++" starts a number only at its first digit and never backs off: a page of
# digits costs linear time, not a rescan from every digit.
_PAGES = re.compile(r"(?:共|/)\s*+(\d++)\s*+页|(?<!\d)\d++\s*+/\s*+(\d++)\s*+页")


def is_vsb(html: str) -> bool:
    return bool(_FINGERPRINT.search(caseless(html)))


def pager_urls(html: str, page_url: str) -> list[str]:
    """`<col>/N.htm` pages announced by "共N页" (or derived from 共M条 and the links seen)."""
    m = _PAGES.search(html)
    if not m:
        return []
    count = int(m.group(1) or m.group(2))
    path = urlsplit(page_url).path
    col = re.match(r"(.*?)(?:/\d+)?\.htm$", path)
    if not col:
        return []
    base = col.group(1)
    return [urljoin(page_url, f"{base}/{n}.htm") for n in range(1, min(count, 1000) + 1)]


# -- the CMS-family protocol (crawler.discovery.families) ----------------------------------------
detect = is_vsb


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    return pager_urls(html, page_url)


embedded_links, follow_ups, on_follow_up = no_links, no_follow_ups, no_answer
