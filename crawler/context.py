"""The crawl context: the services one crawl shares, in one Scrapy extension built `from_crawler`.

Components reach it through the crawler (`CrawlContext.of(crawler)`), never through module
globals or attributes set on the spider. It owns, for one run:

- the archive lock (storage.lock; LockBusy when another run holds it), taken first;
- the database (opened and migrated under the lock), the crawl id and the run record
  (earlier runs left `running` are marked `interrupted`; the run report is stored at close);
- the fetch states (crawler.recrawl) and the extraction/parsing process pool;
- per-site counters, kept as Scrapy stats `site/<code>/<name>` (`count`, `site_counters`);
- the write batch (crawler.batch) the store stage and the fetch states queue writes into, and
  `doc_ids`, the text_sha256 → document id of every text this run stored or matched.

So `scrapy crawl gov_reports` and `gov-reports crawl` do the same bookkeeping: the CLI only
builds settings and reads the stored report.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet import task

from crawler import heap
from crawler.batch import WriteBatch
from crawler.schedule import parse_now
from parsers import PARSER_VERSION
from storage.db import open_database
from storage.lock import CrawlLock
from storage.repository import (
    SiteData,
    finish_run,
    mark_interrupted,
    run_by_crawl_id,
    start_run,
    upsert_sites,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.recrawl import FetchStates

logger = logging.getLogger(__name__)
SITE_PREFIX = "site/"


def new_crawl_id() -> str:
    """Sortable and unique: `YYYYMMDDTHHMMSSZ-<8 hex>`."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def count(stats: StatsCollector, code: str | None, name: str, n: int = 1) -> None:
    """Add `n` to a per-site counter (a Scrapy stat `site/<code>/<name>`)."""
    if code:
        stats.inc_value(f"{SITE_PREFIX}{code}/{name}", n)


