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
from crawler.schedule import ScheduleError, parse_now
from crawler.sites import SitesError, load_sites
from storage.db import StorageError, open_database
from storage.lock import LockBusy
from storage.query import run_report

EXIT_OK, EXIT_UNFINISHED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75
# sysexits.h: every site failed (EX_UNAVAILABLE); the archive could not be written (EX_IOERR).
EXIT_SITES_FAILED, EXIT_ARCHIVE_FAILED = 69, 74
EXIT_BY_OUTCOME = {
    "finished": EXIT_OK,
    "stopped": EXIT_UNFINISHED,
    "sites-failed": EXIT_SITES_FAILED,
    "archive-failed": EXIT_ARCHIVE_FAILED,
}

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
    p.add_argument("--max-sites", type=_positive, metavar="N", help="crawl only the first N sites")
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL (default: $GOV_REPORTS_DB or sqlite:///data/archive.sqlite)",
    )
    p.add_argument("--archive", metavar="DIR", help="WARC directory (default: data/warc)")
    p.add_argument("--proxy", metavar="URL", help="HTTP proxy for every request")
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
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy setting, e.g. -s CONCURRENT_REQUESTS_PER_DOMAIN=1",
    )
    p.set_defaults(func=cmd_crawl)

    d = subparsers.add_parser(
        "demo-crawl",
        help="crawl the simulated web into data/demo/ and print the run report",
    )
    d.add_argument("--out", default="data/demo", help="output directory (default data/demo)")
    d.add_argument("--sites", type=int, default=20, help="simulated sites (default 20)")
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(func=lambda a: run_demo(a.out, sites=a.sites, seed=a.seed))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _overrides(pairs: list[str]) -> dict[str, str]:
    """`-s NAME=VALUE` pairs, each value checked against its setting's type (the type of its
    default: project settings, then Scrapy's), so `-s GOV_REPORTS_MAX_HOPS=abc` is a one-line
    usage error instead of a crawl that ignores it or dies in the middle."""
    from scrapy.settings import Settings

    defaults = Settings()
    defaults.setmodule("crawler.settings", priority="project")
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"bad setting {pair!r}: expected NAME=VALUE")
        expected = _setting_type_error(name, value, defaults.get(name))
        if expected:
            raise ValueError(f"bad setting {name}={value!r}: expected {expected}")
        out[name] = value
    return out


_WHOLE = {"GOV_REPORTS_EXTRACT_WORKERS"}  # declared "" (= automatic) but read as a number


def _setting_type_error(name: str, value: str, default: Any) -> str | None:
    """What `value` should have been for a setting whose default is `default`; None if fine."""
    if name == "GOV_REPORTS_NOW":
        parse_now(value)  # ScheduleError names the problem
        return None
    if isinstance(default, bool):
        ok = value.strip().lower() in {"0", "1", "true", "false"}
        return None if ok else "True or False"
    if isinstance(default, int) or (name in _WHOLE and value.strip()):
        ok = value.strip().isdigit()
        return None if ok else "a whole number (0 or more)"
    if isinstance(default, float):
        try:
            ok = 0 <= float(value) < float("inf")
        except ValueError:
            ok = False
        return None if ok else "a number (0 or more)"
    if isinstance(default, (dict, list)) or (
        default is not None and hasattr(default, "copy_to_dict")
    ):
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
    try:
        extra: dict[str, Any] = dict(_overrides(args.set))
        if args.quiet:  # cron: the summary line only, no progress lines
            extra.setdefault("GOV_REPORTS_PROGRESS_INTERVAL", 0)
        # -q: one line on success, and no Scrapy log (a site outage is in the summary)
        log_level = args.log_level or ("CRITICAL" if args.quiet else "WARNING")
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
            log_level=log_level,
            extra=extra,
            now=args.now,
        )
    except LockBusy as exc:
        print(f"gov-reports crawl: {exc}; not starting a second run", file=sys.stderr)
        return EXIT_LOCKED
    except OSError as exc:  # the archive directory cannot be made or written at start-up
        where = f": {exc.filename}" if exc.filename else ""
        print(
            f"gov-reports crawl: archive not writable ({exc.strerror or exc}{where})",
            file=sys.stderr,
        )
        return EXIT_ARCHIVE_FAILED
    except (SitesError, StorageError, ScheduleError, ValueError) as exc:
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
    outcome = report.get("outcome") or ("finished" if report.get("status") == "finished" else "")
    return EXIT_BY_OUTCOME.get(outcome, EXIT_UNFINISHED)


_DEMO_MARK = ".gov-reports-demo"  # written into every directory a demo created
_DEMO_OUTPUTS = ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm", "archive.sqlite.lock",
                 "warc", "warc.lock", "sites.csv", "truth.jsonl")  # fmt: skip


def _fresh_demo_dir(out: Path) -> None:
    """Make `out` ready for a demo. Only what an earlier demo wrote there (its mark proves
    it) is removed; an existing directory the program did not create is refused, never
    deleted."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / _DEMO_MARK).is_file():
            raise FileExistsError(
                f"--out {out} exists and was not made by gov-reports demo: "
                "choose a new or empty directory (nothing was deleted)"
            )
        for name in _DEMO_OUTPUTS:
            path = out / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / _DEMO_MARK).write_text("created by gov-reports demo; safe to delete\n")


def run_demo(out_dir: str | Path = "data/demo", *, sites: int = 20, seed: int = 1) -> int:
    """Serve the simulated web, crawl it into a fresh archive under `out_dir`, print the report."""
    from sim import SimWeb, serve_in_thread

    out = Path(out_dir)
    try:
        _fresh_demo_dir(out)
    except OSError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
