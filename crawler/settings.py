"""Scrapy settings for the gov_reports project: the one place that reads environment variables.

Polite by default (robots.txt, AutoThrottle, per-domain concurrency, a descriptive User-Agent);
tests and the benchmark turn the throttle off with `-s`/`Settings.set`.
"""

from __future__ import annotations

import os

from storage.db import DEFAULT_DB_URL

BOT_NAME = "gov_reports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "gov-reports/0.1 (+https://github.com/gov-reports/gov-reports; research archive of "
    "government information-disclosure annual reports; obeys robots.txt)"
)
ROBOTSTXT_OBEY = True

# Politeness: one county server is one small machine.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's callback output (default
# 100: 150,000 tasks for 1,500 pages, a tenth of the crawl's CPU in the profile); a callback
# here yields at most one item, so a few are plenty.
CONCURRENT_ITEMS = 8
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts an HTTP server in every crawl that runs Python code sent to it, and leaves
# its port and token in a file under ~/.local/state/scrapy (a killed crawl never removes it):
# not for an archive's crawler.
REMOTE_CONTROL_ENABLED = False

# Breadth-first per site keeps list pages ahead of deep detail chains.
DEPTH_LIMIT = 40  # a hard stop; the spider's own hop limit (GOV_REPORTS_MAX_HOPS) is tighter
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

DOWNLOADER_MIDDLEWARES = {
    # First of all: only http and https are ever requested (no file://, ftp://, data:…).
    "crawler.middlewares.SchemeFilterMiddleware": 10,
    # Before HttpProxyMiddleware (750): every request, robots.txt included, gets the proxy.
    "crawler.middlewares.ProxyMiddleware": 740,
    # Above HttpCompressionMiddleware (590) and RedirectMiddleware (600): process_response sees
    # the body still Content-Encoded and every 3xx before it is followed.
    "crawler.middlewares.WarcArchiveMiddleware": 950,
}

# The crawl context (lock, database, run record, fetch states, workers): see crawler.context.
# It comes first, so every other component finds it built.
EXTENSIONS = {
    "crawler.context.CrawlContext": 0,
    "crawler.progress.Progress": 500,
}

ITEM_PIPELINES = {
    "crawler.pipelines.ingest.IngestPipeline": 100,
    "crawler.pipelines.dedupe.DedupePipeline": 300,
    "crawler.pipelines.store.StorePipeline": 500,
}

# Project settings: every GOV_REPORTS_* setting is declared here, once, with its default
# (tests/test_crawl_settings.py checks that no other module names one this file lacks).
# Overridable with `-s NAME=value`; the first four also from the environment.
GOV_REPORTS_DB = os.environ.get("GOV_REPORTS_DB", DEFAULT_DB_URL)
GOV_REPORTS_ARCHIVE = os.environ.get("GOV_REPORTS_ARCHIVE", "data/warc")
GOV_REPORTS_PROXY = os.environ.get("GOV_REPORTS_PROXY", "")
GOV_REPORTS_LOG_LEVEL = os.environ.get("GOV_REPORTS_LOG_LEVEL", "INFO")
GOV_REPORTS_CRAWL_ID = ""  # set per run by `gov-reports crawl`; generated when empty
GOV_REPORTS_NOW = ""  # the revisit schedule's clock (ISO date-time); empty: the real clock
GOV_REPORTS_MAX_HOPS = 6  # navigation hops from the home page (pagination does not count)
GOV_REPORTS_SITE_PAGE_BUDGET = 600  # requests per site per run (a fifth kept for reports)
GOV_REPORTS_MAX_LIST_PAGES = 200  # pages of one paginated list
GOV_REPORTS_WARC_MAX_SIZE = 1 << 30  # bytes per WARC file before the next one is started
GOV_REPORTS_EXTRACT_WORKERS = ""  # extraction/parsing processes; empty: CPUs (max 4); 0: inline
GOV_REPORTS_EXTRACT_TIMEOUT = 180.0  # seconds one document may take in a worker (0: no limit)
GOV_REPORTS_WORKER_MEMORY_MB = 2048  # address-space cap of each worker process (0: none)
# Runs in a row a document may fail to finish (time limit, dead worker) before its capture is
# `failed` and its URL back on the normal schedule (fetched again once it changes).
GOV_REPORTS_MAX_UNFINISHED_RUNS = 3  # 0: retry for ever
GOV_REPORTS_PROGRESS_INTERVAL = 0  # seconds between progress lines on stderr; 0: none
GOV_REPORTS_STORE_BATCH_SIZE = 50  # items (and fetch-state writes) per database transaction
GOV_REPORTS_STORE_BATCH_SECONDS = 2.0  # … or fewer, once the oldest has waited this long
# Distributed crawling (crawler/distributed/, `crawl --redis`, `worker`): the Redis server the
# run's workers share (also from the environment), the prefix of its keys, the seconds between
# two requests to one site summed over all workers, and how long the run must stay quiet
# (nothing queued, no worker busy) before it is over.
GOV_REPORTS_REDIS = os.environ.get("GOV_REPORTS_REDIS", "")
GOV_REPORTS_REDIS_PREFIX = "gov-reports"
GOV_REPORTS_SITE_INTERVAL = 1.0
GOV_REPORTS_IDLE_TIMEOUT = 10.0
GOV_REPORTS_WORKER_TIMEOUT = 60.0  # a worker not heard from for this long is taken for dead
GOV_REPORTS_WORKER_BACKLOG = 4  # a worker takes no more work while this many wait for a token
GOV_REPORTS_DISTRIBUTED = ""  # `coordinator` or `worker`: set by those commands, not by hand

LOG_LEVEL = GOV_REPORTS_LOG_LEVEL
