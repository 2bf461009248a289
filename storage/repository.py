"""Writes: sites, runs, and one capture with its document and report version per transaction.

Callers pass plain dataclasses, so this module knows nothing about Scrapy items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from storage.fulltext import Ranking
from storage.models import (
    Capture,
    Check,
    CrawlRun,
    Document,
    Hazard,
    ReportCell,
    ReportVersion,
    Site,
    SiteStatus,
)
from storage.records import (
    CELL_COLUMNS,
    CHECK_COLUMNS,
    HAZARD_COLUMNS,
    ReportRows,
    rejected_reason,
    report_rows,
)
from storage.reportindex import refresh_reports


@dataclass
class SiteData:
    code: str
    host: str
    url: str
    name: str | None = None
    prefecture: str | None = None
    province: str | None = None


@dataclass
class CaptureData:
    """Provenance of one archived response (see RECORD.md `source`)."""

    url: str
    final_url: str
    http_status: int
    fetched_at: datetime
    warc_file: str
    warc_offset: int
    warc_record_id: str
    payload_sha256: str
    content_type: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    encoding_source: str | None = None
    robots: str | None = None
    attachment_of: str | None = None
    referer: str | None = None
    link_text: str | None = None
    site_code: str | None = None
    crawl_id: str | None = None


@dataclass
class DocumentData:
    text_sha256: str
    doc_id: str
    text: str
    simhash: str | None = None
    format: str | None = None
    title: str | None = None


def now() -> datetime:
    return datetime.now(UTC)


def upsert_sites(session: Session, sites: Iterable[SiteData]) -> dict[str, int]:
    """Insert or refresh registry rows; returns code → site id."""
    sites = list(sites)
    existing = {
        s.code: s
        for s in session.scalars(select(Site).where(Site.code.in_([s.code for s in sites])))
    }
    for data in sites:
        row = existing.get(data.code)
        if row is None:
            row = Site(code=data.code, host=data.host, url=data.url)
            session.add(row)
            existing[data.code] = row
        row.host, row.url = data.host, data.url
        row.name, row.prefecture, row.province = data.name, data.prefecture, data.province
    session.flush()
    return {code: row.id for code, row in existing.items()}


def start_run(session: Session, crawl_id: str, settings: dict[str, Any]) -> CrawlRun:
    run = CrawlRun(crawl_id=crawl_id, started_at=now(), status="running", settings=settings)
    session.add(run)
    session.flush()
    return run


def mark_interrupted(session: Session) -> list[str]:
    """Runs still marked `running` died (the caller holds the crawl lock): mark them so."""
    runs = list(session.scalars(select(CrawlRun).where(CrawlRun.status == "running")))
    for run in runs:
        run.status = "interrupted"
    return [run.crawl_id for run in runs]


def run_by_crawl_id(session: Session, crawl_id: str) -> CrawlRun | None:
    return session.scalar(select(CrawlRun).where(CrawlRun.crawl_id == crawl_id))


def find_document(session: Session, text_sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.text_sha256 == text_sha256))


def document_id_for_text(session: Session, text_sha256: str) -> int | None:
    """The id of the document with this text, if stored (no row loaded: the text is large)."""
    return session.scalar(select(Document.id).where(Document.text_sha256 == text_sha256))


def has_version(session: Session, document_id: int, parser_version: str) -> bool:
    found = session.scalar(
        select(ReportVersion.id).where(
            ReportVersion.document_id == document_id,
            ReportVersion.parser_version == parser_version,
        )
    )
    return found is not None


def add_report_version(
    session: Session,
    document: Document | int,
    capture: Capture | int | None,
    record: dict[str, Any],
    parser_version: str,
    *,
    refresh: bool = True,
    rows: ReportRows | None = None,
) -> int:
    """A new report version with its cells, checks and hazards (no commit); returns its id.
    `document` and `capture` are rows or their ids. `refresh=False` leaves the read side
    (storage.reportindex) to `refresh_deferred` at the end of the transaction: one refresh for
    a batch of reports instead of a dozen statements for each. `rows`: `report_rows(record)`
    if the caller has it already (the crawl's extraction workers compute it)."""
    if rows is None:
        rows = report_rows(record)
    # Core statements on the tables throughout: a report has ~120 cells, and the ORM's
    # per-row bookkeeping cost ten times the insert itself.
    conn = session.connection()
    doc_id = document if isinstance(document, int) else document.id
    version_id = conn.execute(
        insert(ReportVersion.__table__).returning(ReportVersion.__table__.c.id),
        {
            "document_id": doc_id,
            "capture_id": capture if capture is None or isinstance(capture, int) else capture.id,
            "parser_version": parser_version,
            "created_at": now(),
            "official": rows.rejected is None,
            "rejected_reason": rows.rejected,
            "record": record,
            **rows.columns,
        },
    ).scalar_one()
    insert_rows(conn, ReportCell.__table__, CELL_COLUMNS, version_id, rows.cells)
    insert_rows(conn, Check.__table__, CHECK_COLUMNS, version_id, rows.checks)
    insert_rows(conn, Hazard.__table__, HAZARD_COLUMNS, version_id, rows.hazards)
    if refresh:
        refresh_reports(session, [doc_id])
    else:
        session.info.setdefault(_DEFERRED, set()).add(doc_id)
    return int(version_id)


def insert_rows(
    conn: Connection,
    table: Table,
    columns: tuple[str, ...],
    key: int,
    rows: list[tuple[Any, ...]],
) -> None:
    """`rows` (tuples of `columns[1:]`) into `table`, each with `key` as its first column, in
    one executemany.

    A report has 100-200 cells: given as plain tuples to the driver's executemany, a row
    costs about a microsecond, where SQLAlchemy's per-row parameter processing cost ten (a
    third of the crawl's write time). Both engines' drivers take positional parameters; the
    columns are plain strings and numbers, which neither engine's SQLAlchemy types convert.
    """
    if not rows:
        return
    style = conn.dialect.paramstyle
    if style not in _POSITIONAL:
        conn.execute(insert(table), [dict(zip(columns, (key, *r), strict=True)) for r in rows])
        return
    marks = ", ".join([_POSITIONAL[style]] * len(columns))
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
        [(key, *r) for r in rows],
    )


