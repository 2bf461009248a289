"""Generic CMS family: any page; pages announced by a script's page count (`countPage = 5`).

Pager links in the page itself are routed by the spider (`pagination.is_pager_link`); this
family adds the pages a script declares but does not link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.discovery import pagination

if TYPE_CHECKING:
    from crawler.discovery.families import FollowUp
    from crawler.discovery.links import Link

NAME = "generic"


def detect(html: str) -> bool:
    return True


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    count = pagination.js_page_count(html)
    if not count or count <= 1:
        return []
    return pagination.numbered_pages(page_url, min(count, max_pages))


def embedded_links(html: str, base: str) -> list[Link]:
    return []


def follow_ups(html: str, page_url: str) -> list[FollowUp]:
    return []


def on_follow_up(body: str, url: str, state: dict[str, Any]) -> tuple[list[Link], list[FollowUp]]:
    return [], []
