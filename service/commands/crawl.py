"""`gov-reports crawl`: run the gov_reports spider in-process and print the run report.

Every run after the first is a recrawl (docs/crawl.md, "Recrawls"): known URLs are revalidated
with conditional requests, unchanged pages cost a WARC revisit record, revised reports become
new versions, vanished ones are marked gone. One run at a time per archive (storage.lock).

Exit codes: 0 the run finished; 1 it stopped before finishing (or stored no report);
2 bad input (sites file, setting, --now, database URL); 75 another crawl holds the lock
(EX_TEMPFAIL: cron simply tries again next time).

Also `run_demo(out_dir)` (and `gov-reports demo-crawl`): start the simulated web, crawl it into a
fresh SQLite archive and print the run report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

from crawler.context import new_crawl_id
from crawler.distributed.run import RedisUnavailable
from crawler.schedule import ScheduleError, parse_now
from crawler.sites import SitesError, load_sites
from storage.db import StorageError, open_database
from storage.lock import LockBusy
from storage.query import run_report

EXIT_OK, EXIT_UNFINISHED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

# Settings for crawling the loopback simulated web: no throttle, high concurrency.
FAST_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 20,
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "crawl",
        help="crawl county sites for annual reports into the archive",
        description="Crawl county government sites (the shipped registry, or --sites FILE), "
        "archive every response to WARC, and store each report with its provenance. "
        "Later runs revalidate what is known (docs/crawl.md, Recrawls).",
        epilog="exit codes: 0 finished; 1 stopped before finishing; 2 bad input; "
        "75 another crawl of this archive is running",
    )
    p.add_argument("--sites", metavar="FILE", help="sites CSV in the registry format")
    p.add_argument("--codes", help="comma-separated division codes (or prefixes) to crawl")
    p.add_argument("--max-sites", type=int, metavar="N", help="crawl only the first N sites")
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL (default: $GOV_REPORTS_DB or sqlite:///data/archive.sqlite)",
    )
    p.add_argument("--archive", metavar="DIR", help="WARC directory (default: data/warc)")
    p.add_argument("--proxy", metavar="URL", help="HTTP proxy for every request")
    p.add_argument(
        "--redis",
        metavar="URL",
        help="distributed run: seed it in this Redis, wait for `gov-reports worker`s to crawl "
        "it, print the report of all workers (default: $GOV_REPORTS_REDIS; needs PostgreSQL)",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="no AutoThrottle and no delays (only for the loopback simulated web)",
    )
    p.add_argument(
        "--now",
        metavar="ISO",
        help="the time the revisit schedule takes as now (tests, back-fills; default: clock)",
    )
    p.add_argument(
        "--json", action="store_true", help="print the run report as JSON (summary on stderr)"
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="print only the one-line summary (for cron)"
    )
    p.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    add_setting_option(p, "any Scrapy setting, e.g. -s CONCURRENT_REQUESTS_PER_DOMAIN=1")
    p.set_defaults(func=cmd_crawl)

    d = subparsers.add_parser(
        "demo-crawl",
        help="crawl the simulated web into data/demo/ and print the run report",
    )
    d.add_argument("--out", default="data/demo", help="output directory (default data/demo)")
    d.add_argument("--sites", type=int, default=20, help="simulated sites (default 20)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=lambda a: run_demo(a.out, sites=a.sites, seed=a.seed))


def add_setting_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`-s NAME=VALUE`, repeatable (read with `_overrides`)."""
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help=help_text
    )


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"bad setting {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


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


