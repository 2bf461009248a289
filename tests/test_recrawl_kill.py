"""kill -9 at random points, then run again: the archive ends up as an uninterrupted crawl's.

A reference crawl runs to the end. Then the same web is crawled into a second archive by a
`gov-reports crawl` subprocess that is SIGKILLed (with its extraction workers: the whole
process group) at random points: once early (start-up, migrations), then each time a random
share of the reference's captures is stored plus a random few milliseconds, so kills land
between a WARC write and the database commit too. The last run finishes. Same documents,
same captures, no duplicates, and `gov-reports verify` passes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from sim import SimWeb, serve_in_thread
from storage.db import StorageError, open_database
from storage.models import Capture, CrawlRun, Document
from tests.cli import pool_processes

SITES, SEED = 3, 5
KILL_SHARES = (0.15, 0.3, 0.45, 0.6, 0.75)


def crawl_args(out: Path, proxy: str, now: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "service.cli",
        "crawl",
        "--sites",
        str(out.parent / "sites.csv"),
        "--db",
        f"sqlite:///{out / 'archive.sqlite'}",
        "--archive",
        str(out / "warc"),
        "--proxy",
        proxy,
        "--fast",
        "-q",
        "--now",
        now,
    ]


def verify_quietly(out: Path) -> subprocess.CompletedProcess[str]:
    """`gov-reports verify -q` of the archive under `out`."""
    db = f"sqlite:///{out / 'archive.sqlite'}"
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "verify", "--db", db, "-q"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def captures(out: Path) -> int:
    db = out / "archive.sqlite"
    if not db.exists():
        return 0
    try:
        with open_database(f"sqlite:///{db}")() as session:
            return session.scalar(select(func.count()).select_from(Capture)) or 0
    except (SQLAlchemyError, StorageError):  # mid-migration or locked for a moment: try again
        return 0


def snapshot(out: Path) -> dict[str, object]:
    with open_database(f"sqlite:///{out / 'archive.sqlite'}")() as session:
        pairs = session.execute(select(Capture.final_url, Capture.payload_sha256)).all()
        return {
            "documents": set(session.scalars(select(Document.text_sha256))),
            "captures": sorted(pairs),
            "statuses": list(session.scalars(select(CrawlRun.status).order_by(CrawlRun.id))),
        }


def kill_group(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the crawl and its workers; False if it had already finished."""
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def test_kill_9_at_random_points_then_rerun_equals_an_uninterrupted_crawl(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261122)
    web = SimWeb(sites=SITES, seed=SEED)
    web.write_sites_csv(tmp_path / "sites.csv")
    ref, target = tmp_path / "ref", tmp_path / "target"
    ref.mkdir()
    target.mkdir()
    kills = 0
    with serve_in_thread(web, port=0) as server:
        done = subprocess.run(
            crawl_args(ref, server.proxy_url, "2027-06-01"),
            check=False,
            capture_output=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        total = captures(ref)
        assert total > 50

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                crawl_args(target, server.proxy_url, "2027-06-01"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )

        # Early: during start-up, migrations or the first fetches.
        proc = start()
        time.sleep(rng.uniform(0.3, 2.0))
        kills += kill_group(proc)
        for share in KILL_SHARES:
            goal = int(total * (share + rng.uniform(-0.05, 0.05)))
            proc = start()
            deadline = time.monotonic() + 120
            while proc.poll() is None and captures(target) < goal:
                assert time.monotonic() < deadline, "the crawl made no progress"
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.05))
            kills += kill_group(proc)
        # A kill that came after a run had stored its report leaves nothing to resume after.
        left_running = "running" in snapshot(target)["statuses"]
        final = subprocess.run(
            crawl_args(target, server.proxy_url, "2027-06-01"),
            check=False,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert kills >= 5, f"only {kills} runs were still running when killed"
    assert final.returncode == 0, final.stderr[-2000:]
    assert ("resumed after" in final.stdout) == left_running, final.stdout
    want, got = snapshot(ref), snapshot(target)
    assert got["documents"] == want["documents"]
    assert got["captures"] == want["captures"]  # the same captures, none twice
    assert len(set(got["captures"])) == len(got["captures"])
    # Each killed run is interrupted, or finished when the kill came after its report was
    # stored (the process was still shutting down); the final run finished. None is running.
    statuses = got["statuses"]
    assert set(statuses) <= {"finished", "interrupted"} and statuses[-1] == "finished"
    assert statuses.count("finished") >= 1 + len(KILL_SHARES) + 1 - kills
    verify = verify_quietly(target)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]


