"""Coverage: which county published which year's report, and on time.

The matrix has one row per county site the archive crawled (the `sites` table, filtered by
province, prefecture or code prefix) and one column per year. A cell is:

- `found`: a current official report of that region and year by the county government (or
  by `--issuer-kind`), with its tables read;
- `found-not-parsed`: such a report exists, but its application table is empty (a scan that
  needs OCR, an unknown template);
- `unreachable` / `robots-blocked`: nothing found, and the site's last crawl could not reach it
  or robots.txt forbade it;
- `not-found`: the site was crawled and no report of that year is archived;
- `not-crawled`: the site is registered but no crawl has finished on it.

Publication against the legal deadlines (政府信息公开条例): under the 2008 Regulations every
agency's report is due by 31 March of the following year; under the 2019 revision (reports
for 2019 onwards) departments by 31 January and county governments by 31 March. Reports
without a publication date are counted as `undated`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.filters import NO_FILTER, ReportFilter
from storage.models import Document, ReportCell, ReportVersion, Site

STATUSES = (
    "found",
    "found-not-parsed",
    "not-found",
    "unreachable",
    "robots-blocked",
    "not-crawled",
)
DEPARTMENT_KINDS = ("department",)


@dataclass
class CoverageRow:
    code: str
    name: str | None
    prefecture: str | None
    province: str | None
    site_status: str | None
    cells: dict[int, str] = field(default_factory=dict)  # year → status
    doc_ids: dict[int, str] = field(default_factory=dict)  # year → the report found


@dataclass
class DeadlineRow:
    province: str | None
    year: int
    reports: int = 0
    on_time: int = 0
    late: int = 0
    undated: int = 0


@dataclass
class Coverage:
    years: list[int]
    rows: list[CoverageRow]
    deadlines: list[DeadlineRow]
    totals: Counter[str]


def deadline(report_year: int, issuer_kind: str | None) -> date:
    """The legal deadline for a report covering `report_year`."""
    if report_year >= 2019 and issuer_kind in DEPARTMENT_KINDS:
        return date(report_year + 1, 1, 31)
    return date(report_year + 1, 3, 31)


def coverage_matrix(session: Session, flt: ReportFilter = NO_FILTER) -> Coverage:
    """The county × year matrix and the deadline table for the filter's region and years."""
    from storage.query import _conditions

    kind_flt = flt if flt.issuer_kind else replace(flt, issuer_kind="government")
    sites = session.scalars(_site_select(flt)).all()
    filled = (
        select(func.count(ReportCell.id))
        .where(
            ReportCell.report_version_id == ReportVersion.id,
            ReportCell.table_name == "applications",
            ReportCell.value.is_not(None),
        )
        .correlate(ReportVersion)
        .scalar_subquery()
    )
    found: dict[tuple[str, int], tuple[str, bool]] = {}
    for code, year, doc_id, cells in session.execute(
        select(ReportVersion.region_code, ReportVersion.report_year, Document.doc_id, filled)
        .join(Document, Document.id == ReportVersion.document_id)
        .where(and_(*_conditions(kind_flt)), ReportVersion.report_year.is_not(None))
        .order_by(ReportVersion.id)
    ):
        parsed = bool(cells)
        if (code, year) not in found or (parsed and not found[(code, year)][1]):
            found[(code, year)] = (doc_id, parsed)
    years = _years(flt, [y for _, y in found])
    rows, totals = [], Counter[str]()
    for site in sites:
        row = CoverageRow(site.code, site.name, site.prefecture, site.province, site.last_status)
        for year in years:
            hit = found.get((site.code, year))
            if hit is not None:
                row.cells[year] = "found" if hit[1] else "found-not-parsed"
                row.doc_ids[year] = hit[0]
            elif site.last_status in ("unreachable", "robots-blocked"):
                row.cells[year] = site.last_status
            elif site.last_status is None:
                row.cells[year] = "not-crawled"
            else:
                row.cells[year] = "not-found"
            totals[row.cells[year]] += 1
        rows.append(row)
    return Coverage(years, rows, _deadlines(session, flt, _conditions), totals)


def _site_select(flt: ReportFilter):  # type: ignore[no-untyped-def]
    stmt = select(Site).order_by(Site.code)
    if flt.province:
        stmt = stmt.where(Site.province == flt.province)
    if flt.prefecture:
        stmt = stmt.where(Site.prefecture == flt.prefecture)
    if flt.region:
        stmt = stmt.where(Site.code.startswith(flt.region, autoescape=True))
    return stmt


def _years(flt: ReportFilter, seen: list[int]) -> list[int]:
    first = flt.year_from if flt.year_from is not None else min(seen, default=None)
    last = flt.year_to if flt.year_to is not None else max(seen, default=None)
    if first is None or last is None:
        return []
    return list(range(first, last + 1))


def _deadlines(session: Session, flt: ReportFilter, conditions) -> list[DeadlineRow]:  # type: ignore[no-untyped-def]
    table: dict[tuple[str | None, int], DeadlineRow] = {}
    stmt = (
        select(
            ReportVersion.province,
            ReportVersion.report_year,
            ReportVersion.issuer_kind,
            ReportVersion.published_at,
        )
        .where(and_(*conditions(flt)), ReportVersion.report_year.is_not(None))
        .execution_options(yield_per=2000)
    )
    for province, year, kind, published in session.execute(stmt):
        row = table.setdefault((province, year), DeadlineRow(province, year))
        row.reports += 1
        try:
            when = date.fromisoformat(published) if published else None
        except ValueError:
            when = None
        if when is None:
            row.undated += 1
        elif when <= deadline(year, kind):
            row.on_time += 1
        else:
            row.late += 1
    return [table[k] for k in sorted(table, key=lambda k: (k[0] or "", k[1]))]
