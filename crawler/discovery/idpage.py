"""ID-named article platforms: lists whose later pages only a script announces.

- Jiangxi/Jiangsu: articles `…/YYYYMM/<32 hex>.shtml`; a column `xxgk_list.shtml` announces its
  pages with `createPageHTML('page_div', pages, current, 'xxgk_list', 'shtml', total)`: page
  1 is `xxgk_list.shtml`, page N is `xxgk_list_N.shtml`.
- Shaanxi: articles `/…/<19 digits>.html`; lists `1.html, 2.html, …` whose count is only in
  `maxPage = parseInt('N')`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.discovery.families import no_answer, no_follow_ups, no_links

NAME = "idpage"
_CREATE_PAGE = re.compile(
    r"""createPageHTML\(\s*['"][\w-]+['"]\s*,\s*['"]?(\d+)['"]?\s*,\s*['"]?\d+['"]?\s*,"""
    r"""\s*['"]([\w.-]+)['"]\s*,\s*['"](\w+)['"]"""
)
_MAX_PAGE = re.compile(r"""\bmaxPage\s*=\s*parseInt\(\s*['"]?(\d+)['"]?\s*\)""")
_NUMBERED = re.compile(r"^(.*/)\d{1,4}\.html$")


def detect(html: str) -> bool:
    return ("createPageHTML" in html and bool(_CREATE_PAGE.search(html))) or (
        "maxPage" in html and bool(_MAX_PAGE.search(html))
    )


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    urls: list[str] = []
    for m in _CREATE_PAGE.finditer(html):
        count, stem, ext = min(int(m.group(1)), max_pages), m.group(2), m.group(3)
        urls.append(urljoin(page_url, f"{stem}.{ext}"))
        urls += [urljoin(page_url, f"{stem}_{n}.{ext}") for n in range(2, count + 1)]
    m = _MAX_PAGE.search(html)
    numbered = _NUMBERED.match(urlsplit(page_url).path)
    if m and numbered:
        count = min(int(m.group(1)), max_pages)
        urls += [urljoin(page_url, f"{numbered.group(1)}{n}.html") for n in range(1, count + 1)]
    return urls


# Nothing hidden in scripts, no follow-up requests: the family only pages lists.
embedded_links, follow_ups, on_follow_up = no_links, no_follow_ups, no_answer
