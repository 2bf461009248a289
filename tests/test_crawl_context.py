"""The crawl context: one declaration of every setting, and `scrapy crawl gov_reports` doing
the same bookkeeping as `gov-reports crawl` (lock, migrations, run record, resume)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from scrapy.settings import Settings
from sqlalchemy import select

from sim import SimWeb, serve_in_thread
from storage.db import DEFAULT_DB_URL, open_database
from storage.lock import CrawlLock
from storage.models import CrawlRun
from storage.repository import start_run

ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"\bGOV_REPORTS_[A-Z_]+\b")
# Environment variables that are not crawl settings: the test suite's switch, and what
# `serve --workers N` hands its worker processes (service/web/app.py).
_NOT_SETTINGS = {
    "GOV_REPORTS_REQUIRE_SERVICES",
    "GOV_REPORTS_SERVE_DB",
    "GOV_REPORTS_SERVE_ARCHIVE",
    "GOV_REPORTS_SERVE_THREADS",
}


def _project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def test_every_gov_reports_setting_is_declared_once_in_crawler_settings() -> None:
    declared = {k for k in _project_settings() if k.startswith("GOV_REPORTS_")}
    used: dict[str, str] = {}
    for package in ("crawler", "service", "storage", "bench", "sim"):
        for path in (ROOT / package).rglob("*.py"):
            for name in _NAME.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, str(path.relative_to(ROOT)))
    missing = {n: p for n, p in used.items() if n not in declared and n not in _NOT_SETTINGS}
    assert missing == {}
    source = (ROOT / "crawler" / "settings.py").read_text(encoding="utf-8")
    for name in declared:  # declared once
        assert len(re.findall(rf"^{name} =", source, re.MULTILINE)) == 1, name


def test_effective_defaults_and_environment_overrides() -> None:
    code = (
        "from scrapy.settings import Settings\n"
        "s = Settings(); s.setmodule('crawler.settings', priority='project')\n"
        "print(s.get('GOV_REPORTS_DB'), s.get('GOV_REPORTS_ARCHIVE'), s.getint('GOV_REPORTS_MAX_HOPS'),"
        " s.getint('GOV_REPORTS_SITE_PAGE_BUDGET'), s.getint('GOV_REPORTS_STORE_BATCH_SIZE'),"
        " s.get('LOG_LEVEL'), 'crawler.context.CrawlContext' in s.getdict('EXTENSIONS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_REPORTS_")}

    def effective(**extra: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return out.stdout.split()

    assert effective() == [DEFAULT_DB_URL, "data/warc", "6", "600", "50", "INFO", "True"]
    assert effective(GOV_REPORTS_ARCHIVE="/srv/warc", GOV_REPORTS_LOG_LEVEL="ERROR")[1::4] == [
        "/srv/warc",
        "ERROR",
    ]


def _scrapy_crawl(out: Path, proxy: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "GOV_REPORTS_DB": f"sqlite:///{out / 'a.sqlite'}",
        "GOV_REPORTS_ARCHIVE": str(out / "warc"),
        "GOV_REPORTS_PROXY": proxy,
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "gov_reports",
        "-a",
        f"sites={out / 'sites.csv'}",
    ]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=ROOT, check=False)


def test_scrapy_crawl_takes_the_lock_records_the_run_and_resumes(tmp_path: Path) -> None:
    web = SimWeb(sites=1, seed=3, epoch=0, faults=0.0)
    web.write_sites_csv(tmp_path / "sites.csv")
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with open_database(db).begin() as session:  # a run killed earlier, left `running`
        start_run(session, "20260101T000000Z-dead0000", {})
    with serve_in_thread(web, port=0) as server:
        with CrawlLock(tmp_path / "warc", db):  # another crawl holds the archive
            busy = _scrapy_crawl(tmp_path, server.proxy_url)
        assert "another crawl is running" in busy.stderr
        with open_database(db)() as session:  # nothing was done
            assert session.scalars(select(CrawlRun.status)).all() == ["running"]
        done = _scrapy_crawl(tmp_path, server.proxy_url)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_database(db)() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [r.status for r in runs] == ["interrupted", "finished"]
        report = runs[1].report
    assert report["resumed_after"] == ["20260101T000000Z-dead0000"]
    assert report["totals"]["sites"] == 1 and report["totals"]["reports_found"] > 0


def test_write_batch_commits_by_count_and_time_and_isolates_a_bad_write(tmp_path: Path) -> None:
    from sqlalchemy import text

    from crawler.batch import WriteBatch

    sessions = open_database(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with sessions.begin() as session:
        session.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))

    def rows() -> list[int]:
        with sessions() as session:
            return list(session.scalars(text("SELECT n FROM t ORDER BY n")))

    def put(n: int):
        return lambda session: session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})

    batch = WriteBatch(sessions, size=3, seconds=3600)
    batch.add(put(1))
    batch.add(put(2))
    assert rows() == []  # queued, not committed
    batch.add(put(3))
    assert rows() == [1, 2, 3] and batch.transactions == 1  # the third write filled the batch
    batch.add(put(4))
    batch.flush_if_old()
    assert rows() == [1, 2, 3]  # younger than `seconds`
    batch.seconds = 0
    batch.flush_if_old()
    assert rows() == [1, 2, 3, 4]
    failed: list[int] = []
    done: list[int] = []
    batch.add(put(5), after=lambda: done.append(5))
    batch.add(put(1), lambda: failed.append(1), lambda: done.append(1))  # a duplicate key
    batch.add(put(6), after=lambda: done.append(6))
    assert rows() == [1, 2, 3, 4, 5, 6] and failed == [1] and done == [5, 6]
