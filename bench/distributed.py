"""Distributed crawl benchmark: pages/second with 1, 2 and 3 workers on the same simulated web.

    .venv/bin/python -m bench.distributed [--sites 8] [--seed 1] [--workers 1,2,3]
        [--redis redis://127.0.0.1:6379/0] [--pg postgresql+psycopg://postgres@127.0.0.1:5432]

The simulated web is served once, in this process's thread; a one-process `gov-reports crawl`
warms its response cache (not reported), then the same crawl is measured as the baseline, then
`gov-reports crawl --redis` with N `gov-reports worker` subprocesses, each run into a fresh
PostgreSQL database. pages/s = responses in the run report / wall time of the coordinator
(start-up and the idle timeout at the end included). The per-site interval is short (0.02 s)
so that politeness is not what limits: this measures how the crawl's own work spreads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from sim import SimWeb, serve_in_thread


def cli(*args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """A `gov-reports` subprocess; with `log`, its output goes to that file (a pipe nobody
    reads until the end would fill up and stall the process)."""
    out = log.open("w") if log else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", *args],
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        text=True,
    )


def fresh_db(admin: str) -> str:
    name = f"bench_dist_{uuid.uuid4().hex[:8]}"
    engine = create_engine(f"{admin}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{admin}/{name}"


def drop_db(admin: str, url: str) -> None:
    engine = create_engine(f"{admin}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def crawl(args: argparse.Namespace, proxy: str, work: Path, workers: int) -> dict[str, Any]:
    """One run; workers = 0: a plain one-process crawl (no Redis)."""
    db = fresh_db(args.pg)
    out = work / f"run-{workers}-{uuid.uuid4().hex[:6]}"
    common = ["--sites", str(work / "sites.csv"), "--db", db, "--archive", str(out / "warc")]
    common += ["--proxy", proxy, "--fast", "--json", "--now", "2027-06-01"]
    try:
        started = time.monotonic()
        if workers == 0:
            coord = cli("crawl", *common)
            procs = []
        else:
            prefix = f"bench-{uuid.uuid4().hex[:8]}"
            coord = cli(
                "crawl", *common, "--redis", args.redis,
                "-s", f"GOV_REPORTS_REDIS_PREFIX={prefix}", "-s", "GOV_REPORTS_SITE_INTERVAL=0.02",
                "-s", "GOV_REPORTS_IDLE_TIMEOUT=2", "-s", "GOV_REPORTS_WORKER_TIMEOUT=10",
            )  # fmt: skip
            out.mkdir(parents=True, exist_ok=True)
            procs = [
                cli(
                    "worker",
                    "--redis",
                    args.redis,
                    "--db",
                    db,
                    "--wait",
                    "60",
                    "-s",
                    f"GOV_REPORTS_REDIS_PREFIX={prefix}",
                    log=out / f"worker-{i}.log",
                )
                for i in range(workers)
            ]
        stdout, stderr = coord.communicate(timeout=3600)
        wall = time.monotonic() - started
        for p in procs:
            p.communicate(timeout=120)
        if coord.returncode != 0:
            raise SystemExit(f"crawl failed ({coord.returncode}): {stderr[-2000:]}")
        totals = json.loads(stdout)["totals"]
    finally:
        drop_db(args.pg, db)
    return {
        "workers": workers or "one process",
        "wall_s": round(wall, 1),
        "responses": totals["responses"],
        "reports": totals["reports_found"],
        "pages_per_s": round(totals["responses"] / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    web = SimWeb(sites=args.sites, seed=args.seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp, serve_in_thread(web) as server:
        work = Path(tmp)
        web.write_sites_csv(work / "sites.csv")
        crawl(args, server.proxy_url, work, 0)  # warm the simulator's response cache
        for n in [0] + [int(x) for x in args.workers.split(",")]:
            results.append(crawl(args, server.proxy_url, work, n))
            print(json.dumps(results[-1]), flush=True)
    base = results[0]["pages_per_s"]
    print(
        f"\n{'workers':<12} {'wall s':>7} {'responses':>9} {'reports':>7} {'pages/s':>8} {'× one':>6}"
    )
    for r in results:
        print(
            f"{r['workers']!s:<12} {r['wall_s']:>7} {r['responses']:>9} {r['reports']:>7} "
            f"{r['pages_per_s']:>8} {r['pages_per_s'] / base:>6.2f}"
        )


if __name__ == "__main__":
    main()
