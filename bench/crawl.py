"""Crawl benchmark: pages/second of the full pipeline beside a bare link-following spider.

    .venv/bin/python -m bench.crawl [--sites 20] [--seed 1]

Both crawls run against the same simulated sites through the same proxy with the same
settings (robots.txt obeyed, no AutoThrottle, same concurrency), each in its own subprocess
(Twisted's reactor cannot restart). The bare spider follows every in-scope link (attachments
included) and does nothing else: no WARC, no extraction, no database. It stops after as many
pages as the full crawl fetched, so both rates are over the same amount of fetching.
Reports pages/s of each, their ratio (goal ≥ 0.7), peak memory and the discovery scores.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_children_mb": round(kids, 1)}


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
    from service.commands.crawl import run_crawl

    started = time.monotonic()
    report = run_crawl(
        sites=args.sites_csv,
        db=f"sqlite:///{args.work}/full.sqlite",
        archive=f"{args.work}/warc",
        proxy=args.proxy,
        fast=True,
        log_level="ERROR",
        extra={"GOV_REPORTS_PROGRESS_INTERVAL": 0},
    )
    elapsed = time.monotonic() - started
    assert report is not None
    return {
        "pages": report["totals"]["pages"],
        "seconds": round(elapsed, 2),
        "reports": report["totals"]["reports_found"],
        **_peak_rss_mb(),
    }


def child_bare(args: argparse.Namespace) -> dict[str, Any]:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from service.commands.crawl import FAST_SETTINGS

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            **FAST_SETTINGS,
            "GOV_REPORTS_PROXY": args.proxy,
            "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.ProxyMiddleware": 740},
            "ITEM_PIPELINES": {},
            "EXTENSIONS": {},  # no crawl context: no lock, database or run record
            "LOG_LEVEL": "ERROR",
            "CLOSESPIDER_PAGECOUNT": args.pages,
            **_delay(args),
        },
        priority="cmdline",
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, sites=args.sites_csv)
    process.start()
    elapsed = time.monotonic() - started
    pages = crawler.stats.get_value("response_received_count", 0)
    return {"pages": pages, "seconds": round(elapsed, 2), **_peak_rss_mb()}


def _child(
    mode: str, work: Path, sites_csv: Path, proxy: str, pages: int = 0, delay: float = 0.0
) -> dict[str, Any]:
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
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench.crawl: the {mode} crawl failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    p.add_argument("--child", choices=["full", "bare"], help=argparse.SUPPRESS)
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
    from storage.db import open_database

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        work = Path(tmp)
        web = SimWeb(sites=args.sites, seed=args.seed)
        web.write_sites_csv(work / "sites.csv")
        web.write_truth(work / "truth.jsonl")
        with serve_in_thread(web, port=0) as server:
            # The full crawl runs first, so the bare one meets warmer simulator caches: the
            # ratio errs against the full pipeline.
            full = _child("full", work, work / "sites.csv", server.proxy_url, 0, args.delay)
            bare = _child(
                "bare", work, work / "sites.csv", server.proxy_url, full["pages"], args.delay
            )
        with open_database(f"sqlite:///{work}/full.sqlite")() as session:
            ev = evaluate(session, load_truth(work / "truth.jsonl"))
    full_rate = full["pages"] / full["seconds"]
    bare_rate = bare["pages"] / bare["seconds"]
    result = {
        "sites": args.sites,
        "delay": args.delay,
        "full": {**full, "pages_per_second": round(full_rate, 1)},
        "bare": {**bare, "pages_per_second": round(bare_rate, 1)},
        "ratio_full_to_bare": round(full_rate / bare_rate, 3),
        "pages_per_report": round(full["pages"] / max(1, full["reports"]), 2),
        "discovery": ev.summary(),
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
