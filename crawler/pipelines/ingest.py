"""Stage 1: bytes → format, encoding, text, identity and record, by `parsers.ingest.ingest`.

PDF/Office extraction costs CPU (pdfplumber layout analysis), so `ingest` runs in the crawl
context's process pool while the crawl keeps fetching. Bytes already stored from this URL
are "unchanged"; bytes already archived and parsed elsewhere (same payload SHA-256) are a
duplicate of that document, without extracting them again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from crawler.pipelines import workers
from parsers import PARSER_VERSION, ParseError
from parsers.ingest import decide, ingest
from storage.records import source_of
from storage.repository import capture_exists, document_for_payload, has_version

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class IngestPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    async def process_item(self, item: DocumentItem) -> DocumentItem:
        if self._unchanged(item):
            item.outcome = "unchanged"  # later stages skip it; the store stage settles it
            self.stats.inc_value("pipeline/ingest/unchanged")
            return item
        _, item.encoding, item.encoding_source = decide(
            item.body, item.final_url, item.content_type
        )
        if self._reuse(item):
            return item
        try:
            item.ingested = await workers.run(
                self.ctx.pool,
                ingest,
                item.body,
                item.final_url,
                content_type=item.content_type,
                source=source_of(item, self.ctx.crawl_id),
                encoding=item.encoding,
            )
        except ParseError as exc:
            item.error = f"extract: {exc}"
            self.stats.inc_value("pipeline/ingest/failed")
            return item
        except Exception as exc:  # an extractor bug (or a dead worker) must not stop the crawl
            logger.exception("ingest crashed on %s", item.final_url)
            item.error = f"extract: {type(exc).__name__}: {exc}"
            self.stats.inc_value("pipeline/ingest/crashed")
            return item
        item.encoding = item.ingested.encoding
        if item.ingested.parse_error:
            item.error = f"parse: {item.ingested.parse_error}"
        self.stats.inc_value("pipeline/ingest/ok")
        return item

    def _unchanged(self, item: DocumentItem) -> bool:
        """These bytes at this URL are already stored (a revisit, or a refetch after a crash
        that lost the fetch state): nothing new to store. A revisit whose earlier capture
        never reached the database (killed in between) goes through the pipeline instead."""
        if not item.payload_sha256 or item.final_url not in self.ctx.states.known_urls:
            return False
        with self.ctx.sessions() as session:
            return capture_exists(session, item.final_url, item.payload_sha256)

    def _reuse(self, item: DocumentItem) -> bool:
        """These exact bytes were archived and parsed before (a re-post, or every report on a
        re-crawl): a duplicate of that document, nothing to extract."""
        if item.payload_sha256 not in self.ctx.states.known_payloads:
            return False
        with self.ctx.sessions() as session:
            doc = document_for_payload(session, item.payload_sha256)
            if doc is None or not has_version(session, doc.id, PARSER_VERSION):
                return False
            item.duplicate_of = doc.id
            item.needs_version = False
        self.stats.inc_value("pipeline/ingest/reused")
        return True
