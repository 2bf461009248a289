"""Every link of a page with its text, and a score for following it (domain.md §2.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from crawler.discovery import text as t

ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|wps|ofd)(?:$|[?#&;])", re.IGNORECASE)
_SKIP_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|svg|ico|css|js|mp4|mp3|avi|flv|swf|zip|rar|7z|exe|apk|xlsx?|xml|txt)$",
    re.IGNORECASE,
)
_ONCLICK_URL = re.compile(
    r"""(?:window\.open|location(?:\.href)?\s*=|location\.replace)\s*\(?\s*['"]([^'"]+)['"]"""
)
# URL tokens of disclosure columns and annual-report sub-columns (domain.md §2.1).
_REPORT_PATH = re.compile(
    r"/(?:zfxxgknb|xxgknb|gknb|ndbg|bmnb|nb|zfxxgkndbg|szfxxgkndbg|jdbsc|xxgkAnnualReport)[/._]",
    re.IGNORECASE,
)
_DISCLOSURE_PATH = re.compile(
    r"/(?:zfxxgk|xxgk|zwgk|gkml|xxgk2020|zfxxgk_1|zwgk_\w+|openness|OpennessContent)(?:/|$|\.|_)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    tag: str  # a | frame | js | option

    @property
    def is_attachment(self) -> bool:
        return bool(ATTACHMENT_EXT.search(unquote(self.url))) or bool(
            ATTACHMENT_EXT.search(self.text + "&")
        )

    def nav_score(self) -> int:
        """How promising a link is for reaching annual reports: 0 = do not follow."""
        if t.is_noise(self.text):
            return 0
        score = 0
        if t.is_report_column(self.text):
            score += 8
        elif t.is_disclosure_column(self.text):
            score += 4
        path = urlsplit(self.url).path + "/"
        if _REPORT_PATH.search(path):
            score += 6
        elif _DISCLOSURE_PATH.search(path):
            score += 2
        if self.tag == "frame":
            score += 1
        return score


def normalize_url(href: str, base: str) -> str | None:
    """Absolute http(s) URL without fragment; None for mailto:, javascript:, data: …"""
    href = (href or "").strip().replace("\\", "/")
    if not href or href.startswith("#"):
        return None
    low = href.lower()
    if low.startswith(("javascript:", "mailto:", "tel:", "data:", "about:", "ftp:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(parts._replace(fragment=""))


# link_url's answers for rooted hrefs ("/xxgk/…"): their absolute URL depends on the page's
# scheme and host only, and a site's menus repeat the same few dozen on every page (~95% of
# the hrefs of the simulated sites). urljoin + urlsplit + urlunsplit of each was a tenth of
# the spider's discovery in the profile. Bounded: emptied when full (the 2,842-site crawl).
_ROOTED: dict[tuple[str, str, str], str | None] = {}
_ROOTED_MAX = 32_768  # ~370 bytes an entry: ≤ ~12 MB; 200 sites at 20 pages each fill ~9,900
_ROOTED_HREF = re.compile(r"/(?![/\\])[^\t\r\n]*\Z")


def link_url(href: str | None, base: str) -> str | None:
    """`normalize_url`, and None for files that are never reports (images, scripts …)."""
    href = href or ""
    if _ROOTED_HREF.match(href):
        # urljoin reads only the base's scheme and host for a path from the root. Not for
        # "//host…" (nor "/\\…", which normalize_url turns into "//", nor "/\t/…", which
        # urlsplit turns into "//"): "//" alone, without a host, takes the base's path too.
        parts = urlsplit(base)
        key = (href, parts.scheme, parts.netloc)
        try:
            return _ROOTED[key]
        except KeyError:
            pass
        url = _link_url(href, base)
        if len(_ROOTED) >= _ROOTED_MAX:
            _ROOTED.clear()
        _ROOTED[key] = url
        return url
    return _link_url(href, base)


def _link_url(href: str, base: str) -> str | None:
    url = normalize_url(href, base)
    if url is None or _SKIP_EXT.search(urlsplit(url).path):
        return None
    return url


def extract_links(sel: Selector, base: str) -> list[Link]:
    """Links from anchors, areas, frames, option values and onclick handlers, de-duplicated.

    Walks the lxml tree under the Selector directly: a parsel Selector per anchor costs more
    than the rest of the spider's work on a list page."""
    found: dict[str, Link] = {}

    def add(href: str | None, text: str, tag: str) -> None:
        url = link_url(href, base)
        if url is None:
            return
        old = found.get(url)
        if old is None or (not old.text and text):
            found[url] = Link(url, text, tag)

    root = sel.root
    if not hasattr(root, "iter"):  # a text or attribute selector: no elements
        return []
    for el in root.iter("a", "area"):
        href = el.get("href")
        if href is None:
            continue
        text = t.clean("".join(el.itertext())) or t.clean(el.get("title"))
        title = t.clean(el.get("title"))
        if len(title) > len(text):  # lists truncate long titles ("某县2020年…"); title= is whole
            text = title
        add(href, text, "a")
    for el in root.xpath("//*[@onclick]"):
        if m := _ONCLICK_URL.search(el.get("onclick", "")):
            add(m.group(1), t.clean("".join(el.itertext())), "js")
    for el in root.iter("iframe", "frame"):
        if el.get("src") is not None:
            add(el.get("src"), "", "frame")
    for el in root.iter("option"):
        value = el.get("value", "")
        if "/" in value or value.startswith("http"):
            add(value, t.clean("".join(el.itertext())), "option")
    return list(found.values())


# Compiled once; plain strings (lxml's "smart" strings keep a proxy of their parent element).
_TITLE_XPATHS = tuple(
    etree.XPath(xp, smart_strings=False)
    for xp in (
        "//meta[translate(@name,'ARTICLETIL','articletil')='articletitle']/@content",
        "//title/text()",
        "//h1//text()",
    )
)
VISIBLE_TEXT = etree.XPath("//body//text()[not(ancestor::script)]", smart_strings=False)


def page_title(sel: Selector) -> str:
    """The article title a CMS declares (ArticleTitle meta), else <title>, else the first h1."""
    root = sel.root
    if not hasattr(root, "iter"):  # a text or attribute selector: no elements
        return ""
    for xpath in _TITLE_XPATHS:
        value = t.clean(" ".join(xpath(root)))
        if value:
            return value
    return ""