# DB-API parameter styles whose positional marker is known (sqlite3: qmark; psycopg: pyformat).
_POSITIONAL = {"qmark": "?", "format": "%s", "pyformat": "%s"}

_DEFERRED = "gov_reports.refresh_reports"
_KNOWN_TERMS = "gov_reports.known_terms"


def offer_terms(
    session: Session,
    document_id: int,
    content: str,
    terms: str,
    ranking: Ranking | None = None,
) -> None:
    """Full-text terms (and their `entry_ranking`, if given) computed elsewhere for
    `document_id`'s entry content (storage.fulltext.entry_content), for the deferred refresh
    to use if the content is the one it indexes (storage.reportindex._write_fulltext)."""
    session.info.setdefault(_KNOWN_TERMS, {})[document_id] = (content, terms, ranking)


def refresh_deferred(session: Session) -> None:
    """Run the read-side refresh that `add_report_version(refresh=False)` put off in this
    session; call it before the transaction commits."""
    ids = session.info.pop(_DEFERRED, None)
    known = session.info.pop(_KNOWN_TERMS, None)
    if ids:
        refresh_reports(session, ids, known)


def add_document(
    session: Session,
    document: DocumentData,
    *,
    site_id: int | None,
    first_seen_at: datetime,
    near_dup_of: int | None = None,
    previous_id: int | None = None,
) -> int:
    """Insert a text not stored before (the caller knows it is new); returns its id.

    `near_dup_of`: the head of the near-copy group it joins; `previous_id`: the document the
    same URL served before, which this one revises."""
    table = Document.__table__
    result = session.connection().execute(
        insert(table).returning(table.c.id),
        {
            "text_sha256": document.text_sha256,
            "doc_id": document.doc_id,
            "simhash": document.simhash,
            "format": document.format,
            "title": document.title,
            "text": document.text,
            "site_id": site_id,
            "near_dup_of": near_dup_of,
            "previous_id": previous_id,
            "first_seen_at": first_seen_at,
        },
    )
    return int(result.scalar_one())


# CaptureData fields stored as `captures` columns of the same name.
_CAPTURE_COLUMNS = (
    "url",
    "final_url",
    "http_status",
    "headers",
    "content_type",
    "fetched_at",
    "warc_file",
    "warc_offset",
    "warc_record_id",
    "payload_sha256",
    "encoding",
    "encoding_source",
    "robots",
    "attachment_of",
    "referer",
    "link_text",
)


def add_capture(
    session: Session,
    capture: CaptureData,
    *,
    run_id: int | None,
    site_id: int | None,
    document_id: int | None,
    outcome: str,
    error: str | None = None,
) -> int:
    """Insert one capture row (no commit); returns its id."""
    table = Capture.__table__
    values = {name: getattr(capture, name) for name in _CAPTURE_COLUMNS}
    result = session.connection().execute(
        insert(table).returning(table.c.id),
        {
            **values,
            "crawl_run_id": run_id,
            "site_id": site_id,
            "document_id": document_id,
            "outcome": outcome,
            "error": error,
        },
    )
    return int(result.scalar_one())


