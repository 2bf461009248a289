"""The coordinator's scheduler: it seeds the shared queue and never takes from it.

The coordinator runs the spider's own `start()` (home pages, known reports that are due), so
seeding follows exactly the rules of a one-process crawl; the requests go through
scrapy-redis' fingerprint set into the run's queue, where the workers take them.
"""

from __future__ import annotations

from scrapy.http import Request
from scrapy_redis.scheduler import Scheduler


class SeedOnlyScheduler(Scheduler):
    def next_request(self) -> Request | None:
        return None

    def has_pending_requests(self) -> bool:
        return False
