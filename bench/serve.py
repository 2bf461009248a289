"""`gov-reports serve` under load: p50/p95/p99 latency of search and of the report page with
8 concurrent clients over loopback, on a generated archive of 100,000 reports (the one
bench.query builds: real parsed reports varied over the registry's counties and years).

    python -m bench.serve                      # builds data/bench/archive.sqlite first if missing
    python -m bench.serve --db data/bench/archive.sqlite --clients 8 --requests 800

Each phase sends `--requests` requests spread over `--clients` threads, each with its own
keep-alive connection; the server runs in its own process. A static file under the same load
is the baseline: what the server, the loopback and the clients cost without a query.
Goal: p95 ≤ 100 ms for search and for the report page.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.web_archive import serving

WORDS = (
    "复议",
    "诉讼",
    "公开",
    "申请",
    "预算",
    "不予公开",
    "行政复议",
    "依申请公开",
    "信息",
    "政府",
)
PROVINCES = ("河南省", "安徽省", "山东省", "浙江省", "云南省", "江苏省", "四川省", "广东省")


def sample_doc_ids(db_file: Path, n: int, seed: int) -> list[str]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    conn.close()
    return random.Random(seed).sample(ids, min(n, len(ids)))


def search_urls(n: int, seed: int, *, page: bool) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        q = quote(rng.choice(WORDS))
        extra = ""
        if rng.random() < 0.5:
            extra = f"&province={quote(rng.choice(PROVINCES))}"
        elif rng.random() < 0.5:
            extra = f"&year={rng.randint(2008, 2025)}"
        out.append(f"/?q={q}{extra}" if page else f"/api/reports?q={q}{extra}")
    return out


def run_phase(base: str, urls: list[str], clients: int) -> dict[str, float]:
    """Send `urls` from `clients` threads; latency percentiles in ms and throughput."""
    host = urlsplit(base)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    shares = [urls[i::clients] for i in range(clients)]

    def client(mine: list[str]) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        local = []
        for url in mine:
            start = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Accept": "text/html,application/json"})
                resp = conn.getresponse()
                resp.read()
            except OSError as exc:
                errors.append(f"{exc!r} {url}")
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
                continue
            local.append(time.perf_counter() - start)
            if resp.status != 200:
                errors.append(f"{resp.status} {url}")
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    ms = sorted(x * 1000 for x in latencies)
    return {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
        "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 1),
        "req_per_s": round(len(ms) / wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="data/bench/archive.sqlite")
    p.add_argument("--reports", type=int, default=100_000, help="when the archive is built")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=800, help="per phase")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    db_file = Path(args.db)
    if not db_file.exists():
        from bench.query import build

        db_file.parent.mkdir(parents=True, exist_ok=True)
        print(build(f"sqlite:///{db_file}", args.reports), file=sys.stderr)
    docs = sample_doc_ids(db_file, args.requests, args.seed)
    phases = {
        "baseline: static file": ["/static/style.css"] * args.requests,
        "search API (/api/reports?q=…)": search_urls(args.requests, args.seed, page=False),
        "search page with facets (/?q=…)": search_urls(args.requests, args.seed + 1, page=True),
        "report page (/reports/{doc_id})": [f"/reports/{d}" for d in docs],
        "report API (/api/reports/{doc_id})": [f"/api/reports/{d}" for d in docs[::-1]],
    }
    results = {}
    with serving("--db", str(db_file)) as base:
        run_phase(base, phases["search API (/api/reports?q=…)"][:40], args.clients)  # warm up
        for name, urls in phases.items():
            results[name] = run_phase(base, urls, args.clients)
            print(f"{name:40s} {json.dumps(results[name])}", flush=True)
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    n = conn.execute("SELECT count(*) FROM report_versions WHERE current").fetchone()[0]
    conn.close()
    floor = results["baseline: static file"]["p95_ms"]
    print(f"\n{n:,} reports, {args.clients} clients; p95 vs the static-file baseline:")
    for name, r in results.items():
        verdict = (
            "" if name.startswith("baseline") else (" ok" if r["p95_ms"] <= 100 else " OVER 100 ms")
        )
        print(f"  {name:40s} p95 {r['p95_ms']:7.1f} ms  ({r['p95_ms'] / floor:5.1f}x){verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
