"""Writes: sites, runs, and one capture with its document and report version per transaction.

Callers pass plain dataclasses, so this module knows nothing about Scrapy items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

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
from storage.records import iter_cells, rejected_reason, version_columns
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
    document: Document,
    capture: Capture | None,
    record: dict[str, Any],
    parser_version: str,
) -> ReportVersion:
    """A new report version with its cells, checks and hazards (no commit)."""
    reason = rejected_reason(record)
    version = ReportVersion(
        document_id=document.id,
        capture_id=capture.id if capture is not None else None,
        parser_version=parser_version,
        created_at=now(),
        official=reason is None,
        rejected_reason=reason,
        record=record,
        **version_columns(record),
    )
    session.add(version)
    session.flush()
    # Core executemany: a report has ~120 cells, and ORM objects for each cost 10x more.
    cells = [
        {
            "report_version_id": version.id,
            "table_name": c.table,
            "row_key": c.row,
            "column_key": c.column,
            "value": c.value,
            "value_int": c.value if isinstance(c.value, int) else None,
            "raw": c.raw,
        }
        for c in iter_cells(record)
    ]
    checks = [
        {
            "report_version_id": version.id,
            "rule": str(chk.get("rule")),
            "status": str(chk.get("status")),
            "detail": chk.get("detail"),
        }
        for chk in record.get("checks") or []
        if isinstance(chk, dict)
    ]
    hazards = [
        {"report_version_id": version.id, "tag": str(tag)} for tag in record.get("hazards") or []
    ]
    for table, rows in ((ReportCell, cells), (Check, checks), (Hazard, hazards)):
        if rows:
            session.execute(insert(table), rows)
    refresh_reports(session, [document.id])
    return version


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
    """Record one capture and what it produced; returns the outcome (no commit).

    Outcomes: `new`, `near-duplicate` (a new text close to one already stored for the site),
    `duplicate` (the text was stored before), `not-a-report` / `spam-hijack` (parsed but no
    official report), `failed` (no text or no record). `previous_id` is the document the same
    URL served before, recorded on a new document as the version it revises.
    """
    doc_row = find_document(session, document.text_sha256) if document else None
    outcome = "failed"
    if document is not None and doc_row is None:
        doc_row = Document(
            text_sha256=document.text_sha256,
            doc_id=document.doc_id,
            simhash=document.simhash,
            format=document.format,
            title=document.title,
            text=document.text,
            site_id=site_id,
            near_dup_of=near_dup_of,
            previous_id=previous_id,
            first_seen_at=capture.fetched_at,
        )
        session.add(doc_row)
        session.flush()
        outcome = "near-duplicate" if near_dup_of else "new"
    elif doc_row is not None:
        outcome = "duplicate"
    row = Capture(
        crawl_run_id=run_id,
        site_id=site_id,
        document_id=doc_row.id if doc_row is not None else None,
        url=capture.url,
        final_url=capture.final_url,
        http_status=capture.http_status,
        headers=capture.headers,
        content_type=capture.content_type,
        fetched_at=capture.fetched_at,
        warc_file=capture.warc_file,
        warc_offset=capture.warc_offset,
        warc_record_id=capture.warc_record_id,
        payload_sha256=capture.payload_sha256,
        encoding=capture.encoding,
        encoding_source=capture.encoding_source,
        robots=capture.robots,
        attachment_of=capture.attachment_of,
        referer=capture.referer,
        link_text=capture.link_text,
        outcome=outcome,
        error=error,
    )
    session.add(row)
    session.flush()
    if doc_row is not None and record is not None and parser_version:
        if not has_version(session, doc_row.id, parser_version):
            add_report_version(session, doc_row, row, record, parser_version)
        reason = rejected_reason(record)
        if reason and outcome != "duplicate":
            outcome = reason
    elif doc_row is not None and outcome != "duplicate" and record is None:
        outcome = "failed"
    row.outcome = outcome
    if outcome == "duplicate":  # a document reparse had left without a capture is current again
        refresh_reports(session, [doc_row.id])
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
    """Whether these exact bytes from this URL are already recorded as a capture."""
    found = session.scalar(
        select(Capture.id)
        .where(Capture.payload_sha256 == payload_sha256, Capture.final_url == final_url)
        .limit(1)
    )
    return found is not None
