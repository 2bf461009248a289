"""大汉 Hanweb JCMS: list data comes from `/module/web/jpage/dataproxy.jsp` as XML records.

A column page embeds the first records in `<script type="text/xml"><datastore>` and names the
proxy with its parameters (in a `nextgroup` link or a jpage config); the static `index_1.html`
404s, so the next pages are asked of the proxy with `startrecord/endrecord/perpage`.
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

from crawler.discovery.families import FollowUp, caseless
from crawler.discovery.links import Link, extract_links

NAME = "hanweb"

# Searched in `caseless(html)`: lowercase, and no IGNORECASE.
_FINGERPRINT = re.compile(r"dataproxy\.jsp|<datastore>|/col/col\d+/|jpage|hanweb")
_PROXY_URL = re.compile(
    r"""["'(]?((?:https?://[^"'\s<>]+)?/module/web/jpage/dataproxy\.jsp[^"'\s<>]*)""", re.IGNORECASE
)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)
_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.IGNORECASE)
_JS_PARAM = re.compile(
    r"""\b(columnid|unitid|webid|appid|col|path|sourceContentType|webname|permissiontype|perpage|"""
    r"""totalRecord|totalrecord|perPage)\s*[:=]\s*['"]?([^'",}\s&]+)""",
    re.IGNORECASE,
)
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE = 15


def is_hanweb(html: str) -> bool:
    return bool(_FINGERPRINT.search(caseless(html)))


def records(xml: str) -> list[str]:
    """The HTML fragments of the `<record>` elements."""
    return _RECORD.findall(xml)


def total_records(xml: str) -> int | None:
    m = _TOTAL_RECORD.search(xml)
    return int(m.group(1)) if m else None


def total_pages(xml: str) -> int | None:
    m = _TOTAL_PAGE.search(xml)
    return int(m.group(1)) if m else None


def proxy_params(html: str, page_url: str) -> tuple[str, dict[str, str]] | None:
    """(proxy URL, base parameters) announced by a column page, or None."""
    m = _PROXY_URL.search(html)
    if not m:
        return None
    proxy = htmllib.unescape(m.group(1))
    url = urljoin(page_url, proxy.split("?", 1)[0])
    params = dict(parse_qsl(urlsplit(proxy).query, keep_blank_values=True))
    for key, val in _JS_PARAM.findall(html):
        params.setdefault(key if key not in ("totalRecord", "perPage") else key.lower(), val)
    for drop in ("startrecord", "endrecord", "page"):
        params.pop(drop, None)
    if "columnid" not in params:
        col = re.search(r"/col/col(\d+)/", page_url)
        if col:
            params["columnid"] = col.group(1)
    params.setdefault("col", "1")
    params.setdefault("appid", "1")
    params.setdefault("path", "/")
    params.setdefault("sourceContentType", "1")
    params.setdefault("permissiontype", "0")
    return url, params


def proxy_page_urls(proxy: str, params: dict[str, str], total: int, per_page: int) -> list[str]:
    """GET URLs for every block of `per_page` records up to `total` (bounded)."""
    base = {k: v for k, v in params.items() if k.lower() not in ("totalrecord", "perpage")}
    urls = []
    for start in range(1, min(total, 10000) + 1, per_page):
        query = {
            **base,
            "startrecord": str(start),
            "endrecord": str(start + per_page - 1),
            "perpage": str(per_page),
        }
        urls.append(f"{proxy}?{urlencode(query)}")
    return urls


# -- the CMS-family protocol (crawler.discovery.families) ----------------------------------------
detect = is_hanweb


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    return []  # the static index_N pages 404: the next pages come from the proxy (follow_ups)


def embedded_links(html: str, base: str) -> list[Link]:
    """The links inside the `<record>` fragments a column page embeds."""
    links: list[Link] = []
    for fragment in records(html):
        links += extract_links(Selector(text=fragment), base)
    return links


def follow_ups(html: str, page_url: str) -> list[FollowUp]:
    """A dataproxy.jsp request for every block of records the column announces."""
    found = proxy_params(html, page_url)
    if not found:
        return []
    proxy, params = found
    per_page = int(params.get("perpage") or DEFAULT_PER_PAGE)
    total = int(params.get("totalrecord") or 0) or total_records(html) or per_page
    state = {"proxy": proxy, "params": params, "per_page": per_page}
    return [FollowUp(url, state) for url in proxy_page_urls(proxy, params, total, per_page)]


def on_follow_up(body: str, url: str, state: dict[str, Any]) -> tuple[list[Link], list[FollowUp]]:
    """A proxy answer: the links of its records, and the blocks its `totalrecord` adds."""
    links = embedded_links(body, url)
    total = total_records(body)
    more: list[FollowUp] = []
    if state and total:
        pages = proxy_page_urls(state["proxy"], state["params"], total, state["per_page"])
        more = [FollowUp(u, state) for u in pages]
    return links, more
