"""Running one crawl as a library call: `run_crawl(...)` → the stored run report.

What `gov-reports crawl`, the demo, the benchmarks and tests call. The bookkeeping (lock,
migrations, run record, resume) is the crawl context's (crawler.context), so `scrapy crawl
gov_reports` does the same; this module only builds the settings and reads the report back.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.context import new_crawl_id
from crawler.schedule import parse_now
from storage.db import open_database
from storage.query import run_report


class SettingsError(ValueError):
    """A malformed `-s NAME=VALUE`."""


# Settings for crawling the loopback simulated web: no throttle, high concurrency.
FAST_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 20,
}


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` strings → a settings dict. Each value is checked against its setting's
    type (the type of its default: project settings, then Scrapy's), so `-s
    GOV_REPORTS_MAX_HOPS=abc` is a one-line usage error (SettingsError) instead of a crawl
    that ignores it or dies in the middle."""
    from scrapy.settings import Settings

    defaults = Settings()
    defaults.setmodule("crawler.settings", priority="project")
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingsError(f"bad setting {pair!r}: expected NAME=VALUE")
        expected = _expected_type(name, value, defaults.get(name))
        if expected:
            raise SettingsError(f"bad setting {name}={value!r}: expected {expected}")
        out[name] = value
    return out


_WHOLE = {"GOV_REPORTS_EXTRACT_WORKERS"}  # declared "" (= automatic) but read as a number


def _expected_type(name: str, value: str, default: Any) -> str | None:
    """What `value` should have been for a setting whose default is `default`; None if fine."""
    if name == "GOV_REPORTS_NOW":
        parse_now(value)  # ScheduleError names the problem
        return None
    if isinstance(default, bool):
        ok = value.strip().lower() in {"0", "1", "true", "false"}
        return None if ok else "True or False"
    if isinstance(default, int) or (name in _WHOLE and value.strip()):
        return None if value.strip().isdigit() else "a whole number (0 or more)"
    if isinstance(default, float):
        try:
            ok = 0 <= float(value) < float("inf")
        except ValueError:
            ok = False
        return None if ok else "a number (0 or more)"
    if isinstance(default, (dict, list)) or hasattr(default, "copy_to_dict"):
        try:
            ok = isinstance(json.loads(value), (dict, list))
        except ValueError:
            ok = False
        return None if ok else "JSON (an object or a list)"
    return None


def run_crawl(
    *,
    sites: str | None = None,
    codes: str | None = None,
    max_sites: int | None = None,
    db: str | None = None,
    archive: str | None = None,
    proxy: str | None = None,
    fast: bool = False,
    log_level: str = "WARNING",
    extra: dict[str, Any] | None = None,
    now: str | None = None,
    redis: str | None = None,
) -> dict[str, Any] | None:
    """Run one crawl in this process (once per process: Twisted's reactor cannot restart).

    The crawl context (crawler.context) takes the archive's lock (LockBusy if another run has
    it), migrates the database, records the run and stores its report; this function only
    builds the settings, runs the spider and reads the stored report back (None if none).
    With `redis` (or GOV_REPORTS_REDIS) it coordinates a distributed run instead
    (crawler.distributed.coordinator): it seeds the run and waits for the workers.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.gov_reports import GovReportsSpider

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    crawl_id = new_crawl_id()
    values: dict[str, Any] = {
        "GOV_REPORTS_CRAWL_ID": crawl_id,
        "LOG_LEVEL": log_level.upper(),
        "GOV_REPORTS_PROGRESS_INTERVAL": 15,
    }
    if fast:
        values.update(FAST_SETTINGS)
    if db:
        values["GOV_REPORTS_DB"] = db
    if archive:
        values["GOV_REPORTS_ARCHIVE"] = archive
    if proxy:
        values["GOV_REPORTS_PROXY"] = proxy
    if now:
        parse_now(now)  # a bad value fails here, before any fetch
        values["GOV_REPORTS_NOW"] = now
    values.update(extra or {})
    settings.setdict(values, priority="cmdline")
    if redis := redis or settings.get("GOV_REPORTS_REDIS"):
        from crawler.distributed.coordinator import prepare

        prepare(settings, redis, crawl_id)
    process = CrawlerProcess(settings)
    failures: list[BaseException] = []
    done = process.crawl(GovReportsSpider, sites=sites, codes=codes, max_sites=max_sites)
    done.addErrback(lambda failure: failures.append(failure.value))
    process.start()
    if failures:  # the crawl could not start: LockBusy, StorageError, SitesError …
        raise failures[0]
    sessions = open_database(settings.get("GOV_REPORTS_DB"))
    with sessions() as session:
        return run_report(session, crawl_id)