def print_report(report: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """The run report as a short human-readable table."""
    t = report["totals"]
    print(f"crawl {report['crawl_id']}: {report['status']}", file=out)
    print(
        f"sites {t.get('sites', 0)}  pages {t.get('pages', 0)}  reports found "
        f"{t.get('reports_found', 0)}  new {t.get('new', 0)}  duplicate {t.get('duplicate', 0)}  "
        f"failed {t.get('failed', 0)}  not reports {t.get('not_reports', 0)}  "
        f"robots-blocked {t.get('robots_blocked', 0)}  pages/report {t.get('pages_per_report')}",
        file=out,
    )
    print(
        f"{'code':<8} {'host':<28} {'status':<15} {'cms':<8} {'pages':>6} {'reports':>7} "
        f"{'new':>5} {'dup':>5} {'failed':>6}",
        file=out,
    )
    for s in report["sites"]:
        print(
            f"{s['code']:<8} {s['host'][:28]:<28} {s['status']:<15} {s.get('cms') or '-':<8} "
            f"{s['pages']:>6} {s['reports']:>7} {s['new']:>5} {s['duplicate']:>5} "
            f"{s['failed']:>6}",
            file=out,
        )


def summary_line(report: dict[str, Any]) -> str:
    """One line a cron mail can show: outcome, size and what changed."""
    t = report["totals"]
    mb = t.get("bytes", 0) / 1e6
    resumed = report.get("resumed_after") or []
    tail = f"; resumed after {len(resumed)} interrupted run(s)" if resumed else ""
    return (
        f"gov-reports crawl {report['crawl_id']}: {report['status']} in "
        f"{report.get('elapsed_s', '?')}s; {t.get('sites', 0)} sites, "
        f"{t.get('responses', 0)} responses, {mb:.1f} MB; reports {t.get('reports_found', 0)} "
        f"(new {t.get('new', 0)}, revised {t.get('revised', 0)}, "
        f"unchanged {t.get('unchanged', 0)}), revisits {t.get('revisits', 0)}, "
        f"gone {t.get('gone', 0)}, not due {t.get('not_due', 0)}, failed {t.get('failed', 0)}"
        f"{tail}"
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    try:
        extra: dict[str, Any] = dict(_overrides(args.set))
        if args.quiet:  # cron: the summary line only, no progress lines
            extra.setdefault("GOV_REPORTS_PROGRESS_INTERVAL", 0)
        if args.sites:
            load_sites(args.sites)  # a bad file fails here with a one-line message
        report = run_crawl(
            sites=args.sites,
            codes=args.codes,
            max_sites=args.max_sites,
            db=args.db,
            archive=args.archive,
            proxy=args.proxy,
            fast=args.fast,
            log_level=args.log_level,
            extra=extra,
            now=args.now,
            redis=args.redis,
        )
    except LockBusy as exc:
        print(f"gov-reports crawl: {exc}; not starting a second run", file=sys.stderr)
        return EXIT_LOCKED
    except (SitesError, StorageError, ScheduleError, ValueError, RedisUnavailable) as exc:
        print(f"gov-reports crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if report is None:
        print("gov-reports crawl: the crawl stored no run report", file=sys.stderr)
        return EXIT_UNFINISHED
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        print(summary_line(report), file=sys.stderr)
    elif args.quiet:
        print(summary_line(report))
    else:
        print_report(report)
        print(summary_line(report))
    return EXIT_OK if report.get("status") == "finished" else EXIT_UNFINISHED


def run_demo(out_dir: str | Path = "data/demo", *, sites: int = 20, seed: int = 1) -> int:
    """Serve the simulated web, crawl it into a fresh archive under `out_dir`, print the report."""
    from sim import SimWeb, serve_in_thread

    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    web = SimWeb(sites=sites, seed=seed, epoch=0, faults=0.0)
    sites_csv = out / "sites.csv"
    web.write_sites_csv(sites_csv)
    web.write_truth(out / "truth.jsonl")
    db = f"sqlite:///{(out / 'archive.sqlite').resolve()}"
    with serve_in_thread(web, port=0) as server:
        report = run_crawl(
            sites=str(sites_csv),
            db=db,
            archive=str(out / "warc"),
            proxy=server.proxy_url,
            fast=True,
        )
    if report is None:
        print("demo-crawl: no run report", file=sys.stderr)
        return 1
    print_report(report)
    print(f"\narchive: {db}\nWARC files: {out / 'warc'}\nanswer key: {out / 'truth.jsonl'}")
    return 0
