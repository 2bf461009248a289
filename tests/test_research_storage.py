"""The read side's bookkeeping on SQLite and PostgreSQL, with reports stored through
storage.repository as the crawler stores them: carry-over checks whatever order the years
arrive in, revisions superseding reports, exact integers, the panel's duplicate resolution,
coverage statuses and deadlines."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from storage.coverage import deadline
from storage.db import open_database
from storage.filters import ReportFilter
from storage.models import ReportCell, Site
from storage.query import count, coverage_matrix, get_report, iter_records, panel_rows, search
from storage.repository import (
    CaptureData,
    DocumentData,
    SiteData,
    start_run,
    store_capture,
    upsert_sites,
)
from tests.pg import fresh_database

BIG = 2**53 + 1  # not representable as a float


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        factory = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")
        yield factory
        factory.kw["bind"].dispose()
        return
    with fresh_database("gov_reports_research") as url:
        factory = open_database(url)
        yield factory
        factory.kw["bind"].dispose()


def _store(
    s: Session,
    run_id: int,
    site_id: int,
    body: str,
    *,
    year: int,
    carried_over: int | None = None,
    carried_forward: int | None = None,
    kind: str = "government",
    published: str | None = None,
    failed: int = 0,
    url: str | None = None,
    previous_id: int | None = None,
    code: str = "530325",
) -> str:
    sha = hashlib.sha256(body.encode()).hexdigest()
    apps: dict[str, Any] = {"new_received": {"total": BIG if "big" in body else 10}}
    if carried_over is not None:
        apps["carried_over"] = {"total": carried_over}
    if carried_forward is not None:
        apps["carried_forward"] = {"total": carried_forward}
    record = {
        "title": f"富源县{year}年政府信息公开工作年度报告",
        "issuer": "富源县人民政府" if kind == "government" else "富源县教育局",
        "issuer_kind": kind,
        "region": {"name": "富源县", "code": code, "prefecture": "曲靖市", "province": "云南省"},
        "report_year": year,
        "published_at": published,
        "template": "2021",
        "applications": apps,
        "checks": [
            {"rule": f"applications.flow.c{i}", "status": "fail", "detail": "x"}
            for i in range(failed)
        ],
        "hazards": [],
    }
    capture = CaptureData(
        url=url or f"http://www.qjfy.gov.cn/{sha[:8]}.html",
        final_url=url or f"http://www.qjfy.gov.cn/{sha[:8]}.html",
        http_status=200,
        fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
        warc_file="x.warc.gz",
        warc_offset=0,
        warc_record_id=f"<urn:uuid:{uuid.uuid4()}>",
        payload_sha256=sha,
    )
    store_capture(
        s,
        capture,
        run_id=run_id,
        site_id=site_id,
        document=DocumentData(text_sha256=sha, doc_id=sha[:16], text=body),
        record=record,
        parser_version="p1",
        previous_id=previous_id,
    )
    return sha[:16]


def _setup(s: Session) -> tuple[int, int]:
    ids = upsert_sites(
        s,
        [
            SiteData(code="530325", host="www.qjfy.gov.cn", url="http://www.qjfy.gov.cn/",
                     name="富源县", prefecture="曲靖市", province="云南省"),
            SiteData(code="530326", host="www.zhanyi.gov.cn", url="http://www.zhanyi.gov.cn/",
                     name="沾益区", prefecture="曲靖市", province="云南省"),
        ],
    )  # fmt: skip
    run = start_run(s, f"run-{uuid.uuid4().hex[:6]}", {"archive_dir": "/tmp"})
    return run.id, ids["530325"]


def _carry(session: Session, doc_id: str) -> dict[str, str]:
    return {c["rule"]: c["status"] for c in get_report(session, doc_id).carry_over}


def test_carry_over_is_checked_whichever_year_arrives_first(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        run_id, site_id = _setup(s)
        y2020 = _store(s, run_id, site_id, "二〇二〇 报告", year=2020, carried_over=4)
    with sessions() as s:
        assert _carry(s, y2020)["carry_over.total"] == "skipped"  # 2019 not archived yet
    with sessions.begin() as s:
        _store(s, run_id, site_id, "二〇一九 报告", year=2019, carried_forward=3)
        y2021 = _store(s, run_id, site_id, "二〇二一 报告", year=2021, carried_over=7)
        _store(s, run_id, site_id, "教育局 报告", year=2020, kind="department", carried_forward=7)
    with sessions() as s:
        assert _carry(s, y2020)["carry_over.total"] == "fail"  # 4 carried over, 3 forwarded
        assert _carry(s, y2021)["carry_over.total"] == "skipped"  # 2020 forwarded nothing
        assert _carry(s, y2020)["carry_over.natural_person"] == "skipped"
        failed = ReportFilter.parse(failed_check="carry_over")
        assert [r["title"] for r in iter_records(s, failed)] == [
            "富源县2020年政府信息公开工作年度报告"
        ]
        assert count(s, ReportFilter.parse(failed_check="carry_over.total")) == 1
        assert count(s, ReportFilter.parse(failed_check="applications.flow")) == 0


def test_a_revision_supersedes_its_report_and_all_versions_shows_both(
    sessions: sessionmaker[Session],
) -> None:
    url = "http://www.qjfy.gov.cn/nb/2020.html"
    with sessions.begin() as s:
        run_id, site_id = _setup(s)
        old = _store(s, run_id, site_id, "初版 复议", year=2020, url=url)
        old_id = s.execute(text("SELECT id FROM documents")).scalar_one()
        new = _store(s, run_id, site_id, "修订版 复议", year=2020, url=url, previous_id=old_id)
    with sessions() as s:
        assert [r["doc_id"] for r in iter_records(s, ReportFilter())] == [new]
        both = {
            r["doc_id"]: r["superseded_by"]
            for r in iter_records(s, ReportFilter(all_versions=True))
        }
        assert both == {old: new, new: None}
        assert [h.report.doc_id for h in search(s, "复议")] == [new]
        assert {h.report.doc_id for h in search(s, "复议", ReportFilter(all_versions=True))} == {
            old,
            new,
        }
        detail = get_report(s, old)
        assert detail.summary.superseded_by == new
        assert [(v.doc_id, v.current, v.this) for v in detail.versions] == [
            (old, False, True),
            (new, True, False),
        ]


def test_integers_are_stored_exactly(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        run_id, site_id = _setup(s)
        _store(s, run_id, site_id, "big 报告", year=2020)
    with sessions() as s:
        cell = s.scalars(select(ReportCell).where(ReportCell.row_key == "new_received")).one()
        assert cell.value_int == BIG and float(BIG) != BIG
        row = next(panel_rows(s))
        assert row.cells["applications.new_received.total"] == BIG


def test_panel_resolves_duplicates_and_says_why(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        run_id, site_id = _setup(s)
        _store(s, run_id, site_id, "甲 报告", year=2020, failed=2, published="2021-03-01")
        clean = _store(s, run_id, site_id, "乙 报告", year=2020, failed=0, published="2021-02-01")
        _store(s, run_id, site_id, "丙 报告", year=2021, published="2022-03-01")
        _store(s, run_id, site_id, "丁 报告", year=2021, kind="department")
    with sessions() as s:
        rows = list(panel_rows(s))
        assert [(r.region_code, r.report_year, r.candidates) for r in rows] == [
            ("530325", 2020, 2),
            ("530325", 2021, 1),
        ]
        assert rows[0].doc_id == clean and len(rows[0].dropped_doc_ids) == 1
        assert "fewest failed checks (0 vs 2)" in rows[0].resolution
        departments = list(panel_rows(s, ReportFilter.parse(issuer_kind="department")))
        assert [(r.report_year, r.issuer_kind) for r in departments] == [(2021, "department")]


def test_coverage_statuses_and_deadlines(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        run_id, site_id = _setup(s)
        _store(s, run_id, site_id, "一 报告", year=2018, published="2019-03-31")
        _store(s, run_id, site_id, "二 报告", year=2020, published="2021-04-01")
        _store(s, run_id, site_id, "三 报告", year=2020, kind="department", published="2021-02-01")
        s.scalars(select(Site).where(Site.code == "530325")).one().last_status = "ok"
        s.scalars(select(Site).where(Site.code == "530326")).one().last_status = "robots-blocked"
    with sessions() as s:
        cov = coverage_matrix(s, ReportFilter.parse(year="2018-2020"))
        grid = {r.code: r.cells for r in cov.rows}
        assert grid["530325"] == {2018: "found", 2019: "not-found", 2020: "found"}
        assert set(grid["530326"].values()) == {"robots-blocked"}
        by_year = {d.year: (d.reports, d.on_time, d.late) for d in cov.deadlines}
        # 2018: due 31 March 2019 (on time); 2020: the government a day late, the
        # department after its 31 January deadline.
        assert by_year == {2018: (1, 1, 0), 2020: (2, 0, 2)}
    assert str(deadline(2018, "department")) == "2019-03-31"
    assert str(deadline(2019, "department")) == "2020-01-31"
    assert str(deadline(2019, "government")) == "2020-03-31"
