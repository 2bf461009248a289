"""A progress line every few seconds on long runs: sites done, pages, reports stored."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class Progress:
    """Enabled with GOV_REPORTS_PROGRESS_INTERVAL > 0 (seconds); writes to stderr."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("GOV_REPORTS_PROGRESS_INTERVAL", 0)
        if interval <= 0:
            raise NotConfigured  # no message: Scrapy would log it as a warning (and -q is one line)
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def report(self) -> None:
        stats = self.crawler.stats
        spider = self.crawler.spider
        pages = stats.get_value("response_received_count", 0)
        stored = sum(
            stats.get_value(f"pipeline/store/{o}", 0)
            for o in ("new", "near-duplicate", "duplicate")
        )
        sites = len(getattr(spider, "seeds", []))
        active = len(self.crawler.engine.downloader.slots)
        elapsed = time.monotonic() - self.started
        print(
            f"[{elapsed:6.0f}s] sites {sites} (active hosts {active}), pages {pages}, "
            f"candidates {stats.get_value('item_scraped_count', 0)}, reports stored {stored}",
            file=sys.stderr,
            flush=True,
        )

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
