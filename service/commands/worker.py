"""`gov-reports worker`: crawl for a distributed run (`gov-reports crawl --redis`) on this machine.

Waits for the run announced in Redis, crawls from its shared queue into the shared PostgreSQL
archive (its own WARC files under --archive) until the run is over, and exits. Run it under a
service manager that starts it again (README, "Distributed crawling").

Exit codes: 0 crawled a run (or none came within --wait); 1 the crawl stopped with an error;
2 cannot join (SQLite, wrong database, Redis unreachable, bad setting).
"""

from __future__ import annotations

import argparse
import sys

from crawler.distributed.keys import DEFAULT_PREFIX
from service.commands.crawl import add_setting_option
from service.exits import EXIT_OK, EXIT_UNFINISHED, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "worker",
        help="crawl for a distributed run (started by `gov-reports crawl --redis`)",
        description="Join the distributed crawl run announced in Redis, crawl from its shared "
        "queue into the shared PostgreSQL archive until the run is over, then exit.",
        epilog="exit codes: 0 crawled a run (or none came within --wait); 1 the crawl failed; "
        "2 cannot join (SQLite, wrong database, Redis unreachable)",
    )
    p.add_argument("--redis", metavar="URL", help="Redis URL (default: $GOV_REPORTS_REDIS)")
    p.add_argument("--db", metavar="URL", help="the coordinator's PostgreSQL URL ($GOV_REPORTS_DB)")
    p.add_argument(
        "--archive",
        metavar="DIR",
        help="where this machine mounts the run's shared WARC directory (default: the "
        "coordinator's --archive path)",
    )
    p.add_argument("--proxy", metavar="URL", help="HTTP proxy (default: the coordinator's)")
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="give up when no run starts within this time (default: wait for ever)",
    )
    p.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    add_setting_option(p, "a Scrapy setting for this worker only, e.g. -s CONCURRENT_REQUESTS=16")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    """Errors (SQLite, Redis unreachable, wrong database…) become exit 2 in service.cli."""
    from scrapy.settings import Settings

    from crawler.distributed.coordinator import require_postgres
    from crawler.distributed.worker import run_worker
    from crawler.run import parse_overrides

    defaults = Settings()
    defaults.setmodule("crawler.settings")
    redis_url = args.redis or defaults.get("GOV_REPORTS_REDIS")
    if not redis_url:
        print(
            "gov-reports worker: no Redis URL: give --redis or GOV_REPORTS_REDIS", file=sys.stderr
        )
        return EXIT_USAGE
    extra = parse_overrides(args.set)
    joined = run_worker(
        redis_url=redis_url,
        db=require_postgres(args.db or defaults.get("GOV_REPORTS_DB")),
        archive=args.archive,
        proxy=args.proxy,
        prefix=extra.get("GOV_REPORTS_REDIS_PREFIX")
        or defaults.get("GOV_REPORTS_REDIS_PREFIX")
        or DEFAULT_PREFIX,
        wait=args.wait,
        log_level=args.log_level,
        extra=extra,
    )
    if joined is None:
        print(f"gov-reports worker: no run started within {args.wait:g}s", file=sys.stderr)
        return EXIT_OK
    crawl_id, reason = joined
    print(f"gov-reports worker: run {crawl_id}: {reason}", file=sys.stderr)
    return EXIT_OK if reason == "finished" else EXIT_UNFINISHED