def _state(out: Path) -> tuple[set, list]:
    """(documents, captures) committed so far; empty before the first migration."""
    if not (out / "archive.sqlite").exists():
        return set(), []
    for _ in range(50):
        try:
            snap = snapshot(out)
            return snap["documents"], snap["captures"]  # type: ignore[return-value]
        except (SQLAlchemyError, StorageError):  # killed mid-migration: the next run finishes it
            time.sleep(0.1)
    return set(), []


def test_kill_9_at_20_random_moments_over_a_faulty_web(tmp_path: Path) -> None:
    """20 SIGKILLs (of the crawl process alone, as the OOM killer or an operator would) at
    random moments while the web answers 20% of requests with 500s, stalls, truncated bodies
    and resets: what was committed is never lost, nothing is stored twice, the archive
    verifies, and no worker, forkserver or resource tracker is left behind."""
    rng = random.Random(20261130)
    web = SimWeb(sites=2, seed=7, faults=0.2, slow_seconds=0.3)
    web.write_sites_csv(tmp_path / "sites.csv")
    out = tmp_path / "target"
    out.mkdir()
    helpers_before = pool_processes()
    documents: set = set()
    captures_seen: list = []
    kills, runs, latest = 0, 0, 3.5
    with serve_in_thread(web, port=0) as server:
        while kills < 20:
            runs += 1
            assert runs <= 60, f"only {kills} of 60 runs were still running when killed"
            proc = subprocess.Popen(
                crawl_args(out, server.proxy_url, "2027-06-01"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.3, latest))  # start-up, migrations, fetching, storing
            if proc.poll() is None:
                proc.kill()  # SIGKILL to the crawl process only: its helpers must follow
                kills += 1
            else:  # it finished first (the archive fills up, runs get shorter): kill sooner
                latest = max(0.6, latest * 0.7)
            proc.wait(timeout=60)
            now_documents, now_captures = _state(out)
            assert documents <= now_documents, "a committed document was lost"
            assert set(captures_seen) <= set(now_captures), "a committed capture was lost"
            assert len(set(now_captures)) == len(now_captures), "a capture was stored twice"
            documents, captures_seen = now_documents, now_captures
        final = subprocess.run(
            crawl_args(out, server.proxy_url, "2027-06-01"),
            check=False,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert final.returncode == 0, final.stdout + final.stderr[-2000:]
    assert len(final.stdout.splitlines()) == 1 and final.stderr == ""  # -q: one line
    documents_final, captures_final = _state(out)
    assert documents <= documents_final and set(captures_seen) <= set(captures_final)
    assert len(set(captures_final)) == len(captures_final)
    assert len(captures_final) > 20
    statuses = snapshot(out)["statuses"]
    # A killed run is interrupted, or finished when the kill came after its report was stored;
    # the runs that ended before their kill, and the final one, finished. None is left running.
    assert set(statuses) == {"finished", "interrupted"} and len(statuses) <= runs + 1
    assert statuses.count("finished") >= runs - kills + 1
    verify = verify_quietly(out)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    assert verify.stdout == "" and verify.stderr == ""
    deadline = time.monotonic() + 20
    while (pool_processes() - helpers_before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (pool_processes() - helpers_before), "orphaned worker processes"
