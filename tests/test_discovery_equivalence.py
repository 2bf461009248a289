"""The spider's discovery shortcuts against the way they were computed before: a link's URL
(rooted hrefs answered from a cache keyed on the page's scheme and host instead of urljoin per
link) and the visible-text length (counted with str.split instead of building the cleaned
text). Same answers on hand-picked edge cases and on random hrefs, bases and texts."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.discovery import links
from crawler.discovery import text as t
from crawler.discovery.links import _SKIP_EXT, link_url, normalize_url

# ----- the reference: before ---------------------------------------------------------------


def reference_link_url(href: str | None, base: str) -> str | None:
    """extract_links' former `add`: normalize, then drop images, scripts and the like."""
    url = normalize_url(href or "", base)
    if url is None or _SKIP_EXT.search(urlsplit(url).path):
        return None
    return url


def reference_visible_length(texts: list[str]) -> int:
    return len(t.clean(" ".join(texts)))


# ----- link URLs ----------------------------------------------------------------------------

BASES = [
    "http://www.example.gov.cn/",
    "http://www.example.gov.cn/xxgk/gknb/index.html",
    "http://www.example.gov.cn/xxgk/gknb/index.html?page=2#top",
    "https://www.example.gov.cn/a/b/c",
    "http://www.example.gov.cn:8080/a/",
    "http://user@www.example.gov.cn/a;p?q",
    "http://other.gov.cn/",
    "HTTP://WWW.Example.gov.cn/x",
    "ftp://files.example.gov.cn/",
]
HREFS = [
    None,
    "",
    "/",
    "/xxgk/gknb/",
    "/xxgk/../gknb/./2023.html",
    "/a/b?x=1&y=2#frag",
    "/a;params?q",
    "/report.pdf",
    "/logo.PNG",
    "/app.js",
    "/path with space/",
    "/ trailing ",
    "//cdn.example.com/x.html",
    "//",
    "//?page=2",
    "/\\",
    "/\t/cdn.example.com/x",
    "/\t\\",
    "/a\n/b",
    "/\\cdn.example.com/x.html",
    "/a\\b.html",
    "/#only-fragment",
    "/?",
    "/%E5%B9%B4%E6%8A%A5.html",
    "/年报/2023.html",
    " /leading-blank",
    "relative/page.html",
    "?page=3",
    "#top",
    "javascript:void(0)",
    "http://www.example.gov.cn/abs.html",
]


def test_link_url_is_the_former_normalize_and_skip_on_edge_cases() -> None:
    links._ROOTED.clear()
    for _ in range(2):  # the second round answers rooted hrefs from the cache
        for base in BASES:
            for href in HREFS:
                assert link_url(href, base) == reference_link_url(href, base), (href, base)


_href_chars = st.sampled_from([*"/ab.?#;&=%\\: 年报x1\t\r\n\x00@[]", "..", "//", ".pdf", ".jpg"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_href_chars, max_size=12).map("".join),
    st.sampled_from(BASES),
    st.sampled_from(BASES),
)
def test_link_url_is_the_former_on_random_hrefs(tail: str, base: str, other: str) -> None:
    href = "/" + tail  # rooted: the cached path; two bases sharing a cache entry or not
    for h, b in ((href, base), (href, other), (tail, base)):
        assert outcome(link_url, h, b) == outcome(reference_link_url, h, b), (h, b)


def outcome(func: Callable[[str, str], str | None], href: str, base: str) -> object:
    """The URL, or the error urllib raises for a malformed host ("//[]")."""
    try:
        return func(href, base)
    except ValueError as exc:
        return ("ValueError", str(exc))


def test_the_cache_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(links, "_ROOTED_MAX", 8)
    links._ROOTED.clear()
    for n in range(50):
        href = f"/page/{n}.html"
        assert link_url(href, BASES[0]) == reference_link_url(href, BASES[0])
        assert len(links._ROOTED) <= 8


# ----- visible-text length ------------------------------------------------------------------


def test_str_split_drops_exactly_what_backslash_s_matches() -> None:
    space = re.compile(r"\s")
    differ = [
        cp for cp in range(sys.maxunicode + 1) if bool(space.match(chr(cp))) != chr(cp).isspace()
    ]
    assert differ == []


_text_chars = st.sampled_from(
    [*"年报 \t\n\r\x0b\x0c\u00a0\u3000\u2028\u200bab\x1c\x1d\x1e\x1f\x85", "公开"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(_text_chars, max_size=10).map("".join), max_size=8))
def test_clean_length_is_the_former_length(texts: list[str]) -> None:
    assert t.clean_length(texts) == reference_visible_length(texts)
