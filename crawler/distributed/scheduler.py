"""Schedulers of a distributed run, both scrapy-redis' shared queue underneath.

- SeedOnlyScheduler (the coordinator): it runs the spider's own `start()` (home pages, known
  reports that are due), so seeding follows exactly the rules of a one-process crawl; the
  requests go through the run's fingerprint set into its queue, and it never takes one back.
- WorkerScheduler: takes from the shared queue only while few of the worker's requests wait
  for their site's token (crawler.distributed.ratelimit). Otherwise one worker would take
  everything queued for a few slow sites and wait on it, while the others stood idle.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Request
from scrapy_redis.scheduler import Scheduler

from crawler.distributed.ratelimit import SharedSiteLimit


class SeedOnlyScheduler(Scheduler):
    def next_request(self) -> Request | None:
        return None

    def has_pending_requests(self) -> bool:
        return False


class WorkerScheduler(Scheduler):
    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.backlog = crawler.settings.getint("GOV_REPORTS_WORKER_BACKLOG", 4)
        return scheduler

    def _site_limit(self) -> SharedSiteLimit | None:
        try:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
        except RuntimeError:  # no engine (used outside a crawl): no limit to consult
            return None
        for mw in middlewares:
            if isinstance(mw, SharedSiteLimit):
                return mw
        return None

    def next_request(self) -> Request | None:
        limit = self._site_limit()
        if limit is not None and limit.waiting >= self.backlog:
            return None  # the engine asks again after the next response
        return super().next_request()
