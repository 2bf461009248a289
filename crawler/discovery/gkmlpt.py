"""Guangdong's gkmlpt catalogue: a script shell, a JSON API, server-rendered post pages.

`/<unit>/gkmlpt/index` carries `window._CONFIG = {SID: '…', TREE: [{id, name, children,
post_count}, …]}` and no links. The items of the 政府信息公开年报 category come from
`GET /<unit>/gkmlpt/api/all/<category>?page=N&sid=<SID>` (JSON, 100 a page), each with a `url`
to `…/gkmlpt/content/<a>/<b>/post_<id>.html`. Pitfalls handled: `total` below the category's
`post_count` (pages are counted from the larger, and a full page asks for the next);
`type: 'url'` items on other sites (handed to the spider, whose scope check refuses them
unfetched); protocol-relative and https item URLs on the page's own host (fetched with the
scheme the catalogue answered on, as some sites fail on HTTPS). Attachments are taken from the
post pages, which link them, so each keeps its page as `attachment_of`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.discovery.families import FollowUp
from crawler.discovery.links import Link
from crawler.discovery.text import clean

NAME = "gkmlpt"
PER_PAGE = 100
REPORT_CATEGORY = "政府信息公开年报"
MAX_PAGES = 50  # 5,000 items: far beyond any county's report category
_INDEX = re.compile(r"/gkmlpt/index\b")
_SID = re.compile(r"""\bSID\s*:\s*['"]([^'"]+)['"]""")
_TREE = re.compile(r"\bTREE\s*:\s*\[")
_KEY = re.compile(r"""([{,]\s*)([A-Za-z_]\w*)\s*:""")


def detect(html: str) -> bool:
    return "gkmlpt" in html and ("window._CONFIG" in html or bool(_INDEX.search(html)))


def _js_array(text: str, start: int) -> Any:
    """The JS array literal opening at `text[start]` as Python data (bare keys, '' strings)."""
    depth, quote = 0, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                literal = text[start : i + 1]
                try:
                    return json.loads(literal)
                except ValueError:
                    pass
                literal = _KEY.sub(r'\1"\2":', literal)
                literal = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1)), literal)
                try:
                    return json.loads(literal)
                except ValueError:
                    return None
    return None


def report_categories(html: str) -> tuple[str | None, list[tuple[int, int]]]:
    """(SID, [(category id, post_count)]) of the 年报 categories a catalogue shell declares."""
    sid = _SID.search(html)
    tree = _TREE.search(html)
    if not sid or not tree:
        return None, []
    nodes = _js_array(html, tree.end() - 1) or []
    found: list[tuple[int, int]] = []
    stack = list(nodes) if isinstance(nodes, list) else []
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        stack += node.get("children") or []
        if clean(str(node.get("name", ""))) == REPORT_CATEGORY and "id" in node:
            found.append((int(node["id"]), int(node.get("post_count") or 0)))
    return sid.group(1), found


def _api_url(index_url: str, category: int, page: int, sid: str) -> str:
    base = index_url.split("/gkmlpt/", 1)[0]
    return f"{base}/gkmlpt/api/all/{category}?page={page}&sid={sid}"


def _pages(count: int) -> int:
    return max(1, min(MAX_PAGES, -(-count // PER_PAGE)))


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    return []


def embedded_links(html: str, base: str) -> list[Link]:
    """Catalogue shells linked anywhere on the page (a unit list names them by unit only)."""
    out = []
    for m in re.finditer(r"""href=["']([^"']*/gkmlpt/index)["']""", html):
        out.append(Link(urljoin(base, m.group(1)), REPORT_CATEGORY, "a"))
    return out


def follow_ups(html: str, page_url: str) -> list[FollowUp]:
    """Every API page of the 年报 category a catalogue shell declares."""
    if "/gkmlpt/index" not in page_url:
        return []
    sid, categories = report_categories(html)
    ups = []
    for category, post_count in categories:
        state = {"index": page_url, "category": category, "sid": sid, "post_count": post_count}
        for page in range(1, _pages(post_count) + 1):
            ups.append(FollowUp(_api_url(page_url, category, page, sid or ""), state))
    return ups


def _same_scheme(url: str, api_url: str) -> str:
    """An item URL on the catalogue's own host, with the scheme the catalogue answered on."""
    api = urlsplit(api_url)
    parts = urlsplit(urljoin(api_url, url))
    if parts.hostname == api.hostname and parts.scheme != api.scheme:
        parts = parts._replace(scheme=api.scheme, netloc=api.netloc)
    return urlunsplit(parts)


def on_follow_up(body: str, url: str, state: dict[str, Any]) -> tuple[list[Link], list[FollowUp]]:
    """An API page: a link per item, and the pages `total`, `post_count` or a full page imply."""
    try:
        data = json.loads(body)
    except ValueError:
        return [], []
    if not isinstance(data, dict):
        return [], []
    articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
    links = []
    for item in articles:
        target = item.get("url") or item.get("post_url")
        if isinstance(target, str) and target.strip():
            links.append(Link(_same_scheme(target.strip(), url), clean(item.get("title")), "js"))
    more: list[FollowUp] = []
    if state:
        page = int(re.search(r"[?&]page=(\d+)", url).group(1)) if "page=" in url else 1
        total = data.get("total") if isinstance(data.get("total"), int) else 0
        last = _pages(max(total, int(state.get("post_count") or 0)))
        if len(articles) >= PER_PAGE:
            last = max(last, min(MAX_PAGES, page + 1))
        for n in range(1, last + 1):
            more.append(
                FollowUp(_api_url(state["index"], state["category"], n, state["sid"] or ""), state)
            )
    return links, more
