"""CMS families: the protocol each one implements, and the registry the spider loops over.

A family is one module of `crawler.discovery` (e.g. `trs`, `hanweb`, `vsb`, `generic`) with
these module-level names; the module itself satisfies `CmsFamily`:

    NAME: str                                          # "trs"; stored as `sites.cms`
    detect(html) -> bool                               # this page was made by the family's CMS
    list_pages(html, page_url, max_pages) -> [url]     # the other pages of the list on this page
    embedded_links(html, base) -> [Link]               # links hidden in scripts / XML data islands
    follow_ups(html, page_url) -> [FollowUp]           # extra requests the page implies (e.g. a
                                                       # data proxy), each with its own state
    on_follow_up(body, url, state) -> ([Link], [FollowUp])  # a follow-up's answer: its links
                                                       # and further follow-ups

The spider calls `detect` on every HTML page and, for each family that recognizes it, adds
`embedded_links` to the page's links; on list and navigation pages it follows `list_pages`
(as list pages, capped per list) and `follow_ups` (role "follow-up", the family's name and the
state travel in `request.meta`), and hands each follow-up response to `on_follow_up` of the
family that asked for it. Every function is pure (text in, URLs out), so a family is tested
without Scrapy.

Adding a family: one new module implementing the protocol, one entry in `registered()` below
(before `generic`, which recognizes every page), simulator support in `sim/` and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from crawler.discovery.links import Link


@dataclass(frozen=True)
class FollowUp:
    """A request a family needs beyond the page's links; `state` comes back in `on_follow_up`."""

    url: str
    state: dict[str, Any] = field(default_factory=dict)


class CmsFamily(Protocol):
    NAME: str

    def detect(self, html: str) -> bool: ...

    def list_pages(self, html: str, page_url: str, max_pages: int) -> list[str]: ...

    def embedded_links(self, html: str, base: str) -> list[Link]: ...

    def follow_ups(self, html: str, page_url: str) -> list[FollowUp]: ...

    def on_follow_up(
        self, body: str, url: str, state: dict[str, Any]
    ) -> tuple[list[Link], list[FollowUp]]: ...


# Defaults for families that have no embedded links or follow-up requests:
# `embedded_links = no_links`, `follow_ups = no_follow_ups`, `on_follow_up = no_answer`.
def no_links(html: str, base: str) -> list[Link]:
    return []


def no_follow_ups(html: str, page_url: str) -> list[FollowUp]:
    return []


def no_answer(body: str, url: str, state: dict[str, Any]) -> tuple[list[Link], list[FollowUp]]:
    return [], []


@cache
def registered() -> tuple[CmsFamily, ...]:
    """Every family, in the order the spider asks them (imported here, not at module load:
    the family modules import `FollowUp` from this one)."""
    from crawler.discovery import (
        generic,
        gkmlpt,
        hanweb,
        hanweb_xxgk,
        idpage,
        openness,
        trs,
        vsb,
    )

    # Order matters only for naming a site's CMS: the first specific family that recognizes
    # a page wins, so the portal platforms (issue 16) come before the CMSs they run on (the
    # Hanweb xxgk module's unit pages are also Hanweb `/col/` pages); `generic` recognizes
    # every page and comes last.
    return (hanweb_xxgk, openness, gkmlpt, idpage, hanweb, trs, vsb, generic)  # type: ignore[return-value]


# Letters that re.IGNORECASE takes for an ASCII letter but str.lower() does not turn into it
# (İ lowers to two characters, "i" and a combining dot).
_IGNORECASE_FOLDS = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"))


@lru_cache(maxsize=1)
def caseless(html: str) -> str:
    """`html` as re.IGNORECASE compares it with ASCII: a lowercase pattern, searched in this
    without the flag, matches where the pattern with the flag matches in `html`.

    Families search their fingerprints in it instead of with IGNORECASE, which disables the
    regex engine's literal scans (several times slower over a whole page); the cache lets
    every family share one lowering of the page being detected.
    """
    for letter, ascii_letter in _IGNORECASE_FOLDS:
        html = html.replace(letter, ascii_letter)
    return html.lower()


def by_name(name: str) -> CmsFamily:
    return next(family for family in registered() if name == family.NAME)
