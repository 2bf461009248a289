"""A reference explorer: breadth-first walk of one simulated site through `SimWeb.respond`.

It knows only what a crawler would: links, meta-refresh and script redirects, TRS
`createPageHTML`, Hanweb `dataproxy.jsp` paging and 301s. Tests use it to check that what is
reachable matches the answer key, and the benchmark uses it to pick realistic URLs.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

from sim.web import SimWeb

HREF = re.compile(r"""<a\s[^>]*?href=["']([^"'#]+)["']""", re.IGNORECASE)
META_REFRESH = re.compile(r"""http-equiv=["']refresh["'][^>]*?url=([^"'>]+)""", re.IGNORECASE)
JS_REDIRECT = re.compile(
    r"""location(?:\.href\s*=\s*|\.replace\(\s*)["']([^"']+)["']""", re.IGNORECASE
)
TRS_PAGER = re.compile(
    r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["'](\w+)["']\s*,\s*["'](\w+)["']"""
)
JPAGE = re.compile(r"proxyUrl:'([^']+)',perPage:(\d+),totalRecord:(\d+),ajaxParam:\{([^}]*)\}")
CHARSET = re.compile(rb"""charset=["']?([\w-]+)""", re.IGNORECASE)


def decode(body: bytes, content_type: str = "") -> str:
    """Decode a page: the declared charset, else UTF-8, else GB18030."""
    match = CHARSET.search(content_type.encode()) or CHARSET.search(body[:1024])
    names = [match.group(1).decode()] if match else []
    for name in [*names, "utf-8", "gb18030"]:
        name = "gb18030" if name.lower() in ("gbk", "gb2312") else name
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


@dataclass
class Visit:
    status: int
    content_type: str
    body: bytes
    depth: int


@dataclass
class Exploration:
    visits: dict[str, Visit] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)

    def ok(self) -> set[str]:
        return {u for u, v in self.visits.items() if v.status == 200}


def explore(web: SimWeb, host: str, max_depth: int = 20, max_pages: int = 3000) -> Exploration:
    """Visit every URL on `host` (and hosts that redirect to it) reachable from its home page."""
    allowed = {host, host.removeprefix("www.")}
    out = Exploration()
    queue: deque[tuple[str, int]] = deque([(f"http://{host}/", 0)])
    seen = {f"http://{host}/"}

    def push(url: str, depth: int) -> None:
        url = url.split("#")[0]
        if urlsplit(url).hostname in allowed and url not in seen and depth <= max_depth:
            seen.add(url)
            queue.append((url, depth))

    while queue and len(out.visits) < max_pages:
        url, depth = queue.popleft()
        status, headers, body = web.respond("GET", url, {})
        hdrs = dict(headers)
        out.visits[url] = Visit(status, hdrs.get("Content-Type", ""), body, depth)
        if status in (301, 302) and "Location" in hdrs:
            out.redirects[url] = urljoin(url, hdrs["Location"])
            push(out.redirects[url], depth)
            continue
        ctype = hdrs.get("Content-Type", "")
        if status != 200 or not ("html" in ctype or "xml" in ctype):
            continue
        text = decode(body, ctype)
        targets = HREF.findall(text) + META_REFRESH.findall(text) + JS_REDIRECT.findall(text)
        for m in TRS_PAGER.finditer(text):
            pages, stem, ext = int(m.group(1)), m.group(3), m.group(4)
            targets += [f"{stem}.{ext}"] + [f"{stem}_{i}.{ext}" for i in range(1, pages)]
        for m in JPAGE.finditer(text):
            proxy, per, total = m.group(1), int(m.group(2)), int(m.group(3))
            params = {
                k.strip(): v.strip().strip("'")
                for k, _, v in (p.partition(":") for p in m.group(4).split(","))
            }
            for start in range(1, total + 1, per * 3):
                query = {"startrecord": start, "endrecord": start + per * 3 - 1, "perpage": per}
                targets.append(f"{proxy}?{urlencode({**query, **params})}")
        for target in targets:
            push(urljoin(url, target.strip()), depth + 1)
    return out
