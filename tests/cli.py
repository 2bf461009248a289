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


FAULTS = Path(__file__).parent / "faults"


def fault_env(**variables: str) -> dict[str, str]:
    """This environment with the fault hooks (tests/faults/sitecustomize.py) loaded and
    `variables` set. The hooks' folder goes before PYTHONPATH, not in its place: a run with
    the tree under test on PYTHONPATH (a second checkout sharing one virtual environment)
    keeps running that tree."""
    path = os.pathsep.join(filter(None, [str(FAULTS), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **variables}


# A guard against a hung crawl, not a speed check: the 50-site crawl of tests/test_crawl_sim.py
# took 169 s on a slow 2-core machine at load 1-2 and passed 240 s beside the rest of the suite.
CRAWL_TIMEOUT = 900


def crawl_sim(out: Path, db: str, proxy: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`gov-reports crawl --json` of `out/sites.csv` through the simulator's proxy, WARC
    files under `out/warc`."""
    return run_cli(
        "crawl", "--sites", str(out / "sites.csv"), "--db", db, "--archive", str(out / "warc"),
        "--proxy", proxy, "--fast", "--json", *extra,
        timeout=CRAWL_TIMEOUT,
    )  # fmt: skip


def pool_processes() -> set[int]:
    """Pids of the multiprocessing helpers (forkserver, workers, resource tracker) that this
    test process's children started: what a killed crawl must not leave behind. They are
    known by the mark `tests/conftest.py` puts in the environment they inherit."""
    mark = f"GOV_REPORTS_TEST_PROCESS={os.environ['GOV_REPORTS_TEST_PROCESS']}".encode()
    ps = ["ps", "-eo", "pid=,args="]
    out = subprocess.run(ps, capture_output=True, text=True, check=False).stdout
    pids = set()
    for line in out.splitlines():
        pid, _, args = line.strip().partition(" ")
        if "multiprocessing" in args and sys.prefix in args and mark in _environ(int(pid)):
            pids.add(int(pid))
    return pids


def _environ(pid: int) -> list[bytes]:
    """The environment `pid` started with ([] once it is gone)."""
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return []


def crawl_web(web: SimWeb, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Write `web`'s sites.csv and truth.jsonl to `out`, serve it and crawl it into
    `out/archive.sqlite`: (the finished `crawl_sim` process, the database URL)."""
    web.write_sites_csv(out / "sites.csv")
    web.write_truth(out / "truth.jsonl")
    db = f"sqlite:///{out / 'archive.sqlite'}"
    with serve_in_thread(web, port=0) as server:
        return crawl_sim(out, db, server.proxy_url, *extra), db
