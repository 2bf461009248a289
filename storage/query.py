"""Read functions over a Session: export records, WARC pointers, run reports.

The CLI is a thin layer over these; researchers can call them from a notebook too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Capture, CrawlRun, ReportCell, ReportVersion
from storage.records import source_of


def latest_versions(session: Session, *, official_only: bool = True) -> list[ReportVersion]:
    """The newest report version of every current document (one a capture points to)."""
    current = select(Capture.document_id).where(Capture.document_id.is_not(None))
    newest = (
        select(func.max(ReportVersion.id))
        .where(ReportVersion.document_id.in_(current))
        .group_by(ReportVersion.document_id)
    )
    stmt = select(ReportVersion).where(ReportVersion.id.in_(newest)).order_by(ReportVersion.id)
    if official_only:
        stmt = stmt.where(ReportVersion.official.is_(True))
    return list(session.scalars(stmt))


def iter_export_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every stored official report as a RECORD.md record, `source` from its capture."""
    run_ids = dict(session.execute(select(CrawlRun.id, CrawlRun.crawl_id)).all())
    for version in latest_versions(session):
        record = dict(version.record)
        capture = version.capture
        if capture is None:  # re-parsed without a capture: use the document's first capture
            capture = session.scalar(
                select(Capture)
                .where(Capture.document_id == version.document_id)
                .order_by(Capture.id)
                .limit(1)
            )
        if capture is not None:
            record["source"] = source_of(capture, run_ids.get(capture.crawl_run_id))
        record["parser_version"] = version.parser_version
        yield record


@dataclass(frozen=True)
class WarcPointer:
    capture_id: int
    url: str
    path: Path
    offset: int
    record_id: str
    payload_sha256: str


def iter_warc_pointers(
    session: Session, archive_dir: str | Path | None = None
) -> Iterator[WarcPointer]:
    """Every capture's WARC address; the file is resolved against its run's archive dir."""
    dirs: dict[int, str] = {}
    for run_id, settings in session.execute(select(CrawlRun.id, CrawlRun.settings)):
        dirs[run_id] = (settings or {}).get("archive_dir", "")
    for cap in session.scalars(select(Capture).order_by(Capture.id)):
        base = Path(archive_dir) if archive_dir else Path(dirs.get(cap.crawl_run_id or -1, "."))
        yield WarcPointer(
            capture_id=cap.id,
            url=cap.url,
            path=base / cap.warc_file,
            offset=cap.warc_offset,
            record_id=cap.warc_record_id,
            payload_sha256=cap.payload_sha256,
        )


def run_report(session: Session, crawl_id: str | None = None) -> dict[str, Any] | None:
    """The stored report of run `crawl_id`, or of the latest run."""
    stmt = select(CrawlRun)
    stmt = (
        stmt.where(CrawlRun.crawl_id == crawl_id) if crawl_id else stmt.order_by(CrawlRun.id.desc())
    )
    run = session.scalars(stmt.limit(1)).first()
    return run.report if run is not None else None


def cells_of(session: Session, version_id: int) -> dict[tuple[str, str, str], float | None]:
    """A report version's cells keyed by (table, row, column)."""
    rows = session.execute(
        select(
            ReportCell.table_name, ReportCell.row_key, ReportCell.column_key, ReportCell.value
        ).where(ReportCell.report_version_id == version_id)
    ).all()
    return {(t, r, c): v for t, r, c, v in rows}
