"""One crawl at a time: a second run that overlaps a running one refuses at once (exit 75), the
OS releases the lock when the holder is killed, and PostgreSQL archives add an advisory lock.
Also the fetch-state table on both databases.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.commands.crawl import EXIT_LOCKED
from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.fetchstate import load_states, save_state, settle, url_key
from storage.lock import CrawlLock, LockBusy
from tests.pg import fresh_database


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped afterwards."""
    with fresh_database("gov_reports_lock") as url:
        yield url


def holds_lock(archive: Path, pid: int) -> bool:
    """The lock file names its holder, written only once the flock is taken."""
    lock = archive.parent / f"{archive.name}.lock"
    return lock.exists() and lock.read_text().strip() == f"pid {pid}"


def test_an_overlapping_run_refuses_and_a_killed_run_frees_the_lock(tmp_path: Path) -> None:
    web = SimWeb(sites=3, seed=5)
    web.write_sites_csv(tmp_path / "sites.csv")
    db, archive = f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "warc"
    args = [
        sys.executable, "-m", "service.cli", "crawl", "--sites", str(tmp_path / "sites.csv"),
        "--db", db, "--archive", str(archive), "--fast", "-q",
        # Slow enough to still be running when the second run starts.
        "-s", "DOWNLOAD_DELAY=0.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    ]  # fmt: skip
    with serve_in_thread(web, port=0) as server:
        first = subprocess.Popen(
            [*args, "--proxy", server.proxy_url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not holds_lock(archive, first.pid):
                assert first.poll() is None, "the first run ended before taking the lock"
                assert time.monotonic() < deadline
                time.sleep(0.1)
            started = time.monotonic()
            second = subprocess.run(
                [*args, "--proxy", server.proxy_url],
                check=False,
                capture_output=True,
                text=True,
                timeout=60,
            )
            took = time.monotonic() - started
            assert first.poll() is None, "the first run must still be running"
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
    assert second.returncode == EXIT_LOCKED == 75, second.stderr[-2000:]
    assert "another crawl is running" in second.stderr and "pid" in second.stderr
    assert second.stdout == "" and took < 30
    # kill -9 leaves no stale lock: the kernel dropped the flock with the process.
    lock = CrawlLock(archive, db)
    lock.acquire()
    lock.release()


def test_the_lock_is_exclusive_within_one_host_too(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with CrawlLock(tmp_path / "warc", db):
        with pytest.raises(LockBusy, match=r"warc\.lock"):
            CrawlLock(tmp_path / "warc", db).acquire()
        # Another archive directory over the same SQLite file is the same archive.
        with pytest.raises(LockBusy, match=r"a\.sqlite\.lock"):
            CrawlLock(tmp_path / "other", db).acquire()
    with CrawlLock(tmp_path / "warc", db):
        pass


def test_postgresql_archives_also_take_an_advisory_lock(pg_url: str, tmp_path: Path) -> None:
    with CrawlLock(tmp_path / "one", pg_url), pytest.raises(LockBusy, match="advisory"):
        CrawlLock(tmp_path / "two", pg_url).acquire()
    with CrawlLock(tmp_path / "two", pg_url):
        pass


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fetch_state_round_trips(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'a.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    sessions = open_database(url)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    page = "http://www.example.gov.cn/xxgk/nb/t20260120_1.html"
    with sessions.begin() as s:
        state_id = save_state(
            s,
            {"url": page, "first_seen_at": now, "http_status": 200, "etag": '"a1"',
             "payload_sha256": "ab" * 32, "role": "report"},
        )  # fmt: skip
        assert save_state(s, {"url": page, "first_seen_at": now, "etag": '"a2"'}) == state_id
        settle(s, page, document_id=None, next_due_at=now + timedelta(days=7))
    with sessions() as s:
        states = load_states(s)
    state = states[page]
    assert state["url_sha256"] == url_key(page) and state["etag"] == '"a2"'
    assert state["payload_sha256"] == "ab" * 32 and state["role"] == "report"
    assert state["next_due_at"].replace(tzinfo=UTC) == now + timedelta(days=7)
    sessions.kw["bind"].dispose()


def test_a_recrawl_on_postgresql_stores_nothing_new(pg_url: str, tmp_path: Path) -> None:
    web = SimWeb(sites=2, seed=5)
    web.write_sites_csv(tmp_path / "sites.csv")
    totals = []
    with serve_in_thread(web, port=0) as server:
        for now in ("2027-06-01", "2027-06-09"):
            result = subprocess.run(
                [sys.executable, "-m", "service.cli", "crawl", "--sites", str(tmp_path / "sites.csv"),
                 "--db", pg_url, "--archive", str(tmp_path / "warc"), "--proxy", server.proxy_url,
                 "--fast", "--json", "--now", now],
                check=False, capture_output=True, text=True, timeout=240,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-2000:]
            totals.append(json.loads(result.stdout)["totals"])
    first, again = totals
    assert first["new"] > 20 and again["new"] == again["duplicate"] == 0
    assert again["unchanged"] == first["candidates"] and again["revisits"] > 0
    verify = subprocess.run(
        [sys.executable, "-m", "service.cli", "verify", "--db", pg_url, "-q"],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-2000:]
