"""Stage 1: bytes → format, encoding, text, identity and record, by `parsers.ingest.ingest`.

PDF/Office extraction costs CPU (pdfplumber layout analysis), so `ingest` runs in the crawl
context's process pool while the crawl keeps fetching. Bytes already stored from this URL
are "unchanged"; bytes already archived and parsed elsewhere (same payload SHA-256) are a
duplicate of that document, without extracting them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from crawler.pipelines import workers
from crawler.report import EXTRACTION_FAILING
from parsers import PARSER_VERSION, ExtractTimeout, ParseError
from parsers.ingest import Ingested, decide, file_name
from storage.records import source_of
from storage.repository import capture_exists, document_for_payload, has_version

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
RECENT_PAYLOADS = 256
# The first this many documents crashed and none was answered: extraction cannot work here, and
# fetching every other page before saying so (crawler.report.run_outcome) would waste the run.
CRASHES_TO_STOP = 10


class IngestPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats
        # (payload, content type, file name, encoding) → the ingest of those bytes, for the
        # last RECENT_PAYLOADS distinct payloads (bounded: each holds a text and a record).
        self._recent: OrderedDict[tuple, asyncio.Future[tuple[Ingested, Any]]] = OrderedDict()
        self._postgres = self.ctx.sessions.kw["bind"].dialect.name == "postgresql"
        self._crashed: set[str | None] = set()  # payloads whose extraction crashed this run
        self._answered = 0  # documents extraction answered in this process

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
        source = source_of(item, self.ctx.crawl_id)
        try:
            item.ingested, item.prepared = await self._ingest(item, source)
        except ExtractTimeout as exc:
            item.error = f"extract: {exc}"
            item.unfinished = True
            self.stats.inc_value("pipeline/ingest/timed-out")
            return item
        except ParseError as exc:
            item.error = f"extract: {exc}"
            self.stats.inc_value("pipeline/ingest/failed")
            self._answered += 1  # the document's fault: extraction works
            self.ctx.count(item.site_code, "extracted")
            return item
        except Exception as exc:  # an extractor bug (or a dead worker) must not stop the crawl
            logger.exception("ingest crashed on %s", item.final_url)
            item.error = f"extract: {type(exc).__name__}: {exc}"
            item.unfinished = True
            self.stats.inc_value("pipeline/ingest/crashed")
            if item.payload_sha256 not in self._crashed:  # documents, not their copies
                self._crashed.add(item.payload_sha256)
                self.ctx.count(item.site_code, "extract_crashed")
                if len(self._crashed) == CRASHES_TO_STOP and not self._answered:
                    logger.error(
                        "extraction crashed on the first %d documents and answered none: "
                        "stopping the crawl",
                        CRASHES_TO_STOP,
                    )
                    self.ctx.stop(EXTRACTION_FAILING)
            return item
        self._answered += 1
        self.ctx.count(item.site_code, "extracted")
        item.encoding = item.ingested.encoding
        if item.ingested.parse_error:
            item.error = f"parse: {item.ingested.parse_error}"
        self.stats.inc_value("pipeline/ingest/ok")
        return item

    async def _ingest(
        self, item: DocumentItem, source: dict
    ) -> tuple[Ingested, workers.Prepared | None]:
        """`ingest` in the pool, with a report's rows prepared for the store (see
        `workers.ingest_indexed`); bytes met again in this run (the same attachment linked
        from two pages, a page under two URLs) share the first one's work, with their own
        provenance."""
        key = (item.payload_sha256, item.content_type, file_name(item.final_url), item.encoding)
        shared = self._recent.get(key) if item.payload_sha256 else None
        if shared is not None:
            self._recent.move_to_end(key)
            self.stats.inc_value("pipeline/ingest/shared")
            ingested, prepared = await shared
            return ingested.with_source(source), prepared
        work = asyncio.ensure_future(
            workers.run(
                self.ctx.pool,
                workers.ingest_indexed,
                item.body,
                item.final_url,
                postgres=self._postgres,
                content_type=item.content_type,
                source=source,
                encoding=item.encoding,
            )
        )
        if item.payload_sha256:
            self._recent[key] = work
            if len(self._recent) > RECENT_PAYLOADS:
                self._recent.popitem(last=False)
        return await work

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