def site_counters(stats: StatsCollector) -> dict[str, Counter[str]]:
    """code → its counters, from the `site/<code>/<name>` stats."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for key, value in stats.get_stats().items():
        if key.startswith(SITE_PREFIX) and isinstance(value, int):
            code, _, name = key[len(SITE_PREFIX) :].partition("/")
            out[code][name] = value
    return out


# Loggers that make a record for every response, item or decoded page at levels below the
# usual LOG_LEVEL: Scrapy leaves every logger's own level unset (its handler filters), so each
# record was built (caller lookup and all) and then dropped; charset-normalizer alone made a
# hundred TRACE records per page it guessed the encoding of.
_PER_PAGE_LOGGERS = ("scrapy.core.engine", "scrapy.core.scraper", "charset_normalizer")


def quiet_loggers(level: str | int | None) -> None:
    """Set the per-page loggers to the crawl's LOG_LEVEL, so records nobody would see are not
    made; a level below their own (DEBUG) leaves them as they are."""
    value = logging.getLevelName(str(level).upper()) if isinstance(level, str) else level
    if not isinstance(value, int):
        return
    for name in _PER_PAGE_LOGGERS:
        logger_ = logging.getLogger(name)
        if logger_.level < value:
            logger_.setLevel(value)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class CrawlContext:
    """One per crawler; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.crawl_id = str(settings.get("GOV_REPORTS_CRAWL_ID") or new_crawl_id())
        self.archive_dir = Path(settings.get("GOV_REPORTS_ARCHIVE"))
        self.db_url: str = settings.get("GOV_REPORTS_DB")
        self.now = parse_now(settings.get("GOV_REPORTS_NOW")) or datetime.now(UTC)
        self.started = time.monotonic()
        quiet_loggers(settings.get("LOG_LEVEL"))
        self.lock = self.make_lock()
        self.lock.acquire()  # LockBusy: nothing else is done
        try:
            # Opened (and migrated) under the lock, before any fetch: two first runs never
            # migrate at once, and a bad URL fails here.
            self.sessions: sessionmaker[Session] = open_database(self.db_url)
            self.seeds = list(getattr(crawler.spider, "seeds", []))
            self.site_ids: dict[str, int] = {}
            self.resumed_after: list[str] = []
            self.run_id = self.open_run()
        except BaseException:
            self.lock.release()
            raise
        self.batch = WriteBatch(
            self.sessions,
            settings.getint("GOV_REPORTS_STORE_BATCH_SIZE"),
            settings.getfloat("GOV_REPORTS_STORE_BATCH_SECONDS"),
        )
        self.doc_ids: dict[str, int] = {}
        self._states: FetchStates | None = None
        self._pool: Executor | None = None
        self._pool_made = False
        self._flusher: task.LoopingCall | None = None
        self.archive_error: str | None = None  # why WARC records could not be written

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlContext:
        ctx = cls(crawler)
        crawler.signals.connect(ctx.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ctx.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ctx.engine_stopped, signal=signals.engine_stopped)
        return ctx

    @staticmethod
    def find(crawler: Crawler) -> CrawlContext | None:
        """The crawler's context, or None (no extensions yet, or the context not enabled)."""
        try:
            return crawler.get_extension(CrawlContext)
        except RuntimeError:
            return None

    @staticmethod
    def of(crawler: Crawler) -> CrawlContext:
        ctx = CrawlContext.find(crawler)
        if ctx is None:
            raise RuntimeError("crawler.context.CrawlContext is not in EXTENSIONS")
        return ctx

    # -- services ------------------------------------------------------------------------------
    @property
    def states(self) -> FetchStates:
        if self._states is None:
            from crawler.recrawl import FetchStates

            self._states = FetchStates(
                self.sessions,
                self.now,
                self.batch,
                self.site_ids,
                max_unfinished_runs=self.crawler.settings.getint("GOV_REPORTS_MAX_UNFINISHED_RUNS"),
            )
        return self._states

    @property
    def pool(self) -> Executor | None:
        """The process pool extraction and parsing share (None: run them in-process)."""
        broken = self._pool is not None and getattr(self._pool, "_broken", False)
        if not self._pool_made or broken:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from crawler.pipelines.workers import forkserver_preload
            from parsers.limits import init_worker

            if broken:  # a worker died (out of memory, a crash): the others go on in a new pool
                logger.warning("extraction pool broken (%s); starting a new one", broken)
                self.shutdown_pool()
            settings = self.crawler.settings
            raw = settings.get("GOV_REPORTS_EXTRACT_WORKERS")
            workers = default_workers() if raw in (None, "") else int(raw)
            # forkserver: forking a process that runs a reactor and threads is unsafe.
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(forkserver_preload())  # before the server starts
            limits = (
                os.getpid(),
                settings.getint("GOV_REPORTS_WORKER_MEMORY_MB"),
                settings.getfloat("GOV_REPORTS_EXTRACT_TIMEOUT"),
            )
            self._pool = (
                ProcessPoolExecutor(
                    max_workers=workers, mp_context=ctx, initializer=init_worker, initargs=limits
                )
                if workers > 0
                else None
            )
            self._pool_made = True
        return self._pool

    def count(self, code: str | None, name: str, n: int = 1) -> None:
        count(self.stats, code, name, n)

    # -- the run record ------------------------------------------------------------------------
    def make_lock(self) -> Any:
        """The archive lock (a distributed worker's differs: crawler.distributed.worker)."""
        return CrawlLock(self.archive_dir, self.db_url)

    def open_run(self) -> int:
        """Mark runs left `running` interrupted and record this one, in one transaction (a
        kill between the two would otherwise leave no run `running` for the next run to
        resume after); its id."""
        with self.sessions.begin() as session:
            self.resumed_after = mark_interrupted(session)
            return self._start_run(session)

    def _start_run(self, session: Session) -> int:
        settings = self.crawler.settings
        run_settings = {
            "archive_dir": str(self.archive_dir.resolve()),
            "parser_version": PARSER_VERSION,
            "user_agent": settings.get("USER_AGENT"),
            "robots_obey": settings.getbool("ROBOTSTXT_OBEY"),
            "autothrottle": settings.getbool("AUTOTHROTTLE_ENABLED"),
            "concurrent_requests_per_domain": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            "sites": len(self.seeds),
        }
        self.site_ids = upsert_sites(
            session,
            (
                SiteData(
                    code=s.code,
                    host=s.host,
                    url=s.url,
                    name=s.name,
                    prefecture=s.prefecture,
                    province=s.province,
                )
                for s in self.seeds
            ),
        )
        return start_run(session, self.crawl_id, run_settings).id

    def spider_opened(self) -> None:
        heap.freeze()  # the start-up heap out of the collector's full passes (crawler.heap)
        self._flusher = task.LoopingCall(self.batch.flush_if_old)
        self._flusher.start(max(0.1, self.batch.seconds / 2), now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """After the pipelines are done: commit the last batch, stop the workers, store the
        run report."""
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self.shutdown_pool()
        try:
            self.batch.flush()
            self.store_report(reason)
        finally:
            self.lock.release()
            heap.thaw()

    def store_report(self, reason: str) -> None:
        """The run report, from the per-site counters and the database (a distributed
        worker's context stores none: the coordinator's sums every worker's counters)."""
        from crawler.report import build_run_report

        with self.sessions.begin() as session:
            report = build_run_report(
                session,
                self.run_id,
                self.crawl_id,
                self.seeds,
                site_counters(self.stats),
                self.site_cms(),
                reason,
                self.archive_error,
            )
            report["elapsed_s"] = round(time.monotonic() - self.started, 2)
            report["resumed_after"] = self.resumed_after
            run = run_by_crawl_id(session, self.crawl_id)
            if run is not None:
                finish_run(session, run, report, report["sites"], self.site_ids)
        self.stats.set_value("gov_reports/run_report", report["totals"])

    def archive_failed(self, error: OSError) -> None:
        """A WARC record could not be written (read-only directory, disk full): nothing
        fetched from now on could be kept, so the run stops, and its report names the cause."""
        if self.archive_error is not None:
            return
        where = error.filename or self.archive_dir
        self.archive_error = f"{error.strerror or error}: {where}"
        logger.error("archive not writable, stopping the crawl: %s", self.archive_error)
        self.stop("archive_unwritable")

    def stop(self, reason: str) -> None:
        """Close the crawl with `reason` (its finish reason in the run report)."""
        from scrapy.utils.defer import deferred_from_coro

        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    def site_cms(self) -> dict[str, str]:
        stats = self.stats.get_stats()
        return {
            key[len("cms/") :]: value
            for key, value in stats.items()
            if key.startswith("cms/") and isinstance(value, str)
        }

    def shutdown_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if getattr(pool, "_broken", False):
            from crawler.pipelines.workers import abandon_broken

            abandon_broken(pool)  # waiting for a broken pool can hang (see there)
        else:
            pool.shutdown(wait=True, cancel_futures=True)

    def engine_stopped(self) -> None:
        """The engine stopped without closing the spider (a start-up failure): let go."""
        self.shutdown_pool()
        self.lock.release()
