"""Storage on SQLite and PostgreSQL: migrations, one transaction per capture, dedupe, versions.

PostgreSQL tests use a throwaway database on 127.0.0.1:5432; they skip when the server is
missing, and fail instead when GOV_REPORTS_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import StorageError, create_db_engine, open_database, upgrade
from storage.models import Capture, Check, Document, Hazard, ReportCell, ReportVersion
from storage.query import iter_export_records, latest_versions
from storage.reportindex import APPLICANT_COLUMNS
from storage.repository import (
    CaptureData,
    DocumentData,
    SiteData,
    add_report_version,
    start_run,
    store_capture,
    upsert_sites,
)
from tests.pg import fresh_database


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with fresh_database("gov_reports_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    factory = open_database(url)
    yield factory
    engine = factory.kw["bind"]
    if request.param == "postgresql":  # leave the shared database empty for the next test
        from sqlalchemy import text

        from storage.models import Base

        with engine.begin() as conn:  # the search index (0005, 0011) is not in the models
            conn.execute(text("DROP TABLE IF EXISTS report_fts, report_runs"))
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def _capture(n: int, **kw: Any) -> CaptureData:
    base = {
        "url": f"http://www.example.gov.cn/nb/t{n}.html",
        "final_url": f"http://www.example.gov.cn/nb/t{n}.html",
        "http_status": 200,
        "fetched_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "warc_file": "x-00000.warc.gz",
        "warc_offset": 1000 * n,
        "warc_record_id": f"<urn:uuid:{uuid.uuid4()}>",
        "payload_sha256": "ab" * 32,
        "content_type": "text/html; charset=utf-8",
        "encoding": "utf-8",
        "site_code": "110101",
    }
    base.update(kw)
    return CaptureData(**base)


def _doc(text: str) -> DocumentData:
    import hashlib

    sha = hashlib.sha256(text.encode()).hexdigest()
    return DocumentData(text_sha256=sha, doc_id=sha[:16], text=text, simhash="0" * 16)


def _record(**kw: Any) -> dict[str, Any]:
    rec = {
        "schema": "gov-reports/record@1",
        "title": "东城区2020年政府信息公开工作年度报告",
        "issuer_kind": "government",
        "region": {"name": "东城区", "code": "110101", "prefecture": None, "province": "北京市"},
        "report_year": 2020,
        "template": "2019",
        "applications": {"new_received": {"natural_person": 5, "total": 7, "research": None}},
        "review_litigation": {"review": {"upheld": 1, "total": 1}},
        "active_disclosure": {
            "procurement": {"projects": 3, "amount": {"raw": "7976.14万元", "yuan": 79761400.0}}
        },
        "checks": [{"rule": "review_litigation.review", "status": "pass", "detail": None}],
        "hazards": ["boilerplate"],
    }
    rec.update(kw)
    return rec


def _setup(session: Session) -> tuple[int, int]:
    ids = upsert_sites(
        session, [SiteData(code="110101", host="www.bjdch.gov.cn", url="http://www.bjdch.gov.cn/")]
    )
    run = start_run(session, f"run-{uuid.uuid4().hex[:6]}", {"archive_dir": "/tmp"})
    return ids["110101"], run.id


def test_migrations_create_every_table_and_are_idempotent(
    sessions: sessionmaker[Session],
) -> None:
    engine = sessions.kw["bind"]
    upgrade(engine)  # a second upgrade is a no-op
    names = set(inspect(engine).get_table_names())
    assert {
        "sites",
        "crawl_runs",
        "site_statuses",
        "captures",
        "documents",
        "report_versions",
        "report_cells",
        "checks",
        "hazards",
        "alembic_version",
    } <= names


def test_a_capture_stores_document_version_cells_checks_and_hazards(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
        outcome = store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=_doc("报告正文一"),
            record=_record(),
            parser_version="p1",
        )
    assert outcome == "new"
    with sessions() as s:
        version = s.scalars(select(ReportVersion)).one()
        assert (version.region_code, version.report_year, version.template) == (
            "110101",
            2020,
            "2019",
        )
        assert version.official and version.capture_id is not None
        cells = {
            (c.table_name, c.row_key, c.column_key): (c.value, c.raw)
            for c in s.scalars(select(ReportCell))
        }
        assert cells[("applications", "new_received", "natural_person")] == (5.0, None)
        assert cells[("applications", "new_received", "research")] == (None, None)  # blank ≠ 0
        assert cells[("active_disclosure", "procurement", "amount")] == (79761400.0, "7976.14万元")
        # the parser's check, and the archive's cross-year checks (no 2018 report: skipped)
        rules = dict(s.execute(select(Check.rule, Check.status)).all())
        assert rules.pop("review_litigation.review") == "pass"
        assert rules == {f"carry_over.{col}": "skipped" for col in APPLICANT_COLUMNS}
        assert s.scalars(select(Hazard.tag)).all() == ["boilerplate"]


def test_rows_prepared_in_a_worker_store_what_the_record_gives(
    sessions: sessionmaker[Session],
) -> None:
    """The crawl's workers compute `report_rows` and send it through a pipe; the version,
    cells, checks and hazards stored from it equal those computed from the record here."""
    import pickle

    from storage.records import iter_cells, report_rows
    from storage.repository import add_document

    record = _record(
        hazards=["boilerplate", "not-a-report"],
        checks=[
            {"rule": "applications.total", "status": "fail", "detail": "7 ≠ 5 + 1"},
            {"rule": "r2", "status": "pass"},
            "not a check",
        ],
        applications={"new_received": {"natural_person": 5, "flag": True, "note": "见附件"}},
    )

    def stored(text: str, rows: Any) -> list[Any]:
        with sessions.begin() as s:
            doc_id = add_document(s, _doc(text), site_id=None, first_seen_at=datetime.now(UTC))
            vid = add_report_version(s, doc_id, None, record, "p1", rows=rows)
        with sessions() as s:
            version = s.get(ReportVersion, vid)
            assert version is not None
            return [
                (version.official, version.rejected_reason, version.title, version.report_year),
                s.execute(
                    select(
                        ReportCell.table_name,
                        ReportCell.row_key,
                        ReportCell.column_key,
                        ReportCell.value,
                        ReportCell.value_int,
                        ReportCell.raw,
                    )
                    .where(ReportCell.report_version_id == vid)
                    .order_by(ReportCell.id)
                ).all(),
                s.execute(
                    select(Check.rule, Check.status, Check.detail)
                    .where(Check.report_version_id == vid, ~Check.rule.startswith("carry_over."))
                    .order_by(Check.id)
                ).all(),
                s.execute(
                    select(Hazard.tag).where(Hazard.report_version_id == vid).order_by(Hazard.id)
                ).all(),
            ]

    from_record = stored("正文一", None)
    prepared = stored("正文二", pickle.loads(pickle.dumps(report_rows(record))))
    assert prepared == from_record
    assert from_record[0] == (False, "not-a-report", record["title"], 2020)
    # what the rows were before they were prepared: every cell, the record's dict checks
    assert from_record[1] == [
        (c.table, c.row, c.column, c.value, c.value if type(c.value) is int else None, c.raw)
        for c in iter_cells(record)
    ]
    assert from_record[2] == [("applications.total", "fail", "7 ≠ 5 + 1"), ("r2", "pass", None)]
    assert from_record[3] == [("boilerplate",), ("not-a-report",)]
    assert ("applications", "new_received", "note", None, None, "见附件") in from_record[1]
    assert ("applications", "new_received", "flag", None, None, None) in from_record[1]


def _index_rows(session: Session) -> list[Any]:
    """Every full-text entry and its runs, by document id."""
    from sqlalchemy import text

    fts = "SELECT rowid, terms, filters FROM report_fts ORDER BY rowid"
    if session.get_bind().dialect.name == "postgresql":
        fts = "SELECT document_id, tsv::text FROM report_fts ORDER BY document_id"
    runs = "SELECT id, entry_bytes, runs FROM report_runs ORDER BY id"
    return [tuple(r) for sql in (fts, runs) for r in session.execute(text(sql))]


def test_full_text_entries_prepared_in_a_worker_equal_those_computed_here(
    sessions: sessionmaker[Session],
) -> None:
    """The crawl's workers compute each report's entry content, terms and ranking runs
    (`workers.ingest_indexed`) and the store offers them to the batch's refresh: over the
    golden fixtures the entries and runs stored that way are those the refresh computes,
    and an offer is taken only for the very content the refresh indexes."""
    import pickle
    from pathlib import Path

    from crawler.pipelines.workers import ingest_indexed
    from storage.reportindex import refresh_reports
    from storage.repository import add_document, offer_terms, refresh_deferred

    golden = Path(__file__).parent / "fixtures" / "golden"
    with sessions.begin() as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        ids = []
        for path in sorted(golden.glob("*/input.*")):
            ctype = "text/html" if path.suffix == ".html" else "text/plain; charset=utf-8"
            url = f"http://www.example.gov.cn/{path.parent.name}{path.suffix}"
            got = ingest_indexed(path.read_bytes(), url, postgres=postgres, content_type=ctype)
            ingested, prepared = pickle.loads(pickle.dumps(got))  # as sent back by a worker
            if prepared is None:
                continue
            doc = DocumentData(**ingested.document_fields())
            doc_id = add_document(s, doc, site_id=None, first_seen_at=datetime.now(UTC))
            offer_terms(s, doc_id, *prepared.fulltext)
            add_report_version(s, doc_id, None, ingested.record, "p1", refresh=False)
            ids.append(doc_id)
        refresh_deferred(s)
    assert len(ids) >= 15
    with sessions() as s:
        offered = _index_rows(s)
    with sessions.begin() as s:
        refresh_reports(s, ids)  # everything computed here
    with sessions() as s:
        computed = _index_rows(s)
    assert offered == computed
    assert len(computed) == len(ids) * 2
    # An offer for other content is ignored; one for the content indexed is what is stored.
    with sessions.begin() as s:
        refresh_reports(s, ids[:1], {ids[0]: ("other content", "x", "y")})
    with sessions() as s:
        assert _index_rows(s) == computed
    [content] = _entry_contents(sessions, ids[:1])
    with sessions.begin() as s:
        refresh_reports(s, ids[:1], {ids[0]: (content, "x", (1, "y"))})
    with sessions() as s:
        changed = set(_index_rows(s)) - set(computed)
    if postgres:  # the offered terms, and the filter tokens the refresh adds to any entry
        tokens = re.findall(r"'0筛[^']*'", dict(r for r in computed if len(r) == 2)[ids[0]])
        with sessions() as s:
            entry = s.scalar(
                text("SELECT CAST(:t AS tsvector)::text"), {"t": " ".join(["'x'", *tokens])}
            )
        assert tokens and changed == {(ids[0], entry), (ids[0], 1, "y")}
    else:
        assert changed == {(ids[0], "x", _filters_of(computed, ids[0])), (ids[0], 1, "y")}


def _entry_contents(sessions: sessionmaker[Session], ids: list[int]) -> list[str]:
    """The entry content the refresh indexes for each of `ids` (title of the newest version,
    else the document's, and the text)."""
    from storage.fulltext import entry_content

    with sessions() as s:
        out = []
        for doc_id in ids:
            version = s.scalars(
                select(ReportVersion).where(
                    ReportVersion.document_id == doc_id, ReportVersion.latest
                )
            ).one()
            doc = s.get(Document, doc_id)
            assert doc is not None
            out.append(entry_content(version.title or doc.title, doc.text))
        return out


def _filters_of(rows: list[Any], doc_id: int) -> str:
    """The `filters` of `doc_id`'s entry among `_index_rows`'s (SQLite)."""
    return next(r[2] for r in rows if r[0] == doc_id and isinstance(r[1], str))


def test_the_same_text_is_stored_once_and_every_capture_recorded(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
        first = store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=_doc("同一份报告"),
            record=_record(),
            parser_version="p1",
        )
        second = store_capture(
            s,
            _capture(2),
            run_id=run_id,
            site_id=site_id,
            document=_doc("同一份报告"),
            record=_record(),
            parser_version="p1",
        )
    assert (first, second) == ("new", "duplicate")
    with sessions() as s:
        assert s.scalar(select(func.count(Document.id))) == 1
        assert s.scalar(select(func.count(ReportVersion.id))) == 1
        caps = s.scalars(select(Capture).order_by(Capture.id)).all()
        assert len(caps) == 2 and caps[0].document_id == caps[1].document_id


def test_spam_and_notices_are_kept_but_never_exported_as_reports(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
        spam = store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=_doc("开云体育 报告"),
            record=_record(hazards=["spam-hijack"]),
            parser_version="p1",
        )
        notice = store_capture(
            s,
            _capture(2),
            run_id=run_id,
            site_id=site_id,
            document=_doc("关于报送年度报告的通知"),
            record=_record(hazards=["not-a-report"]),
            parser_version="p1",
        )
        good = store_capture(
            s,
            _capture(3),
            run_id=run_id,
            site_id=site_id,
            document=_doc("真正的报告"),
            record=_record(),
            parser_version="p1",
        )
    assert (spam, notice, good) == ("spam-hijack", "not-a-report", "new")
    with sessions() as s:
        records = list(iter_export_records(s))
        assert len(records) == 1
        assert records[0]["source"]["url"].endswith("/t3.html")
        assert records[0]["source"]["fetched_at"] == "2026-01-02T03:04:05Z"
        assert records[0]["parser_version"] == "p1"


def test_failed_extraction_is_recorded_without_a_document(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
        outcome = store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=None,
            record=None,
            parser_version="p1",
            error="extract: empty file",
        )
    assert outcome == "failed"
    with sessions() as s:
        cap = s.scalars(select(Capture)).one()
        assert cap.error == "extract: empty file" and cap.document_id is None


def test_a_new_parser_version_adds_a_version_and_keeps_the_old(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
        store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=_doc("报告"),
            record=_record(report_year=2019),
            parser_version="p1",
        )
    with sessions.begin() as s:
        doc = s.scalars(select(Document)).one()
        cap = s.scalars(select(Capture)).one()
        add_report_version(s, doc, cap, _record(report_year=2020), "p2")
    with sessions() as s:
        versions = s.scalars(select(ReportVersion).order_by(ReportVersion.id)).all()
        assert [(v.parser_version, v.report_year) for v in versions] == [("p1", 2019), ("p2", 2020)]
        assert [v.parser_version for v in latest_versions(s)] == ["p2"]


def test_a_failing_item_transaction_leaves_nothing_behind(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        site_id, run_id = _setup(s)
    with pytest.raises(RuntimeError), sessions.begin() as s:
        store_capture(
            s,
            _capture(1),
            run_id=run_id,
            site_id=site_id,
            document=_doc("半截"),
            record=_record(),
            parser_version="p1",
        )
        raise RuntimeError("crash in flight")
    with sessions() as s:
        assert s.scalar(select(func.count(Capture.id))) == 0
        assert s.scalar(select(func.count(Document.id))) == 0


def test_a_bad_database_url_is_a_one_line_storage_error() -> None:
    with pytest.raises(StorageError, match="bad database URL"):
        create_db_engine("not a url at all")
