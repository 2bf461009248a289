"""`gov-reports serve` under load: p50/p95/p99 latency of search and of the report page with
8 concurrent clients over loopback, on a generated archive of 100,000 reports (the one
bench.query builds: real parsed reports varied over the registry's counties and years).

    python -m bench.serve                      # builds data/bench/archive.sqlite first if missing
    python -m bench.serve --db data/bench/archive.sqlite --clients 8 --requests 800 --workers 2
    python -m bench.serve --db postgresql+psycopg://postgres@127.0.0.1/bench   # built before
    python -m bench.serve --phases report-page,report-api --workers 1
    python -m bench.serve --threads 40          # anyio's default pool, for comparison

Each phase sends `--requests` requests spread over `--clients` threads, each with its own
keep-alive connection; the server (`serve --workers N --threads T`) runs in its own processes. A static
file under the same load is the baseline: what the server, the loopback and the clients cost
without a query. Besides latency, each phase reports the server's CPU time per request (all
its processes, from /proc): unlike latency it hardly depends on what else runs on the machine.
Then, in this process, the search page's parts are timed one by one (CPU): the ranked search
with its total (counted up to 500), the facet counts and the rest, to show which part the
page waits for.
With a PostgreSQL URL (an archive built before: `python -m bench.query --build URL`) each
phase also gives the CPU per request of the database backends the server is connected to.
Nothing is cached: every request is answered from the database.
Goal: p95 ≤ 100 ms for search and for the report page.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from tests.web_archive import serve_process

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


def db_url(db: str) -> str:
    """`--db` as a database URL: a URL as given, a file path as SQLite."""
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def sample_doc_ids(url: str, n: int, seed: int) -> list[str]:
    from sqlalchemy import select

    from storage.db import open_readonly
    from storage.models import Document

    sessions = open_readonly(url)
    with sessions() as s:
        ids = list(s.scalars(select(Document.doc_id).order_by(Document.id)))
    sessions.kw["bind"].dispose()
    return random.Random(seed).sample(ids, min(n, len(ids)))


def report_count(url: str) -> int:
    from storage.db import open_readonly
    from storage.query import count

    sessions = open_readonly(url)
    with sessions() as s:
        n = count(s)
    sessions.kw["bind"].dispose()
    return n


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


@contextmanager
def server(*args: str) -> Iterator[tuple[str, int]]:
    """`gov-reports serve ARGS` on a free loopback port: (base URL, pid), once it answers."""
    with serve_process(*args, startup_seconds=120) as (base, proc):
        yield base, proc.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its child processes (Linux /proc), in seconds."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # itself or a worker
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def backend_cpu(url: str) -> dict[int, float]:
    """PostgreSQL: CPU seconds of each server backend connected to this database (the
    server's pool; read from /proc, so the database must run on this machine); {} else."""
    if not url.startswith("postgresql"):
        return {}
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        out = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    engine.dispose()
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


PHASES = {
    "static": "baseline: static file",
    "search-api": "search API (/api/reports?q=…)",
    "search-page": "search page with facets (/?q=…)",
    "report-page": "report page (/reports/{doc_id})",
    "report-api": "report API (/api/reports/{doc_id})",
}


def breakdown(db: str, urls: list[str]) -> dict[str, float]:
    """Mean CPU ms, in this process, of the search page's parts for these page URLs: the
    ranked search with its total counted up to storage.query.TOTAL_CAP
    (storage.query.search_results, what the search API also runs), the facet counts
    tallied from the matches it counted (storage.facets.of_matches), and the whole page
    (TestClient, nothing else running in this process)."""
    import warnings

    from fastapi.testclient import TestClient

    from service.web.app import create_app
    from storage import query
    from storage.db import open_readonly
    from storage.facets import of_matches
    from storage.filters import ReportFilter

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    sessions = open_readonly(db)
    parts: dict[str, list[float]] = {"search": [], "facets": [], "page": []}
    client = TestClient(create_app(sessions))
    for url in urls:
        params = dict(parse_qsl(urlsplit(url).query))
        q = params.pop("q")
        flt = ReportFilter.from_params(params)
        with sessions() as s:
            t = time.process_time()
            found = query.search_results(s, q, flt, limit=21)
            parts["search"].append(time.process_time() - t)
            t = time.process_time()
            of_matches(found.matches, exact=found.total_exact)
            parts["facets"].append(time.process_time() - t)
        t = time.process_time()
        client.get(url)
        parts["page"].append(time.process_time() - t)
    sessions.kw["bind"].dispose()
    return {f"{k}_cpu_ms": round(statistics.mean(v) * 1000, 1) for k, v in parts.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--db",
        default="data/bench/archive.sqlite",
        help="a SQLite file (built when missing) or a database URL (postgresql+psycopg://…)",
    )
    p.add_argument("--reports", type=int, default=100_000, help="when the archive is built")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=800, help="per phase")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=2, help="serve --workers (default 2)")
    p.add_argument("--threads", type=int, help="serve --threads (default: serve's)")
    p.add_argument(
        "--phases", default=",".join(PHASES), help=f"some of {','.join(PHASES)} (default all)"
    )
    p.add_argument(
        "--breakdown", type=int, default=40, help="search pages timed in parts (0: none)"
    )
    args = p.parse_args(argv)
    wanted = args.phases.split(",")
    if unknown := [w for w in wanted if w not in PHASES]:
        p.error(f"unknown phase {unknown[0]!r} (one of {', '.join(PHASES)})")
    url = db_url(args.db)
    if "://" not in args.db and not Path(args.db).exists():
        from bench.query import build

        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        print(build(url, args.reports), file=sys.stderr)
    from storage.db import StorageError

    try:
        docs = sample_doc_ids(url, args.requests, args.seed)
    except StorageError as exc:  # a wrong URL or file: one line naming it, no traceback
        print(f"bench.serve: {exc}", file=sys.stderr)
        return 2
    if not docs:
        print(f"bench.serve: no reports in {args.db}: nothing to measure", file=sys.stderr)
        return 2
    urls = {
        "static": ["/static/style.css"] * args.requests,
        "search-api": search_urls(args.requests, args.seed, page=False),
        "search-page": search_urls(args.requests, args.seed + 1, page=True),
        "report-page": [f"/reports/{d}" for d in docs],
        "report-api": [f"/api/reports/{d}" for d in docs[::-1]],
    }
    results: dict[str, dict[str, Any]] = {}
    serve_args = ["--workers", str(args.workers)] if args.workers != 1 else []
    if args.threads:
        serve_args += ["--threads", str(args.threads)]
    with server("--db", url, *serve_args) as (base, pid):
        run_phase(base, urls["search-api"][:40], args.clients)  # warm up
        for key in wanted:
            load, cpu, db_cpu = os.getloadavg()[0], cpu_seconds(pid), backend_cpu(url)
            result: dict[str, Any] = run_phase(base, urls[key], args.clients)
            result["server_cpu_ms_per_request"] = round(
                (cpu_seconds(pid) - cpu) * 1000 / len(urls[key]), 1
            )
            if db_cpu:  # PostgreSQL's own work for the server (backends that ended uncounted)
                spent = sum(t - db_cpu.get(p, 0.0) for p, t in backend_cpu(url).items())
                result["db_cpu_ms_per_request"] = round(spent * 1000 / len(urls[key]), 1)
            # The machine's load (1-minute average) before and after the phase: other work
            # on the box slows every phase, the static-file baseline included.
            result["load"] = [round(load, 1), round(os.getloadavg()[0], 1)]
            results[PHASES[key]] = result
            print(f"{PHASES[key]:40s} {json.dumps(result)}", flush=True)
    n = report_count(url)
    floor = results.get(PHASES["static"], {}).get("p95_ms")
    print(
        f"\n{n:,} reports ({url.split(':', 1)[0]}), {args.clients} clients, {args.workers} server workers"
        f"{f' of {args.threads} threads' if args.threads else ''}, "
        f"{os.cpu_count()} CPUs; p95 (and vs the static-file baseline):"
    )
    for name, r in results.items():
        verdict = (
            "" if name.startswith("baseline") else (" ok" if r["p95_ms"] <= 100 else " OVER 100 ms")
        )
        ratio = f"({r['p95_ms'] / floor:5.1f}x)" if floor else ""
        print(f"  {name:40s} p95 {r['p95_ms']:7.1f} ms  {ratio}{verdict}")
    if args.breakdown and "search-page" in wanted:
        parts = breakdown(url, urls["search-page"][: args.breakdown])
        print(f"\nsearch page in parts, CPU ms per page in this process: {json.dumps(parts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
