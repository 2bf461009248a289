"""`gov-reports worker`: join the distributed run announced in Redis and crawl until it is over.

One run per process (Twisted's reactor cannot restart): the worker waits for a run, crawls
it, and exits; a service manager starts it again for the next run (README, systemd units).
"""

from __future__ import annotations

import csv
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crawler.context import CrawlContext
from crawler.distributed import run as shared
from crawler.distributed.extension import apply_distributed
from crawler.distributed.keys import DEFAULT_PREFIX, RunKeys
from crawler.spiders.gov_reports import GovReportsSpider
from storage.db import open_database
from storage.lock import run_lock
from storage.models import Site
from storage.repository import run_by_crawl_id

logger = logging.getLogger(__name__)

SEED_COLUMNS = ["code", "name", "host", "url", "prefecture_name", "province_name"]


class WorkerError(Exception):
    """The worker cannot join: the message says why (exit 2)."""


class WorkerSpider(GovReportsSpider):
    """The gov_reports spider without seeds: the coordinator queued them for every worker."""

    async def start(self):  # type: ignore[override]
        return
        yield  # an async generator that yields nothing


class _HeldByProcess:
    """The worker's lock: the lock per run, taken by run_worker before the crawl starts."""

    def acquire(self) -> None:
        return

    def release(self) -> None:
        return


class WorkerContext(CrawlContext):
    """The crawl context of a worker: it joins the coordinator's run record instead of
    starting one, takes no archive lock (the coordinator holds it; workers share the run's
    lock, storage.lock.run_lock), and leaves the run report to the coordinator."""

    def make_lock(self) -> Any:
        return _HeldByProcess()

    def open_run(self) -> int:
        codes = [s.code for s in self.seeds]
        with self.sessions() as session:
            run = run_by_crawl_id(session, self.crawl_id)
            if run is None:
                raise WorkerError(f"run {self.crawl_id} is not in this worker's database")
            rows = session.execute(select(Site.code, Site.id).where(Site.code.in_(codes))).all()
            self.site_ids = {row.code: row.id for row in rows}
            return int(run.id)

    def store_report(self, reason: str) -> None:
        return  # the coordinator's, with every worker's counters


def wait_for_run(redis: Any, prefix: str, timeout: float | None, skip: set[str]) -> str | None:
    """The crawl id of an open run (None after `timeout` seconds without one)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        crawl_id = shared.current_run(redis, prefix)
        if crawl_id and crawl_id not in skip and shared.run_open(redis, RunKeys(crawl_id, prefix)):
            return crawl_id
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(1.0)


def write_seeds(seeds: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SEED_COLUMNS)
        writer.writeheader()
        writer.writerows(seeds)


def check_database(db: str, crawl_id: str) -> None:
    with open_database(db)() as session:
        run = run_by_crawl_id(session, crawl_id)
    if run is None:
        raise WorkerError(
            f"run {crawl_id} is not in database {db!r}: give the worker the coordinator's --db"
        )
    if run.status != "running":
        raise WorkerError(f"run {crawl_id} is {run.status}, not running")


def run_worker(
    *,
    redis_url: str,
    db: str,
    archive: str | None = None,
    proxy: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    wait: float | None = None,
    log_level: str = "WARNING",
    extra: dict[str, Any] | None = None,
) -> tuple[str, str] | None:
    """Join one run and crawl it: (crawl id, why the crawl closed); None if no run came.

    Raises WorkerError (cannot join), StorageError (database), RedisUnavailable.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    redis = shared.redis_for(redis_url)
    skip: set[str] = set()
    while True:
        crawl_id = wait_for_run(redis, prefix, wait, skip)
        if crawl_id is None:
            return None
        lock = run_lock(db, crawl_id)
        if lock.try_acquire(shared=True):
            break
        skip.add(crawl_id)  # being wound up: wait for the next run
    try:
        check_database(db, crawl_id)
        config = shared.load_config(redis, RunKeys(crawl_id, prefix))
        if config is None:
            raise WorkerError(f"run {crawl_id} ended before this worker joined")
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        values: dict[str, Any] = {
            **config["settings"],
            "LOG_LEVEL": log_level.upper(),
            "GOV_REPORTS_DB": db,
            "GOV_REPORTS_ARCHIVE": archive or config["archive_dir"],
            "GOV_REPORTS_PROGRESS_INTERVAL": 60,  # a line a minute in the service's journal
        }
        if proxy:
            values["GOV_REPORTS_PROXY"] = proxy
        values.update(extra or {})
        settings.setdict(values, priority="cmdline")
        apply_distributed(settings, "worker", redis_url, crawl_id, prefix)
        with tempfile.TemporaryDirectory(prefix="gov-reports-worker-") as tmp:
            sites = Path(tmp) / "sites.csv"
            write_seeds(config["seeds"], sites)
            process = CrawlerProcess(settings)
            crawler = process.create_crawler(WorkerSpider)
            process.crawl(crawler, sites=str(sites))
            process.start()
    finally:
        lock.release()
    return crawl_id, str(crawler.stats.get_value("finish_reason") or "not started")
