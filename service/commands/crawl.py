"""`gov-reports crawl`: run the gov_reports spider in-process and print the run report.

Every run after the first is a recrawl (docs/crawl.md, "Recrawls"): known URLs are revalidated
with conditional requests, unchanged pages cost a WARC revisit record, revised reports become
new versions, vanished ones are marked gone. One run at a time per archive (storage.lock).

Exit codes (service.exits): 0 the run finished; 1 it stopped before finishing (or stored no
report); 2 bad input (sites file, setting, --now, database URL); 69 every site failed
(EX_UNAVAILABLE); 70 extraction crashed on every document it was given, three or more
(EX_SOFTWARE); 74 the archive could not be written (EX_IOERR: read-only, disk full); 75
another crawl holds the lock (EX_TEMPFAIL: cron simply tries again next time).

The crawl itself is `crawler.run.run_crawl`; errors become exit codes in `service.cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from crawler.run import parse_overrides, run_crawl
from crawler.sites import load_sites
from service.exits import EXIT_ARCHIVE_FAILED, EXIT_BY_OUTCOME, EXIT_LOCKED, EXIT_UNFINISHED

__all__ = ["EXIT_LOCKED", "cmd_crawl", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "crawl",
        help="crawl county sites for annual reports into the archive",
        description="Crawl county government sites (the shipped registry, or --sites FILE), "
        "archive every response to WARC, and store each report with its provenance. "
        "Later runs revalidate what is known (docs/crawl.md, Recrawls).",
        epilog="exit codes: 0 finished; 1 stopped before finishing; 2 bad input; "
        "69 every site failed; 70 extraction crashed on every document; "
        "74 the archive could not be written; "
        "75 another crawl of this archive is running",
    )
    p.add_argument("--sites", metavar="FILE", help="sites CSV in the registry format")
    p.add_argument("--codes", help="comma-separated division codes (or prefixes) to crawl")
    p.add_argument("--max-sites", type=_positive, metavar="N", help="crawl only the first N sites")
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL (default: $GOV_REPORTS_DB or crawler/settings.py)",
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
    p.add_argument(
        "--log-level",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        help="Scrapy log level (default WARNING; CRITICAL with -q)",
    )
    add_setting_option(p, "any Scrapy setting, e.g. -s CONCURRENT_REQUESTS_PER_DOMAIN=1")
    p.set_defaults(func=cmd_crawl)


def add_setting_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`-s NAME=VALUE`, repeatable (read with crawler.run.parse_overrides)."""
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help=help_text
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def print_report(report: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """The run report as a short human-readable table."""
    t = report["totals"]
    print(f"crawl {report['crawl_id']}: {report['status']}", file=out)
    print(
        f"sites {t.get('sites', 0)}  pages {t.get('pages', 0)}  reports found "
        f"{t.get('reports_found', 0)}  new {t.get('new', 0)}  duplicate {t.get('duplicate', 0)}  "
        f"failed {t.get('failed', 0)}  not reports {t.get('not_reports', 0)}  "
        f"robots-blocked sites {t.get('status_robots-blocked', 0)} "
        f"(URLs {t.get('robots_blocked', 0)})  pages/report {t.get('pages_per_report') or '-'}",
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


def report_counts(totals: dict[str, Any]) -> dict[str, int]:
    """The reports a run saw, in parts that add up: new (first seen), revised (a new version
    of a known report), unchanged (known, same bytes), already stored (known, seen at another
    URL); `reports` is their sum."""
    new_all = int(totals.get("new", 0))  # includes the revised ones
    revised = int(totals.get("revised", 0))
    unchanged = int(totals.get("unchanged", 0))
    known = max(0, int(totals.get("reports_found", 0)) - new_all)
    parts = {"new": new_all - revised, "revised": revised, "unchanged": unchanged, "known": known}
    return {"reports": sum(parts.values()), **parts}


def summary_line(report: dict[str, Any]) -> str:
    """One line a cron mail can show: outcome (with its cause), size and what changed."""
    t = report["totals"]
    mb = t.get("bytes", 0) / 1e6
    resumed = report.get("resumed_after") or []
    tail = f"; resumed after {len(resumed)} interrupted run(s)" if resumed else ""
    n = report_counts(t)
    unreachable = t.get("status_unreachable", 0)
    return (
        f"gov-reports crawl {report['crawl_id']}: {report['status']} in "
        f"{report.get('elapsed_s', '?')}s; {t.get('sites', 0)} sites ({unreachable} unreachable), "
        f"{t.get('responses', 0)} responses, {mb:.1f} MB; reports {n['reports']} "
        f"(new {n['new']}, revised {n['revised']}, unchanged {n['unchanged']}, "
        f"already stored {n['known']}), revisits {t.get('revisits', 0)}, "
        f"gone {t.get('gone', 0)}, not due {t.get('not_due', 0)}, failed {t.get('failed', 0)}"
        f"{tail}"
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    extra: dict[str, Any] = dict(parse_overrides(args.set))
    if args.quiet:  # cron: the summary line only, no progress lines
        extra.setdefault("GOV_REPORTS_PROGRESS_INTERVAL", 0)
    # -q: one line on success, and no Scrapy log (a site outage is in the summary)
    log_level = args.log_level or ("CRITICAL" if args.quiet else "WARNING")
    if args.sites:
        load_sites(args.sites)  # a bad file fails here, before anything is opened
    try:
        report = run_crawl(
            sites=args.sites,
            codes=args.codes,
            max_sites=args.max_sites,
            db=args.db,
            archive=args.archive,
            proxy=args.proxy,
            fast=args.fast,
            log_level=log_level,
            extra=extra,
            now=args.now,
            redis=args.redis,
        )
    except OSError as exc:  # the archive directory cannot be made or written at start-up
        where = f": {exc.filename}" if exc.filename else ""
        print(
            f"gov-reports crawl: archive not writable ({exc.strerror or exc}{where})",
            file=sys.stderr,
        )
        return EXIT_ARCHIVE_FAILED
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
    outcome = report.get("outcome") or ("finished" if report.get("status") == "finished" else "")
    return EXIT_BY_OUTCOME.get(outcome, EXIT_UNFINISHED)
