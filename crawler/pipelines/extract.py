"""Stage 1: bytes → text with `parsers.extract`, after deciding the encoding of text bodies.

PDF/Office extraction costs ~1 s of CPU per file (pdfplumber layout analysis), so extraction
runs in the shared process pool (crawler.pipelines.workers) while the crawl keeps fetching.
Bytes already archived and parsed (same payload SHA-256) are not extracted again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from crawler.context import CrawlContext
from crawler.encoding import decide_encoding
from crawler.items import DocumentItem
from crawler.pipelines import workers
from parsers import PARSER_VERSION, Extracted, ParseError, extract
from storage.repository import capture_exists, document_for_payload, has_version

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _extract(body: bytes, name: str, encoding: str | None, ctype: str | None) -> Extracted:
    return extract(body, name, encoding=encoding, content_type=ctype)


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: DocumentItem) -> DocumentItem:
        if self._unchanged(item):
            item.outcome = "unchanged"  # later stages skip it; the store stage settles it
            self.stats.inc_value("pipeline/extract/unchanged")
            return item
        name = unquote(urlsplit(item.final_url).path.rsplit("/", 1)[-1])
        encoding = None
        binary = item.body.lstrip()[:8].startswith(_BINARY_MAGIC)
        if not binary:
            encoding, item.encoding_source = decide_encoding(item.body, item.content_type)
        item.encoding = encoding
        if self._reuse(item):
            return item
        try:
            item.extracted = await workers.run(
                self.ctx.pool, _extract, item.body, name, encoding, item.content_type
            )
        except ParseError as exc:
            item.error = f"extract: {exc}"
            self.stats.inc_value("pipeline/extract/failed")
            return item
        except Exception as exc:  # an extractor bug (or a dead worker) must not stop the crawl
            logger.exception("extractor crashed on %s", item.final_url)
            item.error = f"extract: {type(exc).__name__}: {exc}"
            self.stats.inc_value("pipeline/extract/crashed")
            return item
        if item.extracted.encoding and encoding is None:
            item.encoding = item.extracted.encoding
        self.stats.inc_value("pipeline/extract/ok")
        return item

    def _unchanged(self, item: DocumentItem) -> bool:
        """These bytes at this URL are already stored (a revisit, or a refetch after a crash
        that lost the fetch state): nothing new to store. A revisit whose earlier capture
        never reached the database (killed in between) goes through the pipeline instead."""
        if not item.payload_sha256:
            return False
        with self.ctx.sessions() as session:
            return capture_exists(session, item.final_url, item.payload_sha256)

    def _reuse(self, item: DocumentItem) -> bool:
        """Skip extraction when these exact bytes were archived and parsed before (a re-post,
        or every report on a re-crawl): take the stored text instead."""
        if not item.payload_sha256:
            return False
        with self.ctx.sessions() as session:
            doc = document_for_payload(session, item.payload_sha256)
            if doc is None or not has_version(session, doc.id, PARSER_VERSION):
                return False
            item.extracted = Extracted(
                text=doc.text, format=doc.format or "text", encoding=item.encoding, title=doc.title
            )
        self.stats.inc_value("pipeline/extract/reused")
        return True
