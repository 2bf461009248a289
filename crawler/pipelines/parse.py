"""Stage 4: text → record with `parsers.parse_extracted`, `source` filled with provenance."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from crawler.pipelines import workers
from parsers import Extracted, ParseError, parse_extracted
from storage.records import source_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _parse(extracted: Extracted, source: dict[str, object]) -> dict[str, object]:
    return parse_extracted(extracted, source=source)


class ParsePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePipeline:
        return cls(crawler)

    async def process_item(self, item: DocumentItem) -> DocumentItem:
        if item.error or item.extracted is None or not item.needs_parse:
            return item
        try:
            item.record = await workers.run(
                self.ctx.pool, _parse, item.extracted, source_of(item, self.ctx.crawl_id)
            )
        except ParseError as exc:
            item.error = f"parse: {exc}"
            self.stats.inc_value("pipeline/parse/failed")
        except Exception as exc:  # a parser bug must not stop the crawl
            logger.exception("parser crashed on %s", item.final_url)
            item.error = f"parse: {type(exc).__name__}: {exc}"
            self.stats.inc_value("pipeline/parse/crashed")
        else:
            self.stats.inc_value("pipeline/parse/ok")
        return item
