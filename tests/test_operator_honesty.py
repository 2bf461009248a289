"""What operators see: exit codes, one-line errors, nothing deleted or created that should not
be (issue 10)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.commands.crawl import print_report, report_counts, summary_line
from service.commands.demo import _fresh_demo_dir
from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.models import Capture, CrawlRun, Document
from tests.cli import fault_env, run_cli


def test_demo_never_deletes_a_directory_it_did_not_create(tmp_path: Path) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("two years of work")
    done = run_cli("demo", "--out", str(mine), "--sites", "1", timeout=120)
    assert done.returncode == 2
    assert "not made by gov-reports demo" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (mine / "chapter1.tex").read_text() == "two years of work"


def test_demo_reuses_its_own_directory_removing_only_its_outputs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    _fresh_demo_dir(out)  # created: marked as the demo's
    (out / "warc").mkdir()
    (out / "warc" / "old.warc.gz").write_bytes(b"old")
    (out / "archive.sqlite").write_bytes(b"old")
    (out / "notes.txt").write_text("the operator's")
    _fresh_demo_dir(out)
    assert sorted(p.name for p in out.iterdir()) == [".gov-reports-demo", "notes.txt"]


# ----- crawl outcomes and exit statuses ------------------------------------------------------

DEAD_SITES = (
    "code,name,status,url,host\n"
    "341125,定远县,在用,http://www.unreachable-a.gov.cn/,www.unreachable-a.gov.cn\n"
    "341126,凤阳县,在用,http://www.unreachable-b.gov.cn/,www.unreachable-b.gov.cn\n"
)


def _crawl(out: Path, sites: Path, proxy: str, *extra: str, env: dict | None = None):
    args = [
        sys.executable, "-m", "service.cli", "crawl", "--sites", str(sites),
        "--db", f"sqlite:///{out / 'a.sqlite'}", "--archive", str(out / "warc"),
        "--proxy", proxy, "--fast", "-q", *extra,
    ]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=240, check=False, env=env)


@pytest.fixture(scope="module")
def sim_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = tmp_path_factory.mktemp("honest")
    web = SimWeb(sites=1, seed=5)
    web.write_sites_csv(out / "sites.csv")
    (out / "dead.csv").write_text(DEAD_SITES, encoding="utf-8")
    with serve_in_thread(web, port=0) as server:
        yield server.proxy_url, out


def test_every_site_failing_exits_69_naming_the_cause(sim_proxy, tmp_path: Path) -> None:
    proxy, out = sim_proxy
    done = _crawl(tmp_path, out / "dead.csv", proxy)
    assert done.returncode == 69, done.stdout + done.stderr
    assert done.stderr == ""  # -q: no Scrapy tracebacks on an outage
    (line,) = done.stdout.splitlines()
    assert "failed: every site failed (2 unreachable)" in line


@pytest.mark.parametrize(
    ("fault", "cause"),
    [("readonly", "Read-only file system"), ("full", "No space left on device")],
)
def test_an_unwritable_archive_stops_the_run_with_exit_74(
    sim_proxy, tmp_path: Path, fault: str, cause: str
) -> None:
    proxy, out = sim_proxy
    env = fault_env(GOV_REPORTS_TEST_ARCHIVE_FAULT=fault)
    started = time.monotonic()
    done = _crawl(tmp_path, out / "sites.csv", proxy, env=env)
    assert done.returncode == 74, done.stdout + done.stderr
    (line,) = done.stdout.splitlines()
    assert f"failed: archive not writable ({cause}" in line
    assert time.monotonic() - started < 60  # stopped at once, not after every page failed
    with open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 0


def test_extraction_answering_no_document_is_a_failed_run_exit_70(
    sim_proxy, tmp_path: Path
) -> None:
    """Workers capped at 20 MB of address space cannot allocate: every document crashes. The
    run used to fetch every page and end `finished`, exit 0, with no report stored; it now
    stops once its first documents have all crashed. The documents stay due: the next run,
    with the default cap, stores them. (A document over the time limit is not a
    crash: tests/test_crawl_workers.py's recrawls of one such document exit 0.)"""
    proxy, out = sim_proxy
    done = _crawl(tmp_path, out / "sites.csv", proxy, "-s", "GOV_REPORTS_WORKER_MEMORY_MB=20")
    assert done.returncode == 70, done.stdout + done.stderr
    (line,) = done.stdout.splitlines()
    assert "failed: extraction crashed on all " in line
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with open_database(db)() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert run.status.startswith("failed: extraction")
        assert run.report["finish_reason"] == "extraction_failing"  # stopped early
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    again = _crawl(tmp_path, out / "sites.csv", proxy)
    assert again.returncode == 0, again.stdout + again.stderr
    with open_database(db)() as session:
        assert session.scalar(select(func.count()).select_from(Document)) > 0


def test_a_few_crashes_or_crashes_beside_answers_are_still_a_finished_run() -> None:
    from collections import Counter

    from crawler.report import run_outcome

    mixed = Counter(sites=2, extracted=40, extract_crashed=3)
    assert run_outcome("finished", mixed, None)["outcome"] == "finished"
    quiet = Counter(sites=2)  # a recrawl that found everything unchanged extracts nothing
    assert run_outcome("finished", quiet, None)["outcome"] == "finished"
    two_bad_files = Counter(sites=2, extract_crashed=2)  # a recrawl that met only those
    assert run_outcome("finished", two_bad_files, None)["outcome"] == "finished"
    broken = Counter(sites=2, extract_crashed=3)
    assert run_outcome("finished", broken, None)["outcome"] == "extract-failed"
    # the ingest stage's stop is this failure; another stop or an unwritable archive says
    # more than what extraction did before it
    assert run_outcome("extraction_failing", broken, None)["outcome"] == "extract-failed"
    assert run_outcome("shutdown", broken, None)["outcome"] == "stopped"
    assert run_outcome("finished", broken, "disk full")["outcome"] == "archive-failed"


def test_sigterm_is_a_stopped_run_exit_1_and_q_prints_one_line(sim_proxy, tmp_path: Path) -> None:
    proxy, out = sim_proxy
    args = [
        sys.executable, "-m", "service.cli", "crawl", "--sites", str(out / "sites.csv"),
        "--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "--archive", str(tmp_path / "warc"),
        "--proxy", proxy, "--fast", "-q", "-s", "DOWNLOAD_DELAY=0.2",
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "warc").glob("*.warc.gz")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stdout + stderr
    (line,) = stdout.splitlines()
    assert ": stopped: shutdown in " in line
    with open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")() as session:
        assert session.scalars(select(CrawlRun.status)).one() == "stopped: shutdown"


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["-s", "GOV_REPORTS_MAX_HOPS=abc"], "GOV_REPORTS_MAX_HOPS"),
        (["-s", "GOV_REPORTS_EXTRACT_WORKERS=x"], "GOV_REPORTS_EXTRACT_WORKERS"),
        (["-s", "CONCURRENT_REQUESTS=many"], "CONCURRENT_REQUESTS"),
        (["-s", "ROBOTSTXT_OBEY=maybe"], "ROBOTSTXT_OBEY"),
        (["--now", "9999-12-31T23:59:59"], "9999-12-31"),
        (["--codes", "99999"], "no in-use rows"),
        (["--max-sites", "0"], "--max-sites"),
    ],
)
def test_bad_settings_and_arguments_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], names: str
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(DEAD_SITES, encoding="utf-8")
    try:
        status = main(
            ["crawl", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'a.sqlite'}",
             "--archive", str(tmp_path / "warc"), "-q", *args]
        )  # fmt: skip
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    (line,) = err.strip().splitlines()
    assert names in line and "Traceback" not in line
    assert not (tmp_path / "warc").exists()  # refused before anything was done


