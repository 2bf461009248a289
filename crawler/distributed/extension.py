"""The Scrapy extension that makes a crawl one part of a distributed run.

Enabled by `GOV_REPORTS_DISTRIBUTED` = `coordinator` or `worker` (see `distributed_settings`).

- coordinator (`gov-reports crawl --redis`): publishes the run's configuration, seeds the
  shared queue (its scheduler never fetches), keeps its spider open until the run is over
  (crawler.distributed.run), waits until every worker has left (the lock per run), then closes
  with the per-site counters summed over all workers, so the crawl context (crawler.context)
  writes the run report of the whole run. Its Redis keys are removed when it closes, however
  it closes.
- worker (`gov-reports worker`): a heartbeat and busy mark every tick, its counters pushed to
  the shared hash, its spider kept open while the run is not over (an idle worker would
  otherwise close at once), and closed when the run is over or the coordinator is gone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.context import SITE_PREFIX, CrawlContext, site_counters
from crawler.distributed import run as shared
from crawler.distributed.keys import DEFAULT_PREFIX, RunKeys, remove_run
from storage.lock import AdvisoryLock, run_lock

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

TICK = 0.5
# Settings of the coordinator's command line that are not shared with workers: where each
# process keeps its own files, and how the distributed machinery itself is wired.
_LOCAL = {
    "GOV_REPORTS_DB",
    "GOV_REPORTS_ARCHIVE",
    "GOV_REPORTS_CRAWL_ID",
    "GOV_REPORTS_DISTRIBUTED",
    "GOV_REPORTS_REDIS",
    "GOV_REPORTS_PROGRESS_INTERVAL",
    "LOG_LEVEL",
    "EXTENSIONS",
    "DOWNLOADER_MIDDLEWARES",
    "ITEM_PIPELINES",
    "REDIS_URL",
    "DUPEFILTER_CLASS",
}


def apply_distributed(
    settings: Any, role: str, redis_url: str, crawl_id: str, prefix: str = DEFAULT_PREFIX
) -> None:
    """Make a crawl with these settings the `role` (`coordinator`/`worker`) of run `crawl_id`."""
    keys = RunKeys(crawl_id, prefix)
    worker = role == "worker"
    values = {
        "GOV_REPORTS_DISTRIBUTED": role,
        "GOV_REPORTS_REDIS": redis_url,
        "GOV_REPORTS_REDIS_PREFIX": prefix,
        "GOV_REPORTS_CRAWL_ID": crawl_id,
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.scheduler."
        + ("WorkerScheduler" if worker else "SeedOnlyScheduler"),
        "SCHEDULER_QUEUE_KEY": keys.queue,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Never flush at close: a worker leaving must not empty the queue of the others.
        "SCHEDULER_PERSIST": True,
        # Politeness is the shared per-site interval (crawler.distributed.ratelimit): a
        # per-process delay or throttle would only add to it, and could bunch requests.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        # After the crawl context (0), which it reads.
        "EXTENSIONS": {**settings.getdict("EXTENSIONS"), f"{__name__}.DistributedRun": 10},
        "DOWNLOADER_MIDDLEWARES": {
            **settings.getdict("DOWNLOADER_MIDDLEWARES"),
            # Last before the network: robots.txt, retries and redirect hops pass through it.
            "crawler.distributed.ratelimit.SharedSiteLimit": 990,
        },
    }
    if worker:
        # The worker's context joins the coordinator's run instead of starting one.
        extensions = values["EXTENSIONS"]
        extensions.pop("crawler.context.CrawlContext", None)
        extensions["crawler.distributed.worker.WorkerContext"] = 0
    settings.setdict(values, priority="cmdline")


def shared_settings(settings: Any) -> dict[str, Any]:
    """The coordinator's command-line settings that workers must crawl with (JSON values)."""
    from scrapy.settings import SETTINGS_PRIORITIES

    out: dict[str, Any] = {}
    for name in settings:
        if name in _LOCAL or settings.getpriority(name) < SETTINGS_PRIORITIES["cmdline"]:
            continue
        value = settings[name]
        try:
            json.dumps(value)
        except TypeError:
            continue
        out[name] = value
    return out


