"""Stage 5: one transaction per item (capture, document, report version); the run report at close.

A crash loses at most the item in flight: every earlier item is committed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.items import DocumentItem
from crawler.pipelines.archive import sessions_for
from crawler.recrawl import states_for
from crawler.report import build_run_report
from crawler.runinfo import crawl_id_for
from crawler.schedule import next_due
from parsers import PARSER_VERSION
from storage.fetchstate import document_at, settle
from storage.repository import (
    CaptureData,
    DocumentData,
    SiteData,
    find_document,
    finish_run,
    run_by_crawl_id,
    start_run,
    store_capture,
    upsert_sites,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.sessions = sessions_for(crawler)
        self.crawl_id = crawl_id_for(crawler)
        self.run_id: int | None = None
        self.site_ids: dict[str, int] = {}
        self.outcomes: dict[str, dict[str, int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        settings = self.crawler.settings
        seeds = getattr(spider, "seeds", [])
        run_settings = {
            "archive_dir": str(Path(settings.get("GOV_REPORTS_ARCHIVE") or "data/warc").resolve()),
            "parser_version": PARSER_VERSION,
            "user_agent": settings.get("USER_AGENT"),
            "robots_obey": settings.getbool("ROBOTSTXT_OBEY"),
            "autothrottle": settings.getbool("AUTOTHROTTLE_ENABLED"),
            "concurrent_requests_per_domain": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            "sites": len(seeds),
        }
        with self.sessions.begin() as session:
            self.site_ids = upsert_sites(
                session,
                (
                    SiteData(
                        code=s.code,
                        host=s.host,
                        url=s.url,
                        name=s.name,
                        prefecture=s.prefecture,
                        province=s.province,
                    )
                    for s in seeds
                ),
            )
            self.run_id = start_run(session, self.crawl_id, run_settings).id

    def process_item(self, item: DocumentItem) -> DocumentItem:
        if item.outcome == "unchanged":
            self._settle(item, None)
            self._count(item)
            return item
        capture = CaptureData(
            url=item.url,
            final_url=item.final_url,
            http_status=item.http_status,
            fetched_at=item.fetched_at,
            warc_file=item.warc_file,
            warc_offset=item.warc_offset,
            warc_record_id=item.warc_record_id,
            payload_sha256=item.payload_sha256,
            content_type=item.content_type,
            headers=item.headers,
            encoding=item.encoding,
            encoding_source=item.encoding_source,
            robots=item.robots,
            attachment_of=item.attachment_of,
            referer=item.referer,
            link_text=item.link_text,
            site_code=item.site_code,
            crawl_id=self.crawl_id,
        )
        document = None
        if item.text_sha256 and item.extracted is not None:
            document = DocumentData(
                text_sha256=item.text_sha256,
                doc_id=item.doc_id or item.text_sha256[:16],
                text=item.extracted.text,
                simhash=item.simhash,
                format=item.extracted.format,
                title=item.extracted.title,
            )
        try:
            with self.sessions.begin() as session:
                near = item.extra.get("near_dup_sha")
                near_id = None
                if near:
                    head = find_document(session, near)
                    near_id = (head.near_dup_of or head.id) if head is not None else None
                previous = document_at(session, item.final_url)
                item.outcome = store_capture(
                    session,
                    capture,
                    run_id=self.run_id,
                    site_id=self.site_ids.get(item.site_code),
                    document=document,
                    record=item.record,
                    parser_version=PARSER_VERSION,
                    near_dup_of=near_id,
                    error=item.error,
                    previous_id=previous,
                )
                doc = find_document(session, item.text_sha256) if item.text_sha256 else None
                self._settle(item, doc.id if doc is not None else None, session)
        except SQLAlchemyError as exc:
            logger.error("could not store %s: %s", item.final_url, exc)
            item.outcome = "store-failed"
        self._count(item)
        item.body = b""  # the bytes are in the WARC file; keep memory flat on long runs
        item.extracted = None
        return item

    def _count(self, item: DocumentItem) -> None:
        self.stats.inc_value(f"pipeline/store/{item.outcome}")
        self.outcomes.setdefault(item.site_code, {}).setdefault(item.outcome, 0)
        self.outcomes[item.site_code][item.outcome] += 1
        spider_stats = getattr(self.crawler.spider, "site_stats", None)
        if item.outcome == "unchanged" and spider_stats is not None:
            spider_stats[item.site_code]["unchanged"] += 1

    def _settle(
        self, item: DocumentItem, document_id: int | None, session: Session | None = None
    ) -> None:
        """The page's content is kept: give its fetch state a due time (crawler.schedule)."""
        states = states_for(self.crawler)
        state = states.get(item.final_url)
        if state is None:
            return
        due = next_due(states.now, state.get("last_changed_at"))
        state["next_due_at"] = due
        if document_id is not None:
            state["document_id"] = document_id
        if session is not None:
            settle(session, item.final_url, document_id=document_id, next_due_at=due)
            return
        try:
            with self.sessions.begin() as own:
                settle(own, item.final_url, document_id=document_id, next_due_at=due)
        except SQLAlchemyError as exc:
            logger.warning("could not settle %s: %s", item.final_url, exc)

    def close_spider(self) -> None:
        if self.run_id is None:
            return
        spider = self.crawler.spider
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        with self.sessions.begin() as session:
            report = build_run_report(session, self.run_id, self.crawl_id, spider, reason)
            run = run_by_crawl_id(session, self.crawl_id)
            if run is not None:
                finish_run(session, run, report, report["sites"], self.site_ids)
        self.crawler.stats.set_value("gov_reports/run_report", report["totals"])
