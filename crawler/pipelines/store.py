"""Stage 3: capture, document and report version, queued into the crawl's write batch.

Everything the rows need was decided upstream (crawler.items: `ingested`, `duplicate_of`,
`near_dup_head`, `previous_id`), so nothing is looked up again here; texts stored earlier in
this run are found in the context's `doc_ids`. The batch (crawler.batch) commits many items
in one transaction, each item's rows in the order they were queued; an item is counted
once its rows are committed.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crawler.batch import on_rollback
from crawler.context import CrawlContext
from crawler.items import DocumentItem
from parsers import PARSER_VERSION
from storage.repository import (
    CaptureData,
    DocumentData,
    add_capture,
    add_document,
    add_report_version,
    capture_outcome,
    find_document,
    offer_terms,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: DocumentItem) -> DocumentItem:
        item.body = b""  # the bytes are in the WARC file; keep memory flat on long runs
        if item.outcome == "unchanged":
            self.ctx.states.settle(item.final_url, None)
            self._count(item)
            return item
        if item.unfinished and self.ctx.states.gives_up(item.final_url):
            item.unfinished = False  # stored as failed, the URL back on its schedule
            runs = self.ctx.states.max_unfinished_runs
            item.error = f"{item.error} (did not finish in {runs} runs in a row: given up)"
            self.stats.inc_value("pipeline/store/given-up")
        self.ctx.batch.add(
            lambda session: self._write(session, item),
            on_failure=lambda: self._failed(item),
            after=lambda: self._stored(item),
        )
        return item

    def _write(self, session: Session, item: DocumentItem) -> None:
        ingested = item.ingested
        doc_id = item.duplicate_of
        if doc_id is None and ingested is not None:
            doc_id = self.ctx.doc_ids.get(ingested.text_sha256)
        new = ingested is not None and doc_id is None
        if ingested is not None and doc_id is None:
            head = item.near_dup_head
            data = DocumentData(**ingested.document_fields())
            add = partial(
                add_document,
                session,
                data,
                site_id=self.ctx.site_ids.get(item.site_code),
                first_seen_at=item.fetched_at,
                near_dup_of=self.ctx.doc_ids.get(head) if head else None,
                previous_id=item.previous_id,
            )
            if session.get_bind().dialect.name != "postgresql":
                doc_id = add()
            else:
                # A distributed crawl: another worker may have stored this text since the
                # dedupe stage looked. The unique text hash refuses the second insert; the
                # savepoint keeps the rest of the batch, and this item becomes a duplicate.
                try:
                    with session.begin_nested():
                        doc_id = add()
                except IntegrityError:
                    stored = find_document(session, data.text_sha256)
                    if stored is None:
                        raise
                    doc_id, new, item.needs_version = stored.id, False, False
            self.ctx.doc_ids[ingested.text_sha256] = doc_id
            on_rollback(session, partial(self.ctx.doc_ids.pop, ingested.text_sha256, None))
            if item.prepared is not None:
                offer_terms(session, doc_id, *item.prepared.fulltext)
        record = ingested.record if ingested is not None else None
        item.outcome = capture_outcome(
            has_text=doc_id is not None,
            new=new,
            near=bool(item.near_dup_head),
            record=record,
            unfinished=item.unfinished,
        )
        capture_id = add_capture(
            session,
            self._capture(item),
            run_id=self.ctx.run_id,
            site_id=self.ctx.site_ids.get(item.site_code),
            document_id=doc_id,
            outcome=item.outcome,
            error=item.error,
        )
        if doc_id is not None and record is not None and (new or item.needs_version):
            # The read side is refreshed once per batch (crawler.batch), not once per report.
            rows = item.prepared.rows if item.prepared is not None else None
            add_report_version(
                session, doc_id, capture_id, record, PARSER_VERSION, refresh=False, rows=rows
            )
        if item.unfinished:
            self.ctx.states.retry(item.final_url, session)
        else:
            self.ctx.states.settle(item.final_url, doc_id, session)

    def _stored(self, item: DocumentItem) -> None:
        """The item's rows are committed: count it, and let its text, record and rows go (not
        before: a batch that fails is written again item by item, from the item)."""
        item.ingested = item.prepared = None
        self._count(item)

    def _capture(self, item: DocumentItem) -> CaptureData:
        return CaptureData(
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

    def _failed(self, item: DocumentItem) -> None:
        logger.error("could not store %s", item.final_url)
        item.outcome = "store-failed"
        self._count(item)

    def _count(self, item: DocumentItem) -> None:
        self.stats.inc_value(f"pipeline/store/{item.outcome}")
        if item.outcome == "unchanged":
            self.ctx.count(item.site_code, "unchanged")
