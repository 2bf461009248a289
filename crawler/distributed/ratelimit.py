"""A per-site request interval that holds across every worker of a distributed crawl.

Scrapy's DOWNLOAD_DELAY and AutoThrottle are per process: N workers would hit one county N
times harder. Here a request to a host may start only after taking that host's token in Redis
(`SET <prefix>:site:<host> 1 NX PX <interval>`): one SET is atomic, so two workers can never
both take it, and it frees itself after the interval even if its holder dies.

Within a process, at most CONCURRENT_REQUESTS_PER_DOMAIN requests per host hold a place from
their token until their response or error (an asyncio semaphore), as many as Scrapy's download
slot sends at once: a request never waits in that slot after taking its token, so the token
time is the send time, and no two requests to a host, from any workers, start less than the
interval apart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from crawler.distributed.keys import DEFAULT_PREFIX, site_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

_HELD = "_site_token"  # request.meta key: the host whose local place this request holds


class SiteTokens:
    """The Redis side: take a host's token, or learn how long until it is free."""

    def __init__(self, redis: Any, interval: float, prefix: str = DEFAULT_PREFIX) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.redis = redis
        self.interval_ms = max(1, round(interval * 1000))
        self.prefix = prefix

    def take(self, host: str) -> float:
        """0 if this caller took the token, else the seconds until it may try again."""
        key = site_key(host, self.prefix)
        if self.redis.set(key, "1", nx=True, px=self.interval_ms):
            return 0.0
        left = self.redis.pttl(key)
        # -2: expired between the two calls; -1 cannot happen (always set with PX)
        return max(left, 1) / 1000

    def wait_blocking(self, host: str) -> None:
        """Take the token, sleeping as long as needed (for tests and scripts)."""
        while (left := self.take(host)) > 0:
            time.sleep(left)


class SharedSiteLimit:
    """Downloader middleware (enabled with GOV_REPORTS_SITE_INTERVAL > 0 and a Redis URL).

    Place it last among the downloader middlewares (closest to the network), so that
    robots.txt requests, retries and redirect hops all pass through it.
    """

    def __init__(self, tokens: SiteTokens, per_host: int = 1) -> None:
        self.tokens = tokens
        self.waiting = 0  # requests of this process waiting for their site's token
        self.places: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(max(1, per_host))
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedSiteLimit:
        from crawler.distributed.run import redis_for

        settings = crawler.settings
        interval = settings.getfloat("GOV_REPORTS_SITE_INTERVAL", 0)
        url = settings.get("GOV_REPORTS_REDIS")
        if interval <= 0 or not url:
            raise NotConfigured("no shared per-site interval")
        prefix = settings.get("GOV_REPORTS_REDIS_PREFIX") or DEFAULT_PREFIX
        per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1)
        return cls(SiteTokens(redis_for(url), interval, prefix), per_host)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        place = self.places[host]
        self.waiting += 1
        try:
            await place.acquire()
            try:
                while (left := self.tokens.take(host)) > 0:
                    await asyncio.sleep(left)
            except BaseException:
                place.release()
                raise
        finally:
            self.waiting -= 1
        request.meta[_HELD] = host

    def _release(self, request: Request) -> None:
        host = request.meta.pop(_HELD, None)
        if host is not None:
            self.places[host].release()

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release(request)
