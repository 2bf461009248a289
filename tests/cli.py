"""Running `gov-reports` as a subprocess, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim import SimWeb, serve_in_thread


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def crawl_sim(out: Path, db: str, proxy: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`gov-reports crawl --json` of `out/sites.csv` through the simulator's proxy, WARC
    files under `out/warc`."""
    return run_cli(
        "crawl", "--sites", str(out / "sites.csv"), "--db", db, "--archive", str(out / "warc"),
        "--proxy", proxy, "--fast", "--json", *extra,
    )  # fmt: skip


def pool_processes() -> set[int]:
    """Pids of the multiprocessing helpers (forkserver, workers, resource tracker) started from
    this virtualenv in this test's process group: what a killed crawl must not leave behind.
    (The group keeps out other crawls on the machine using the same virtualenv; a crawl
    started by the test, and the helpers it forks, stay in the test's group.)"""
    ps = ["ps", "-eo", "pid=,pgid=,args="]
    out = subprocess.run(ps, capture_output=True, text=True, check=False).stdout
    group = os.getpgrp()
    pids = set()
    for line in out.splitlines():
        pid, pgid, args = line.split(None, 2)
        if int(pgid) == group and "multiprocessing" in args and sys.prefix in args:
            pids.add(int(pid))
    return pids


def crawl_web(web: SimWeb, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Write `web`'s sites.csv and truth.jsonl to `out`, serve it and crawl it into
    `out/archive.sqlite`: (the finished `crawl_sim` process, the database URL)."""
    web.write_sites_csv(out / "sites.csv")
    web.write_truth(out / "truth.jsonl")
    db = f"sqlite:///{out / 'archive.sqlite'}"
    with serve_in_thread(web, port=0) as server:
        return crawl_sim(out, db, server.proxy_url, *extra), db
