"""The `OpennessAnnualReport` / `XxgkAnnualReport` platform (Anhui, Inner Mongolia).

Units are branches: `…/{Openness|Xxgk}Content/showList/<branch>/<column>/page_N.html`; a unit's
annual reports are listed at `…/{Openness|Xxgk}AnnualReport/showList/<branch>/page_N.html`
(ids of `…AnnualReport/show/<id>.html` are not in date order). Unit menus often reach that list
only by script, so every branch a page names (in a unit list, a content list, a report's
breadcrumb) yields its annual-report list, and a list's 共N页 yields its other pages.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.discovery.families import no_answer, no_follow_ups
from crawler.discovery.links import Link

NAME = "openness"
_MARKS = ("OpennessContent/", "OpennessAnnualReport/", "XxgkContent/", "XxgkAnnualReport/")
_BRANCH = re.compile(
    r"((?:/openness)?/(?:Openness|Xxgk))(?:Content|AnnualReport)/(?:showList|show)/(\d+)/"
)
_LIST = re.compile(r"^(.*/(?:Openness|Xxgk)AnnualReport/showList/\d+/)page_\d+\.html$")
_PAGES = re.compile(r"共\s*(\d+)\s*页")


def detect(html: str) -> bool:
    # Substring tests: detect runs on every page of every site.
    return any(mark in html for mark in _MARKS)


def annual_lists(html: str, base: str) -> list[str]:
    """The annual-report list of every branch the page names."""
    out = []
    for prefix, branch in _BRANCH.findall(html):
        out.append(urljoin(base, f"{prefix}AnnualReport/showList/{branch}/page_1.html"))
    return list(dict.fromkeys(out))


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    """page_1 … page_N of an annual-report list that says 共N页."""
    m = _LIST.match(urlsplit(page_url).path)
    count = _PAGES.search(html)
    if not m or not count:
        return []
    last = min(int(count.group(1)), max_pages)
    return [urljoin(page_url, f"{m.group(1)}page_{n}.html") for n in range(1, last + 1)]


def embedded_links(html: str, base: str) -> list[Link]:
    return [Link(url, "政府信息公开年报", "js") for url in annual_lists(html, base)]


follow_ups, on_follow_up = no_follow_ups, no_answer
