"""Generic pagination (domain.md §2.2): pager links, `index_N` and `?page=N` shapes, JS page counts."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_PAGER_TEXT = re.compile(
    r"^(?:下一?页|下页|尾页|末页|最后一?页|上一?页|上页|首页|第\d+页|\d{1,4}|>|>>|»|›|next|last)$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_PAGE_PARAMS = (
    "page",
    "pageindex",
    "pageno",
    "cur_page",
    "curpage",
    "pagenum",
    "p",
    "pn",
    "currentpage",
)
_JS_PAGE_COUNT = re.compile(
    r"\b(?:countPage|totalPage|pageCount|totalPages|page_count|pageTotal)\s*[=:]\s*['\"]?(\d{1,4})",
    re.IGNORECASE,
)


# Cached: is_pager_link compares every link of a page with the page's own shape and key.
@lru_cache(maxsize=1024)
def url_shape(url: str) -> str:
    """The URL with digit runs replaced: pages of one list share a shape."""
    parts = urlsplit(url)
    query = "&".join(sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.hostname}{_DIGITS.sub('#', parts.path)}?{query}"


@lru_cache(maxsize=1024)
def list_key(url: str) -> str:
    """One key for all pages of a list: `index.html` and `index_3.html` share it."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+\.htm$", "", parts.path)  # VSB: col/3.htm → col (first: col.htm → col)
    path = re.sub(r"-index-\d+\.shtml$", "", path)
    path = re.sub(r"(?:index|list|default)?(?:_\d+)?\.(s?html?|jhtml|jsp|aspx?|php)$", "", path)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _PAGE_PARAMS]
    return f"{parts.hostname}{path}?{urlencode(sorted(params))}"


def is_pager_link(text: str, url: str, page_url: str) -> bool:
    """A link to another page of the current list (by its text or its URL shape)."""
    if _PAGER_TEXT.match(text.strip()):
        return (
            list_key(url) == list_key(page_url)
            or url_shape(url) == url_shape(page_url)
            or _indexish(url)
        )
    return url != page_url and (
        (url_shape(url) == url_shape(page_url) and _only_page_differs(url, page_url))
        or (_indexish(url) and list_key(url) == list_key(page_url))
    )


def _indexish(url: str) -> bool:
    path = urlsplit(url).path
    return bool(
        re.search(r"(?:index|list|default)_\d+\.\w+$|-index-\d+\.shtml$|/\d+\.htm$", path)
    ) or any(k.lower() in _PAGE_PARAMS for k, _ in parse_qsl(urlsplit(url).query))


def _only_page_differs(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    if pa.path != pb.path:
        # index_2.html vs index_3.html, column-index-2 vs column-index-3
        return _indexish(a)
    qa, qb = dict(parse_qsl(pa.query)), dict(parse_qsl(pb.query))
    diff = {k for k in qa.keys() | qb.keys() if qa.get(k) != qb.get(k)}
    return bool(diff) and all(k.lower() in _PAGE_PARAMS for k in diff)


def js_page_count(html: str) -> int | None:
    """A total page count declared in a script (`countPage = 5`, `totalPage: 5`)."""
    m = _JS_PAGE_COUNT.search(html)
    return int(m.group(1)) if m else None


def numbered_pages(page_url: str, count: int) -> list[str]:
    """Pages 2..count of the list at `page_url`, in the shape its URL suggests."""
    parts = urlsplit(page_url)
    path = parts.path or "/"
    query = dict(parse_qsl(parts.query))
    page_param = next((k for k in query if k.lower() in _PAGE_PARAMS), None)
    if page_param:
        return [
            urlunsplit(parts._replace(query=urlencode({**query, page_param: str(n)})))
            for n in range(2, count + 1)
        ]
    m = re.search(r"(index|list|default)(?:_\d+)?\.(s?html?)$", path)
    if m or path.endswith("/"):
        stem, ext = (m.group(1), m.group(2)) if m else ("index", "html")
        base = path[: m.start()] if m else path
        # TRS numbering: page 1 is index.html, page 2 is index_1.html.
        return [urljoin(page_url, f"{base}{stem}_{n - 1}.{ext}") for n in range(2, count + 1)]
    m = re.search(r"(.*-index-)\d+(\.shtml)$", path)
    if m:
        return [urljoin(page_url, f"{m.group(1)}{n}{m.group(2)}") for n in range(2, count + 1)]
    return []
