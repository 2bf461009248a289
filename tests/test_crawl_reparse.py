"""Re-crawls and `gov-reports reparse`: nothing stored twice; new versions keep the old ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from service.commands import reparse
from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.models import Capture, Document, ReportVersion
from storage.query import iter_export_records, search
from tests.cli import crawl_sim, run_cli

WEB = SimWeb(sites=2, seed=7)


def _crawl(out: Path, db: str) -> dict[str, Any]:
    with serve_in_thread(WEB, port=0) as server:
        result = crawl_sim(out, db, server.proxy_url)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def small_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("small-crawl")
    WEB.write_sites_csv(out / "sites.csv")
    db = f"sqlite:///{out / 'a.sqlite'}"
    assert _crawl(out, db)["totals"]["new"] > 20
    return out, db


def test_a_recrawl_stores_nothing_twice(small_crawl: tuple[Path, str]) -> None:
    out, db = small_crawl
    sessions = open_database(db)
    with sessions() as s:
        documents = s.scalar(select(func.count(Document.id)))
        versions = s.scalar(select(func.count(ReportVersion.id)))
    totals = _crawl(out, db)["totals"]
    # Issue 6: reports stored moments ago are not due again yet (crawler.schedule); unchanged
    # pages that are fetched become WARC revisit records, never new captures.
    assert totals["new"] == 0 and totals["duplicate"] == 0
    assert totals["unchanged"] + totals["not_due"] > 20
    with sessions() as s:
        assert s.scalar(select(func.count(Document.id))) == documents
        assert s.scalar(select(func.count(ReportVersion.id))) == versions
        assert len(s.scalars(select(Capture.crawl_run_id).distinct()).all()) == 1


def test_reparse_with_the_same_parser_changes_nothing(small_crawl: tuple[Path, str]) -> None:
    result = run_cli("reparse", "--db", small_crawl[1])
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout and "new-version" not in result.stdout


def test_reparse_with_a_new_parser_version_adds_versions_and_keeps_old(
    small_crawl: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = small_crawl[1]
    sessions = open_database(db)
    with sessions() as s:
        before = s.scalar(select(func.count(ReportVersion.id)))
        old_version = s.scalars(select(ReportVersion.parser_version)).first()
        documents = s.scalar(select(func.count(func.distinct(Capture.document_id))))
    monkeypatch.setattr(reparse, "PARSER_VERSION", "reparse-test-next")
    counts = reparse.reparse_all(sessions)
    assert counts["new-version"] == documents and not counts.get("unreadable")
    with sessions() as s:
        after = s.scalar(select(func.count(ReportVersion.id)))
        kept = s.scalar(
            select(func.count(ReportVersion.id)).where(ReportVersion.parser_version == old_version)
        )
        assert after == before + documents and kept == before
        exported = list(iter_export_records(s))
    assert exported and {r["parser_version"] for r in exported} == {"reparse-test-next"}
    with sessions() as s:  # reparse keeps the search index on the new versions
        hits = search(s, "年度报告", limit=10_000)
    assert len(hits) == len(exported)
    assert {h.report.parser_version for h in hits} == {"reparse-test-next"}
    assert all(r["source"]["warc_record_id"] for r in exported)
    out = tmp_path / "x.jsonl"
    assert run_cli("export", "--db", db, "--out", str(out)).returncode == 0
    assert {json.loads(line)["parser_version"] for line in out.read_text().splitlines()} == {
        "reparse-test-next"
    }
