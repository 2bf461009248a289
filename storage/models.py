"""The archive's tables (SQLAlchemy 2, typed).

Three identities are kept apart: a *capture* is one HTTP response as archived in a WARC file
(keyed by its WARC record id), a *document* is one extracted text (keyed by `text_sha256`; many
captures may produce it) and a *report version* is what one parser version made of a document.
Report versions are never overwritten: a re-parse adds a row tagged with the new parser version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base; the Alembic migrations mirror these tables."""


class Site(Base):
    """A county-level government website from the registry (one row per division code)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    prefecture: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(64))
    cms: Mapped[str | None] = mapped_column(String(32))
    robots: Mapped[str | None] = mapped_column(String(32))  # last robots.txt verdict seen
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_crawled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrawlRun(Base):
    """One `gov-reports crawl`; `report` holds the run report printed at the end."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_id: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(32), default="running")
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sites: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    reports_found: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class SiteStatus(Base):
    """Per-site outcome of one run (ok / no-reports / robots-blocked / unreachable …)."""

    __tablename__ = "site_statuses"
    __table_args__ = (UniqueConstraint("crawl_run_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    robots_blocked: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Document(Base):
    """One extracted text, stored once however many captures produced it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    doc_id: Mapped[str] = mapped_column(String(16), index=True)
    simhash: Mapped[str | None] = mapped_column(String(16))
    format: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    # Near-duplicate group: the first document of the same site within the simhash radius.
    near_dup_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # The document the same URL served before this one (a revised report), if any.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FetchState(Base):
    """What the archive knows about one URL between runs: validators, payload digest, the WARC
    record of its last full response, when it was last seen, when it is due again, gone or not.
    """

    __tablename__ = "fetch_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(Text)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))  # nav | list | report | attachment
    attachment_of: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)  # last status answered
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    # The last full response record (a revisit record refers to it; a 304 replays it).
    archive_dir: Mapped[str | None] = mapped_column(Text)
    warc_file: Mapped[str | None] = mapped_column(String(512))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(64))
    warc_date: Mapped[str | None] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 200/304
    last_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 404/410 since
    # Set only once the page's item is safely stored: until then the page is always due.
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fetches: Mapped[int] = mapped_column(Integer, default=0)
    revisits: Mapped[int] = mapped_column(Integer, default=0)
    # Runs in a row whose ingest of this URL did not finish (time limit, dead worker): the
    # crawl gives up at GOV_REPORTS_MAX_UNFINISHED_RUNS; a stored or unchanged page resets it.
    unfinished_runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Capture(Base):
    """One archived HTTP response that was a report candidate, with its WARC address."""

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_type: Mapped[str | None] = mapped_column(String(255))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    warc_file: Mapped[str] = mapped_column(String(512))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_record_id: Mapped[str] = mapped_column(String(64), unique=True)
    payload_sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(32))
    encoding_source: Mapped[str | None] = mapped_column(String(16))  # header|meta|bom|detected
    robots: Mapped[str | None] = mapped_column(String(16))  # allowed | not-checked
    attachment_of: Mapped[str | None] = mapped_column(Text)
    referer: Mapped[str | None] = mapped_column(Text)
    link_text: Mapped[str | None] = mapped_column(Text)
    # new | duplicate | near-duplicate | not-a-report | rejected | failed | unfinished
    outcome: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document | None] = relationship()


READ_INDEX_COLUMNS = (
    "current",
    "official",
    "report_year",
    "issuer_kind",
    "province",
    "prefecture",
    "region_code",
    "template",
    "latest",
    "superseded_by",
    "failed_mask",
    "hazard_mask",
)


class ReportVersion(Base):
    """What one parser version made of one document; older versions are kept."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "parser_version"),
        Index("ix_report_versions_region_year", "region_code", "report_year"),
        # Covering indexes (migration 0005): filters, counts and the full-text join read only
        # these, never the wide rows (on SQLite the record JSON sits before these columns).
        # `id` last (migration 0006): SQLite keeps the rowid in every index anyway, PostgreSQL
        # needs it there to answer count(*) and the search's join from the index alone.
        Index("ix_report_versions_filters", *READ_INDEX_COLUMNS, "document_id", "id"),
        Index("ix_report_versions_by_document", "document_id", *READ_INDEX_COLUMNS, "id"),
        Index("ix_report_versions_issuer_year", "region_code", "issuer", "report_year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id"))
    parser_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # False for a parsed text that is no official report (a notice, an SEO-spam copy).
    official: Mapped[bool] = mapped_column(Boolean, default=True)
    rejected_reason: Mapped[str | None] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    issuer_kind: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    region_name: Mapped[str | None] = mapped_column(String(64))
    prefecture: Mapped[str | None] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(64))
    report_year: Mapped[int | None] = mapped_column(Integer, index=True)
    published_at: Mapped[str | None] = mapped_column(String(10))
    template: Mapped[str | None] = mapped_column(String(16))
    # Kept by storage.reportindex.refresh_reports (migration 0005): the newest parser version
    # of its document; that and the document current (a capture points to it, no revision
    # supersedes it); the document of the revision that superseded it.
    latest: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    current: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    # storage.flags (migration 0006): a bit per failing check family and per hazard tag, so
    # `--failed-check` and `--hazard` are answered from the covering index.
    failed_mask: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hazard_mask: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    document: Mapped[Document] = relationship()
    capture: Mapped[Capture | None] = relationship()


class ReportCell(Base):
    """Every table cell of a report version in long form: (table, row, column) → value."""

    __tablename__ = "report_cells"
    __table_args__ = (Index("ix_report_cells_version", "report_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_version_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE")
    )
    table_name: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    column_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)  # every number, as a float
    value_int: Mapped[int | None] = mapped_column(BigInteger)  # the exact integer (0004)
    raw: Mapped[str | None] = mapped_column(Text)  # printed text where the record keeps it


class Check(Base):
    """One accounting identity tried on a report version."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_version_status_rule", "report_version_id", "status", "rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_version_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class Hazard(Base):
    """One hazard tag noticed on a report version."""

    __tablename__ = "hazards"
    __table_args__ = (Index("ix_hazards_version_tag", "report_version_id", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_version_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(64), index=True)