# A capture whose ingest did not finish (a dead extraction worker, a bug, the time limit): no
# verdict on its bytes, so it does not make them "already captured" (`capture_exists`), and
# the next run ingests them.
UNFINISHED = "unfinished"


def capture_outcome(
    *,
    has_text: bool,
    new: bool,
    near: bool,
    record: dict[str, Any] | None,
    unfinished: bool = False,
) -> str:
    """`new`, `near-duplicate`, `duplicate`, `not-a-report` / `spam-hijack`, `failed`, or
    `unfinished` (the ingest did not finish)."""
    if unfinished:
        return UNFINISHED
    if not has_text:
        return "failed"
    if not new:
        return "duplicate"
    if record is None:
        return "failed"
    return rejected_reason(record) or ("near-duplicate" if near else "new")


def store_capture(
    session: Session,
    capture: CaptureData,
    *,
    run_id: int | None,
    site_id: int | None,
    document: DocumentData | None,
    record: dict[str, Any] | None,
    parser_version: str | None,
    near_dup_of: int | None = None,
    error: str | None = None,
    previous_id: int | None = None,
) -> str:
    """Record one capture and what it produced, looking its text up; returns the outcome
    (no commit). The crawl's store stage calls the parts below with ids it already knows.

    Outcomes: `new`, `near-duplicate` (a new text close to one already stored for the site),
    `duplicate` (the text was stored before), `not-a-report` / `spam-hijack` (parsed but no
    official report), `failed` (no text or no record). `previous_id` is the document the same
    URL served before, recorded on a new document as the version it revises.
    """
    found = find_document(session, document.text_sha256) if document else None
    doc_id = found.id if found is not None else None
    new = document is not None and doc_id is None
    if document is not None and doc_id is None:
        doc_id = add_document(
            session,
            document,
            site_id=site_id,
            first_seen_at=capture.fetched_at,
            near_dup_of=near_dup_of,
            previous_id=previous_id,
        )
    outcome = capture_outcome(
        has_text=document is not None, new=new, near=bool(near_dup_of), record=record
    )
    capture_id = add_capture(
        session,
        capture,
        run_id=run_id,
        site_id=site_id,
        document_id=doc_id,
        outcome=outcome,
        error=error,
    )
    wants_version = doc_id is not None and record is not None and bool(parser_version)
    if wants_version and not has_version(session, doc_id, parser_version):  # type: ignore[arg-type]
        add_report_version(session, doc_id, capture_id, record, parser_version)  # type: ignore[arg-type]
    if outcome == "duplicate" and doc_id is not None:
        # a document reparse had left without a capture is current again
        refresh_reports(session, [doc_id])
    return outcome


def finish_run(
    session: Session,
    run: CrawlRun,
    report: dict[str, Any],
    site_rows: list[dict[str, Any]],
    site_ids: dict[str, int],
) -> None:
    """Store the run report and per-site statuses; mark the run finished."""
    run.finished_at = now()
    run.status = report.get("status", "finished")
    run.report = report
    totals = report.get("totals", {})
    for key in ("sites", "pages", "reports_found", "new", "duplicate", "failed"):
        setattr(run, key, int(totals.get(key, 0)))
    for row in site_rows:
        site_id = site_ids.get(row["code"])
        if site_id is None:
            continue
        session.add(
            SiteStatus(
                crawl_run_id=run.id,
                site_id=site_id,
                status=row["status"],
                pages=row.get("pages", 0),
                reports=row.get("reports", 0),
                failed=row.get("failed", 0),
                robots_blocked=row.get("robots_blocked", 0),
                detail={k: v for k, v in row.items() if k not in {"code", "status"}},
            )
        )
        site = session.get(Site, site_id)
        if site is not None:
            site.last_status = row["status"]
            site.last_crawled_at = run.finished_at
            if row.get("cms"):
                site.cms = row["cms"]
            if row.get("robots"):
                site.robots = row["robots"]


def document_for_payload(session: Session, payload_sha256: str) -> Document | None:
    """The document an earlier capture with these exact bytes produced, if any."""
    return session.scalar(
        select(Document)
        .join(Capture, Capture.document_id == Document.id)
        .where(Capture.payload_sha256 == payload_sha256)
        .limit(1)
    )


def capture_exists(session: Session, final_url: str, payload_sha256: str) -> bool:
    """Whether these exact bytes from this URL are already recorded as a capture (one whose
    ingest did not finish does not count)."""
    found = session.scalar(
        select(Capture.id)
        .where(
            Capture.payload_sha256 == payload_sha256,
            Capture.final_url == final_url,
            Capture.outcome != UNFINISHED,
        )
        .limit(1)
    )
    return found is not None
