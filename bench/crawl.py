"""Crawl benchmark: pages/second of the full pipeline beside a bare link-following spider.

    .venv/bin/python -m bench.crawl [--sites 20] [--seed 1] [--repeat 3] [--warm] [--profile DIR]

Both crawls run against the same simulated sites through the same proxy with the same
settings (robots.txt obeyed, no AutoThrottle, same concurrency), each in its own subprocess
(Twisted's reactor cannot restart). The bare spider follows every in-scope link (attachments
included) and does nothing else: no WARC, no extraction, no database. It stops after as many
pages as the full crawl fetched, so both rates are over the same amount of fetching.
Reports pages/s of each, their ratio (goal ≥ 0.7), the same over the crawl phase alone (first
request out to last response in: `crawl_phase_ratio`, without start-up and shutdown), the
CPU time per page of each (crawl process and extraction workers), peak memory and the
discovery scores; --warm first runs one unmeasured pair so that neither measured crawl waits
for the simulator to generate a page; with --repeat N the pair runs N times (fresh archive
each time) and the ratios' spread is shown. --profile DIR also runs the full crawl once more under cProfile with extraction
in-process (GOV_REPORTS_EXTRACT_WORKERS=0, so the profile holds Scrapy, the pipeline and the
parser alike), writes DIR/full.prof and prints its top entries by own time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def bare_spider() -> type:
    """The baseline spider class. Scrapy is imported here, not at module level: the extraction
    workers re-run this module (multiprocessing's `__mp_main__`), and should not import Scrapy."""
    import scrapy
    from scrapy.http import Response, TextResponse
    from scrapy.linkextractors import LinkExtractor

    class BareSpider(scrapy.Spider):
        """Follow every link on the site's own domain; yield nothing."""

        name = "bare"

        def __init__(self, sites: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            from crawler.discovery.scope import site_base
            from crawler.sites import load_sites

            self.seeds = load_sites(sites)
            domains = sorted({site_base(s.host) for s in self.seeds})
            self.links = LinkExtractor(allow_domains=domains, deny_extensions=[])

        async def start(self) -> Iterator[scrapy.Request]:  # type: ignore[override]
            for site in self.seeds:
                yield scrapy.Request(site.url, callback=self.parse)

        def parse(self, response: Response) -> Iterator[scrapy.Request]:
            if not isinstance(response, TextResponse):
                return
            for link in self.links.extract_links(response):
                yield response.follow(link.url, callback=self.parse)

    return BareSpider


class CrawlClock:
    """A Scrapy extension noting when the crawl's first request left and its last response
    came: the crawl phase, without the process's start-up and shutdown (imports; for the full
    crawl also migrations, the extraction pool, the run report), ~8 % of a 20-site crawl."""

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self.first = self.last = 0.0
        self.out = Path(crawler.settings.get("BENCH_CLOCK_FILE"))
        crawler.signals.connect(self.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlClock:
        return cls(crawler)

    def request_reached(self, request: Any, spider: Any) -> None:
        self.first = self.first or time.monotonic()

    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        self.last = time.monotonic()

    def spider_closed(self, spider: Any) -> None:
        self.out.write_text(json.dumps(round(self.last - self.first, 3)))


def _clocked(extensions: dict[str, int], out: Path) -> dict[str, Any]:
    """Settings adding CrawlClock to `extensions`, writing the crawl phase's seconds to `out`."""
    return {
        "EXTENSIONS": {**extensions, "bench.crawl.CrawlClock": 900},
        "BENCH_CLOCK_FILE": str(out),
    }


def _crawl_seconds(out: Path) -> float:
    return float(json.loads(out.read_text()))


def _peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_children_mb": round(kids, 1)}


def _cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) of this process and of its waited-for descendants.

    The extraction workers are children of multiprocessing's forkserver, which lives until
    this process exits; it is stopped (and so waited for) first, so their time is counted.
    """
    try:
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # type: ignore[attr-defined]  # private, but stable
    except (AttributeError, OSError):
        pass
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        # The reactor's thread alone: the serial part, which bounds the crawl's rate whatever
        # the other threads (the pool's, the write batch's) and processes do beside it.
        "cpu_seconds_main_thread": round(time.thread_time(), 2),
        "cpu_seconds": round(own.ru_utime + own.ru_stime, 2),
        "cpu_seconds_children": round(kids.ru_utime + kids.ru_stime, 2),
    }


def _delay(args: argparse.Namespace) -> dict[str, Any]:
    """--delay: a polite per-site pace (as on real county servers) for both crawls."""
    if not args.delay:
        return {}
    return {
        "DOWNLOAD_DELAY": args.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
    }


def child_full(args: argparse.Namespace) -> dict[str, Any]:
    from crawler import settings as project
    from crawler.run import run_crawl

    clock = Path(args.work) / "clock-full.json"
    extra: dict[str, Any] = {
        "GOV_REPORTS_PROGRESS_INTERVAL": 0,
        **_clocked(project.EXTENSIONS, clock),
    }
    if args.budget:
        extra["GOV_REPORTS_SITE_PAGE_BUDGET"] = args.budget
    profiler = None
    if args.profile_out:
        import cProfile

        extra["GOV_REPORTS_EXTRACT_WORKERS"] = 0
        profiler = cProfile.Profile()
        profiler.enable()
    started = time.monotonic()
    report = run_crawl(
        sites=args.sites_csv,
        db=f"sqlite:///{args.work}/full.sqlite",
        archive=f"{args.work}/warc",
        proxy=args.proxy,
        fast=True,
        log_level="ERROR",
        extra=extra,
    )
    elapsed = time.monotonic() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile_out)
    assert report is not None
    return {
        "pages": report["totals"]["pages"],
        "seconds": round(elapsed, 2),
        "crawl_seconds": _crawl_seconds(clock),
        "reports": report["totals"]["reports_found"],
        **_peak_rss_mb(),
        **_cpu_seconds(),
    }


def child_bare(args: argparse.Namespace) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.run import FAST_SETTINGS

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            **FAST_SETTINGS,
            "GOV_REPORTS_PROXY": args.proxy,
            "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.ProxyMiddleware": 740},
            "ITEM_PIPELINES": {},
            # no crawl context: no lock, database or run record
            **_clocked({}, Path(args.work) / "clock-bare.json"),
            "LOG_LEVEL": "ERROR",
            "CLOSESPIDER_PAGECOUNT": args.pages,
            **_delay(args),
        },
        priority="cmdline",
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(bare_spider())
    started = time.monotonic()
    process.crawl(crawler, sites=args.sites_csv)
    process.start()
    elapsed = time.monotonic() - started
    pages = crawler.stats.get_value("response_received_count", 0)
    return {
        "pages": pages,
        "seconds": round(elapsed, 2),
        "crawl_seconds": _crawl_seconds(Path(args.work) / "clock-bare.json"),
        **_peak_rss_mb(),
        **_cpu_seconds(),
    }


def _child(
    mode: str,
    work: Path,
    sites_csv: Path,
    proxy: str,
    pages: int = 0,
    delay: float = 0.0,
    profile_out: str = "",
    budget: int = 0,
) -> dict[str, Any]:
    if mode == "full":  # each full crawl starts from an empty archive
        for old in ("full.sqlite", "full.sqlite-wal", "full.sqlite-shm"):
            (work / old).unlink(missing_ok=True)
        shutil.rmtree(work / "warc", ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "bench.crawl",
        "--child",
        mode,
        "--work",
        str(work),
        "--sites-csv",
        str(sites_csv),
        "--proxy",
        proxy,
        "--pages",
        str(pages),
        "--delay",
        str(delay),
        "--profile-out",
        profile_out,
        "--budget",
        str(budget),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench.crawl: the {mode} crawl failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rates(run: dict[str, Any]) -> dict[str, float]:
    return {
        "pages_per_second": round(run["pages"] / run["seconds"], 1),
        "crawl_pages_per_second": round(run["pages"] / max(run["crawl_seconds"], 1e-3), 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__.splitlines()[0])
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--delay",
        type=float,
        default=0.0,
        help="per-site download delay in seconds for both crawls (default 0: as fast "
        "as the loopback simulator answers)",
    )
    p.add_argument("--repeat", type=int, default=1, help="run the pair N times (default 1)")
    p.add_argument(
        "--budget",
        type=int,
        default=0,
        help="requests per site for the full crawl (GOV_REPORTS_SITE_PAGE_BUDGET; default: "
        "the setting's); the bare one stops after as many pages as the full one fetched",
    )
    p.add_argument(
        "--warm",
        action="store_true",
        help="run one unmeasured pair first, so both measured crawls meet a simulator that "
        "has every page generated and cached (without it the full crawl, which runs first, "
        "also waits for the simulator to render pages, PDFs and DOCX files)",
    )
    p.add_argument("--profile", metavar="DIR", help="also profile one full crawl into DIR")
    p.add_argument("--child", choices=["full", "bare"], help=argparse.SUPPRESS)
    p.add_argument("--profile-out", default="", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--sites-csv", help=argparse.SUPPRESS)
    p.add_argument("--proxy", help=argparse.SUPPRESS)
    p.add_argument("--pages", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        result = child_full(args) if args.child == "full" else child_bare(args)
        print(json.dumps(result))
        return 0

    from crawler.evaluate import evaluate, load_truth
    from sim import SimWeb, serve_in_thread
    from sim.attachments import pdf_font
    from storage.db import open_database

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(tmp)
        web = SimWeb(sites=args.sites, seed=args.seed)
        web.write_sites_csv(work / "sites.csv")
        web.write_truth(work / "truth.jsonl")
        runs = []
        with serve_in_thread(web, port=0) as server:
            for index in range(max(1, args.repeat) + (1 if args.warm else 0)):
                # The full crawl runs first, so the bare one meets warmer simulator caches:
                # the ratio errs against the full pipeline.
                full = _child(
                    "full",
                    work,
                    work / "sites.csv",
                    server.proxy_url,
                    0,
                    args.delay,
                    "",
                    args.budget,
                )
                bare = _child(
                    "bare", work, work / "sites.csv", server.proxy_url, full["pages"], args.delay
                )
                if not (args.warm and index == 0):  # the warm-up pair is not measured
                    runs.append((full, bare))
            with open_database(f"sqlite:///{work}/full.sqlite")() as session:
                ev = evaluate(session, load_truth(work / "truth.jsonl"))
            if args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                prof = str(Path(args.profile).resolve() / "full.prof")
                _child(
                    "full",
                    work,
                    work / "sites.csv",
                    server.proxy_url,
                    0,
                    args.delay,
                    prof,
                    args.budget,
                )
    ratios = [(f["pages"] / f["seconds"]) / (b["pages"] / b["seconds"]) for f, b in runs]
    full, bare = runs[-1]
    cpu = {
        name: round(1000 * (r["cpu_seconds"] + r["cpu_seconds_children"]) / max(1, r["pages"]), 1)
        for name, r in (("full", full), ("bare", bare))
    }
    result = {
        "sites": args.sites,
        "delay": args.delay,
        "budget": args.budget or None,
        "warm": args.warm,
        # The simulated PDFs' font: an embedded TrueType subset, or the CID-font fallback,
        # whose PDFs cost about twice the extraction (sim/attachments.py).
        "sim_pdf_font": pdf_font(),
        "full": {**full, **_rates(full)},
        "bare": {**bare, **_rates(bare)},
        "ratio_full_to_bare": round(ratios[-1], 3),
        # The same over the crawl phase only (first request out to last response in): the
        # rate a long crawl settles at, once start-up and shutdown are spread thin.
        "crawl_phase_ratio": round(
            _rates(full)["crawl_pages_per_second"] / _rates(bare)["crawl_pages_per_second"], 3
        ),
        # CPU per page, crawl process and extraction workers together: with C cores the
        # full pipeline cannot run faster than C / its CPU per page, whatever the overlap.
        "cpu_ms_per_page": cpu,
        # The reactor thread's CPU a page: the full crawl's serial part against the bare one's.
        "main_thread_cpu_ms_per_page": {
            name: round(1000 * r["cpu_seconds_main_thread"] / max(1, r["pages"]), 2)
            for name, r in (("full", full), ("bare", bare))
        },
        "ratios": [round(r, 3) for r in ratios],
        "ratio_min_median_max": [
            round(min(ratios), 3),
            round(sorted(ratios)[len(ratios) // 2], 3),
            round(max(ratios), 3),
        ],
        "pages_per_report": round(full["pages"] / max(1, full["reports"]), 2),
        "discovery": ev.summary(),
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.profile:
        import pstats

        print(f"\nprofile of one full crawl (extraction in-process): {prof}")
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