def test_a_bad_setting_as_an_operator_sees_it(tmp_path: Path) -> None:
    done = run_cli("crawl", "--db", f"sqlite:///{tmp_path / 'a.sqlite'}", "-q",
                   "-s", "GOV_REPORTS_SITE_PAGE_BUDGET=lots", timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "gov-reports crawl: bad setting GOV_REPORTS_SITE_PAGE_BUDGET='lots': "
        "expected a whole number (0 or more)"
    )
    assert done.stdout == ""


def test_the_summary_adds_up() -> None:
    totals = {"new": 109, "revised": 14, "unchanged": 170, "reports_found": 112, "sites": 3,
              "status_unreachable": 1, "pages_per_report": None, "robots_blocked": 7,
              "status_robots-blocked": 1}  # fmt: skip
    counts = report_counts(totals)
    assert counts == {"reports": 282, "new": 95, "revised": 14, "unchanged": 170, "known": 3}
    line = summary_line({"crawl_id": "x", "status": "finished", "totals": totals})
    assert "reports 282 (new 95, revised 14, unchanged 170, already stored 3)" in line
    assert "3 sites (1 unreachable)" in line
    buffer = io.StringIO()
    print_report({"crawl_id": "x", "status": "finished", "totals": totals, "sites": []}, buffer)
    assert "pages/report -" in buffer.getvalue() and "None" not in buffer.getvalue()
    assert "robots-blocked sites 1 (URLs 7)" in buffer.getvalue()


# ----- read commands never create a database -------------------------------------------------


@pytest.mark.parametrize("command", ["verify", "reparse", "diff", "export"])
def test_read_commands_refuse_a_missing_archive_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    missing = tmp_path / "nowhere" / "archive.sqlite"
    extra = {"diff": ["1"], "export": ["--out", str(tmp_path / "x.jsonl")]}.get(command, [])
    assert main([command, "--db", str(missing), *extra]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(missing) in line
    assert not missing.exists() and not missing.parent.exists()
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("ref", ["99999999999999999999", "²", "١٢٣"])
def test_diff_of_an_impossible_id_is_a_one_line_error(tmp_path: Path, ref: str) -> None:
    db = tmp_path / "a.sqlite"
    open_database(f"sqlite:///{db}")  # an empty archive
    done = run_cli("diff", "--db", str(db), ref, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"gov-reports diff: no document {ref!r} in the archive"