class DistributedRun:
    def __init__(self, crawler: Crawler, role: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.role = role
        self.redis = shared.redis_for(settings.get("GOV_REPORTS_REDIS"))
        self.prefix = settings.get("GOV_REPORTS_REDIS_PREFIX") or DEFAULT_PREFIX
        # The context's crawl id, before the context exists (extensions are being built).
        self.keys = RunKeys(settings.get("GOV_REPORTS_CRAWL_ID"), self.prefix)
        self.clock = shared.IdleClock(settings.getfloat("GOV_REPORTS_IDLE_TIMEOUT", 10))
        self.worker_timeout = settings.getfloat(
            "GOV_REPORTS_WORKER_TIMEOUT", shared.DEFAULT_WORKER_TIMEOUT
        )
        self.worker_id = shared.new_worker_id()
        self.info = {"host": socket.gethostname(), "pid": os.getpid()}
        self.pusher = shared.StatsPusher(self.redis, self.keys)
        self.closing = False
        self.seeded = False
        self.run_lock: AdvisoryLock | None = None
        self._loop: task.LoopingCall | None = None
        self._last_progress = 0.0
        self._redis_down_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedRun:
        role = crawler.settings.get("GOV_REPORTS_DISTRIBUTED")
        if role not in ("coordinator", "worker"):
            raise NotConfigured("not a distributed crawl")
        ext = cls(crawler, role)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # -- signals --------------------------------------------------------------------------------
    def spider_opened(self) -> None:
        if self.role == "coordinator":
            # Runs that died (the context just marked them interrupted) left keys behind.
            for crawl_id in self.ctx.resumed_after:
                remove_run(self.redis, RunKeys(crawl_id, self.prefix))
            self._publish()
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(TICK, now=True).addErrback(
            lambda f: logger.error("distributed run tick failed: %s", f.getTraceback())
        )

    def spider_idle(self) -> None:
        if self.role == "coordinator" and not self.seeded:
            # The engine calls this only once start() is exhausted: every seed is queued.
            self._push_stats()
            self.redis.set(self.keys.seeded, "1")
            self.seeded = True
        if not self.closing:
            raise DontCloseSpider

    def spider_closed(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.role == "worker":
            self._push_stats()
            shared.mark_done(self.redis, self.keys, self.worker_id, reason)
            return
        self._record_workers()
        remove_run(self.redis, self.keys)
        if self.run_lock is not None:
            self.run_lock.release()

    # -- the tick -------------------------------------------------------------------------------
    @property
    def ctx(self) -> CrawlContext:
        return CrawlContext.of(self.crawler)

    def _tick(self) -> None:
        import redis

        if self.closing:
            return
        try:
            if self.role == "coordinator":
                self._coordinator_tick()
            else:
                self._worker_tick()
            self._redis_down_since = None
        except redis.RedisError as exc:
            # Keep ticking: a Redis restart or a network blip must not end the run, but a
            # Redis that stays away for the worker timeout does (the queue is gone with it).
            now = time.monotonic()
            self._redis_down_since = self._redis_down_since or now
            logger.warning("Redis unavailable (%s); retrying", exc)
            if now - self._redis_down_since >= self.worker_timeout:
                self._close("redis-unavailable")

    def _worker_tick(self) -> None:
        engine = self.crawler.engine
        busy = not engine.spider_is_idle()
        now = shared.heartbeat(self.redis, self.keys, self.worker_id, busy, self.info)
        self._push_stats()
        if not shared.run_open(self.redis, self.keys):
            # Wound up by the coordinator, or the coordinator died (its key expired).
            alive = self.redis.exists(self.keys.coordinator)
            self._close("finished" if alive else "coordinator-gone")
            return
        if not busy and shared.queue_length(self.redis, self.keys):
            # Scrapy polls an idle scheduler only every 5 s; take new work now.
            slot = getattr(engine, "_slot", None)
            if slot is not None:
                slot.nextcall.schedule()
        if self.clock.over(
            not busy and shared.quiet(self.redis, self.keys, now, self.worker_timeout), now
        ):
            self._close("finished")

    def _coordinator_tick(self) -> None:
        self.redis.set(self.keys.coordinator, "alive", px=shared.HEARTBEAT_TTL_MS)
        # The coordinator fetches nothing: its counters are the sum over the workers, so the
        # run report (written by the crawl context at close) covers the whole run.
        if self.seeded:
            self._take_summed_stats()
        now = shared.server_time(self.redis)
        self._progress(now)
        if not self.clock.over(
            self.seeded and shared.quiet(self.redis, self.keys, now, self.worker_timeout), now
        ):
            return
        # Over: tell workers to leave, and wind up once none holds the run any more.
        self.redis.set(self.keys.state, "closing")
        if self.run_lock is None:
            lock = run_lock(self.crawler.settings.get("GOV_REPORTS_DB"), self.keys.crawl_id)
            if not lock.try_acquire():
                return
            self.run_lock = lock
        lost = [
            w["id"] for w in shared.worker_summary(self.redis, self.keys) if w["ended"] == "lost"
        ]
        self._close("workers-lost" if lost else "finished")

    # -- helpers --------------------------------------------------------------------------------
    def _progress(self, now: float) -> None:
        interval = self.crawler.settings.getfloat("GOV_REPORTS_PROGRESS_INTERVAL", 0)
        if interval <= 0 or now - self._last_progress < interval:
            return
        self._last_progress = now
        workers = shared.worker_summary(self.redis, self.keys)
        responses = sum(c.get("responses", 0) for c in site_counters(self.crawler.stats).values())
        print(
            f"[run {self.keys.crawl_id}] workers {len(workers)} (busy "
            f"{shared.busy_workers(self.redis, self.keys, now, self.worker_timeout)}), queued "
            f"{shared.queue_length(self.redis, self.keys)}, responses {responses}",
            file=sys.stderr,
            flush=True,
        )

    def _close(self, reason: str) -> None:
        self.closing = True
        self.crawler.stats.set_value("finish_reason", reason)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def _push_stats(self) -> None:
        self.pusher.push(site_counters(self.crawler.stats), self.ctx.site_cms())

    def _take_summed_stats(self) -> None:
        counters, cms = shared.summed_stats(self.redis, self.keys)
        stats = self.crawler.stats
        for code, counter in counters.items():
            for name, value in counter.items():
                stats.set_value(f"{SITE_PREFIX}{code}/{name}", value)
        for code, name in cms.items():
            stats.set_value(f"cms/{code}", name)

    def _publish(self) -> None:
        settings = self.crawler.settings
        values = shared_settings(settings)
        # One clock for the revisit schedule on every machine.
        values.setdefault("GOV_REPORTS_NOW", datetime.now(UTC).isoformat())
        seeds = [
            {
                "code": s.code,
                "name": s.name,
                "host": s.host,
                "url": s.url,
                "prefecture_name": s.prefecture or "",
                "province_name": s.province or "",
            }
            for s in self.ctx.seeds
        ]
        config = {
            "crawl_id": self.keys.crawl_id,
            "seeds": seeds,
            "settings": values,
            # Readers (verify, export, replays) find a capture's WARC file under the run's
            # archive directory: workers write there too (shared storage on every machine).
            "archive_dir": str(self.ctx.archive_dir.resolve()),
        }
        shared.publish(self.redis, self.keys, config)

    def _record_workers(self) -> None:
        """Add who worked (and who was lost) to the stored run report."""
        from storage.repository import run_by_crawl_id

        workers = shared.worker_summary(self.redis, self.keys)
        with self.ctx.sessions.begin() as session:
            run = run_by_crawl_id(session, self.keys.crawl_id)
            if run is not None and run.report is not None:
                run.report = {**run.report, "workers": workers}
