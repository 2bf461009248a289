"""Stage 5: one transaction per item (capture, document, report version); the run report at close.

A crash loses at most the item in flight: every earlier item is committed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from crawler.schedule import next_due
from parsers import PARSER_VERSION
from storage.fetchstate import document_at, settle
from storage.repository import (
    CaptureData,
    DocumentData,
    find_document,
    store_capture,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats
        self.sessions = self.ctx.sessions

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

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
            crawl_id=self.ctx.crawl_id,
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
                    run_id=self.ctx.run_id,
                    site_id=self.ctx.site_ids.get(item.site_code),
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
        if item.outcome == "unchanged":
            self.ctx.count(item.site_code, "unchanged")

    def _settle(
        self, item: DocumentItem, document_id: int | None, session: Session | None = None
    ) -> None:
        """The page's content is kept: give its fetch state a due time (crawler.schedule)."""
        states = self.ctx.states
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
