"""Generic CMS family: any page; pages announced by a script's page count (`countPage = 5`).

Pager links in the page itself are routed by the spider (`pagination.is_pager_link`); this
family adds the pages a script declares but does not link.
"""

from __future__ import annotations

from crawler.discovery import pagination
from crawler.discovery.families import no_answer, no_follow_ups, no_links

NAME = "generic"


def detect(html: str) -> bool:
    return True


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    count = pagination.js_page_count(html)
    if not count or count <= 1:
        return []
    return pagination.numbered_pages(page_url, min(count, max_pages))


embedded_links, follow_ups, on_follow_up = no_links, no_follow_ups, no_answer
