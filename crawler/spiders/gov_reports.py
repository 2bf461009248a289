"""`scrapy crawl gov_reports`: find the annual reports on county government websites.

Seeded from the shipped registry (or `-a sites=FILE.csv`, `-a codes=…`, `-a max_sites=N`).
From each home page it walks disclosure columns to the annual-report column, pages through its
lists (every style in crawler.discovery), and yields each report page and attachment as a
DocumentItem. It stays on the county's hosts, refuses traps and keeps a per-site budget.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.context import CrawlContext, count
from crawler.discovery import challenge, pagination, redirects
from crawler.discovery import text as t
from crawler.discovery.families import FollowUp, by_name, registered
from crawler.discovery.links import (
    ATTACHMENT_EXT,
    VISIBLE_TEXT,
    Link,
    extract_links,
    page_title,
)
from crawler.discovery.scope import TrapDetector, in_scope
from crawler.items import DocumentItem
from crawler.recrawl import SCHEDULED_ROLES, FetchStates
from crawler.sites import SeedSite, SitesError, load_sites
from parsers.extract import BINARY_FORMATS, sniff_format

logger = logging.getLogger(__name__)

# A page with a report attachment and less visible text than this is the attachment's wrapper.
WRAPPER_MAX_TEXT = 1000
# Navigation (home page, columns, list pages, a family's follow-ups) may take this share of a
# site's page budget; the rest is kept for the report pages and attachments it finds. The
# budget is spent when a request is scheduled, so a link-rich list parsed first (a link farm,
# a calendar) would otherwise leave nothing for a report found a moment later.
NAVIGATION_SHARE = 0.8
_HTML_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "text/plain")


class GovReportsSpider(scrapy.Spider):
    name = "gov_reports"

    def __init__(
        self,
        sites: str | None = None,
        codes: str | None = None,
        max_sites: str | int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        code_list = [c.strip() for c in (codes or "").split(",") if c.strip()] or None
        try:
            limit = int(max_sites) if max_sites not in (None, "") else None
        except ValueError as exc:
            raise SitesError(f"max_sites must be a whole number, got {max_sites!r}") from exc
        self.seeds: list[SeedSite] = load_sites(sites, codes=code_list, max_sites=limit)
        self.by_code = {s.code: s for s in self.seeds}
        self._cms_noted: set[str] = set()
        self._states: FetchStates | None = None
        self._scheduled: dict[str, set[str]] = defaultdict(set)
        self._traps: dict[str, TrapDetector] = defaultdict(TrapDetector)
        self._list_pages: Counter[str] = Counter()

    # -- settings and services, once the crawler is attached ---------------------------------
    @property
    def max_hops(self) -> int:
        return self.settings.getint("GOV_REPORTS_MAX_HOPS")

    @property
    def page_budget(self) -> int:
        return self.settings.getint("GOV_REPORTS_SITE_PAGE_BUDGET")

    @property
    def navigation_budget(self) -> int:
        return max(1, int(self.page_budget * NAVIGATION_SHARE))

    @property
    def max_list_pages(self) -> int:
        return self.settings.getint("GOV_REPORTS_MAX_LIST_PAGES")

    @property
    def states(self) -> FetchStates | None:
        """The run's fetch states (None when the spider runs without the crawl context, as
        in unit tests: then nothing is known and everything is due)."""
        if self._states is None:
            ctx = CrawlContext.find(self.crawler)
            self._states = ctx.states if ctx is not None else None
        return self._states

    def count(self, code: str, name: str, n: int = 1) -> None:
        count(self.crawler.stats, code, name, n)

    async def start(self) -> AsyncIterator[Request]:
        for site in self.seeds:
            self._scheduled[site.code].add(site.url)
            yield Request(
                site.url,
                callback=self.parse,
                errback=self.on_error,
                meta={"site": site.code, "role": "nav", "hops": 0},
            )
        # Known report pages and attachments that are due, linked or not: a report that left
        # its list is still revisited (and marked gone when it answers 404/410).
        states = self.states
        for site in self.seeds:
            for state in states.due_known(site.code) if states is not None else ():
                url = state["url"]
                if url in self._scheduled[site.code]:
                    continue
                self._scheduled[site.code].add(url)
                self.count(site.code, "known_revisited")
                yield Request(
                    url,
                    callback=self.parse,
                    errback=self.on_error,
                    priority=20,
                    meta={
                        "site": site.code,
                        "role": state["role"],
                        "hops": self.max_hops,
                        "attachment_of": state.get("attachment_of"),
                    },
                )

    # -- requests ------------------------------------------------------------------------------
    def follow(
        self,
        response: Response,
        url: str,
        role: str,
        hops: int,
        *,
        link_text: str = "",
        attachment_of: str | None = None,
        priority: int = 0,
    ) -> Request | None:
        """A request for `url` if it is in scope, not a trap, new and within the site budget."""
        code = response.meta["site"]
        site = self.by_code[code]
        if not in_scope(url, site.host):
            self.count(code, "offsite_refused")
            return None
        if url in self._scheduled[code] or url == response.url:
            return None
        # A family's follow-ups are bounded by construction (units × years, API pages), so
        # they do not count towards the query-variant trap.
        if role != "follow-up" and (trap := self._traps[code].is_trap(url)):
            self.count(code, f"trap_{trap}")
            return None
        states = self.states
        if role in SCHEDULED_ROLES and states is not None and not states.is_due(url):
            self._scheduled[code].add(url)
            self.count(code, "not_due")  # stored and revalidated recently: see crawler.schedule
            return None
        budget = self.page_budget if role in SCHEDULED_ROLES else self.navigation_budget
        if len(self._scheduled[code]) >= budget:
            self.count(code, "budget_exhausted")
            return None
        self._scheduled[code].add(url)
        # Reports and attachments jump the queue: they are what the run is for.
        boost = {"report": 20, "attachment": 20, "list": 10}.get(role, 0)
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            priority=priority + boost,
            meta={
                "site": code,
                "role": role,
                "hops": hops,
                "link_text": link_text,
                "attachment_of": attachment_of,
                "referer": response.url,
            },
            headers={"Referer": response.url},
        )

    # -- callbacks -----------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterable[Request | DocumentItem]:
        code = response.meta["site"]
        role = response.meta.get("role", "nav")
        self.count(code, "pages")
        if role == "follow-up":
            yield from self._parse_follow_up(response)
            return
        if not self._is_html(response):
            if role in ("attachment", "report") or ATTACHMENT_EXT.search(response.url):
                yield self._item(response, "attachment")
            return
        yield from self._parse_html(response, role)

    def _is_html(self, response: Response) -> bool:
        if not isinstance(response, TextResponse):
            return False
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if ctype and not ctype.startswith(_HTML_TYPES):
            return False
        return sniff_format(response.body[:1024]) not in BINARY_FORMATS

    def _parse_html(self, response: TextResponse, role: str) -> Iterable[Request | DocumentItem]:
        code = response.meta["site"]
        hops = int(response.meta.get("hops", 0))
        if challenge.wall(response.status, response.body):
            self._note_wall(response.request, code)
            return  # a JS-challenge wall: not solved, nothing behind it is followed
        html = response.text
        # A Selector of its own, not `response.selector`: Scrapy caches that one on the
        # response and it refers back, a cycle that kept every page's body and lxml tree alive
        # until the cyclic garbage collector came round (3,300 pages of a 200-site crawl).
        sel = Selector(response)
        # lxml directly: parsel would wrap each of hundreds of text nodes in a Selector.
        visible = t.clean_length(VISIBLE_TEXT(sel.root))
        if target := redirects.redirect_target(html, visible):
            self.count(code, "shells_followed")
            if req := self.follow(
                response,
                response.urljoin(target),
                role,
                hops,
                link_text=response.meta.get("link_text") or "",
            ):
                yield req
            return
        families = [family for family in registered() if family.detect(html)]
        self._note_cms(code, families)
        title = page_title(sel)
        candidate = role == "report" or (t.is_report_title(title) and role != "list")
        links = extract_links(sel, response.url)
        if candidate and not self._is_attachment_wrapper(links, visible):
            yield self._item(response, "page")
        for family in families:
            links += family.embedded_links(html, response.url)
        for link in links:
            req = self._route(response, link, role, hops, candidate)
            if req is not None:
                yield req
        if not candidate:
            yield from self._family_requests(response, html, families, role, hops)

    @staticmethod
    def _is_attachment_wrapper(links: list[Link], visible: int) -> bool:
        """A short page whose report is the attached file ("详见附件"): archive, don't parse."""
        return visible < WRAPPER_MAX_TEXT and any(link.is_attachment for link in links)

    def _route(
        self, response: Response, link: Link, role: str, hops: int, candidate: bool
    ) -> Request | None:
        """Decide what a link is: attachment, report, another list page, a column, or nothing."""
        if not in_scope(link.url, self.by_code[response.meta["site"]].host):
            # Off-site: the national portal, and the hijacked mirrors sites link as "友情链接".
            self.count(response.meta["site"], "offsite_refused")
            return None
        if link.is_attachment:
            name = urlsplit(link.url).path.rsplit("/", 1)[-1]
            if candidate or t.is_report_title(link.text) or t.is_report_title(name):
                return self.follow(
                    response,
                    link.url,
                    "attachment",
                    hops + 1,
                    link_text=link.text,
                    attachment_of=response.url,
                )
            return None
        if t.is_report_title(link.text):
            return self.follow(response, link.url, "report", hops + 1, link_text=link.text)
        if candidate:
            return None  # a report's own menus lead nowhere new
        if t.is_notice(link.text) and len(link.text) > 10:
            return None  # an article about reports (关于…的通知): neither report nor column
        if role in ("list", "nav") and pagination.is_pager_link(link.text, link.url, response.url):
            return self._follow_list_page(response, link.url, role, hops)
        if hops >= self.max_hops:
            return None
        score = link.nav_score()
        if score <= 0:
            return None
        new_role = "list" if score >= 6 else "nav"
        return self.follow(
            response, link.url, new_role, hops + 1, link_text=link.text, priority=score
        )

    def _follow_list_page(
        self, response: Response, url: str, role: str, hops: int
    ) -> Request | None:
        key = response.meta["site"] + pagination.list_key(url)
        if self._list_pages[key] >= self.max_list_pages:
            self.count(response.meta["site"], "list_pages_capped")
            return None
        req = self.follow(response, url, role, hops)
        if req is not None:
            self._list_pages[key] += 1
        return req

    def _family_requests(
        self, response: TextResponse, html: str, families: list[Any], role: str, hops: int
    ) -> Iterable[Request]:
        """The list pages and follow-up requests of every CMS family that made this page."""
        for family in families:
            for url in family.list_pages(html, response.url, self.max_list_pages):
                if req := self._follow_list_page(response, url, role, hops):
                    yield req
        for family in families:
            yield from self._follow_ups(
                response, family.NAME, family.follow_ups(html, response.url), hops
            )

    def _follow_ups(
        self, response: Response, family: str, follow_ups: list[FollowUp], hops: int
    ) -> Iterable[Request]:
        for follow_up in follow_ups:
            req = self.follow(response, follow_up.url, "follow-up", hops)
            if req is not None:
                req.meta["family"] = family
                req.meta["family_state"] = follow_up.state
                yield req

    def _parse_follow_up(self, response: Response) -> Iterable[Request | DocumentItem]:
        """A response a family asked for (a data proxy's XML): its links and further requests.

        A follow-up whose state says `parse_as` is a page the family enumerated (Hanweb's
        annual-report module): it is read like any page of that role, so a report is stored
        and an empty year is not."""
        if parse_as := (response.meta.get("family_state") or {}).get("parse_as"):
            if self._is_html(response):
                yield from self._parse_html(response, parse_as)
            return
        body = (
            response.text
            if isinstance(response, TextResponse)
            else response.body.decode("utf-8", "replace")
        )
        hops = int(response.meta.get("hops", 0))
        family = by_name(response.meta["family"])
        links, more = family.on_follow_up(
            body, response.url, response.meta.get("family_state") or {}
        )
        for link in links:
            if req := self._route(response, link, "list", hops, candidate=False):
                yield req
        yield from self._follow_ups(response, family.NAME, more, hops)

    # -- items and bookkeeping -------------------------------------------------------------------
    def _item(self, response: Response, kind: str) -> DocumentItem:
        meta = response.meta
        warc = meta.get("warc") or {}
        redirect_urls = meta.get("redirect_urls") or []
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        self.count(meta["site"], "candidates")
        return DocumentItem(
            url=redirect_urls[0] if redirect_urls else response.url,
            final_url=response.url,
            http_status=response.status,
            headers=headers,
            content_type=headers.get("Content-Type"),
            body=response.body,
            site_code=meta["site"],
            kind=kind,
            warc_file=warc.get("file", ""),
            warc_offset=int(warc.get("offset", -1)),
            warc_record_id=warc.get("record_id", ""),
            payload_sha256=warc.get("payload_sha256", ""),
            fetched_at=warc.get("fetched_at"),
            robots=warc.get("robots"),
            attachment_of=meta.get("attachment_of") if kind == "attachment" else None,
            referer=meta.get("referer"),
            link_text=meta.get("link_text") or None,
            revisit=meta.get("revisit"),
        )

    def _note_cms(self, code: str, families: list[Any]) -> None:
        """The site's CMS: the first specific family recognized (`generic` is the report's
        fallback for sites with more than one page)."""
        if code in self._cms_noted:
            return
        for family in families:
            if family.NAME != "generic":
                self._cms_noted.add(code)
                self.crawler.stats.set_value(f"cms/{code}", family.NAME)
                return

    def _note_wall(self, request: Request, code: str) -> None:
        """Count an anti-bot wall; on the home page it makes the site `challenge-blocked`."""
        self.count(code, "challenged")
        if request.url == self.by_code[code].url:
            self.count(code, "home_challenged")

    def on_error(self, failure: Any) -> None:
        request = failure.request
        code = request.meta.get("site")
        if code is None:
            return
        is_home = request.url == self.by_code[code].url
        if failure.check(IgnoreRequest) and "robots" in str(failure.value).lower():
            self.count(code, "robots_blocked")
            if is_home:
                self.count(code, "home_robots_blocked")
            return
        if failure.check(HttpError) and challenge.wall(
            failure.value.response.status, failure.value.response.body
        ):
            self._note_wall(request, code)
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            self.count(code, f"http_{status}")
            if request.meta.get("gone"):  # seen before, 404/410 now: marked gone, not a failure
                self.count(code, "gone")
                return
            # A 404 on a guessed list page is how a pager ends, not a failure.
            if status != 404 or request.meta.get("role") in ("report", "attachment"):
                self.count(code, "failed")
        else:
            self.count(code, "failed")
            self.count(code, f"error_{type(failure.value).__name__}")
        if is_home:
            self.count(code, "home_failed")
        logger.debug("fetch failed %s: %s", request.url, failure.value)
