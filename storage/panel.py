"""The panel: one row per region × year, the table cells as columns (what Stata, R and pandas
want for a fixed-effects regression).

Each row is one issuer kind's report: by default the county government's own (`government`),
`--issuer-kind department` and so on for others. Where the archive holds several current
reports for the same region, year and kind (a report re-posted under another URL, a
department's and the government's both classified alike…), one is chosen and the row says
how many there were, which were left out and why this one won:

1. fewer failed accounting checks (a clean copy beats a garbled one);
2. more table cells filled;
3. the later publication date (a corrected re-issue), then the document seen last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.filters import NO_FILTER, ReportFilter
from storage.models import Check, Document, ReportCell, ReportVersion

PANEL_BATCH = 500


@dataclass
class PanelRow:
    region_code: str
    region_name: str | None
    prefecture: str | None
    province: str | None
    report_year: int
    issuer_kind: str | None
    doc_id: str
    issuer: str | None
    published_at: str | None
    candidates: int  # current reports for this region, year and kind
    dropped_doc_ids: list[str] = field(default_factory=list)
    resolution: str = ""  # why this report was chosen, when there were several
    cells: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        return {
            "region_code": self.region_code,
            "region_name": self.region_name,
            "prefecture": self.prefecture,
            "province": self.province,
            "year": self.report_year,
            "issuer_kind": self.issuer_kind,
            "doc_id": self.doc_id,
            "issuer": self.issuer,
            "published_at": self.published_at,
            "candidates": self.candidates,
            "dropped_doc_ids": " ".join(self.dropped_doc_ids) or None,
            "resolution": self.resolution or None,
        }


PANEL_META = (
    "region_code",
    "region_name",
    "prefecture",
    "province",
    "year",
    "issuer_kind",
    "doc_id",
    "issuer",
    "published_at",
    "candidates",
    "dropped_doc_ids",
    "resolution",
)


def panel_rows(session: Session, flt: ReportFilter = NO_FILTER) -> Iterator[PanelRow]:
    """The panel's rows in (region code, year) order, duplicates resolved; streams."""
    from storage.query import _conditions

    if flt.issuer_kind is None:
        flt = replace(flt, issuer_kind="government")
    failed = (
        select(func.count(Check.id))
        .where(Check.report_version_id == ReportVersion.id, Check.status == "fail")
        .correlate(ReportVersion)
        .scalar_subquery()
    )
    filled = (
        select(func.count(ReportCell.id))
        .where(ReportCell.report_version_id == ReportVersion.id, ReportCell.value.is_not(None))
        .correlate(ReportVersion)
        .scalar_subquery()
    )
    stmt = (
        select(
            ReportVersion.id,
            ReportVersion.region_code,
            ReportVersion.region_name,
            ReportVersion.prefecture,
            ReportVersion.province,
            ReportVersion.report_year,
            ReportVersion.issuer_kind,
            Document.doc_id,
            ReportVersion.issuer,
            ReportVersion.published_at,
            failed,
            filled,
            Document.first_seen_at,
        )
        .join(Document, Document.id == ReportVersion.document_id)
        .where(
            and_(*_conditions(flt)),
            ReportVersion.region_code.is_not(None),
            ReportVersion.report_year.is_not(None),
        )
        .order_by(ReportVersion.region_code, ReportVersion.report_year, ReportVersion.id)
    )
    pending: list[tuple[int, PanelRow]] = []
    group: list[Any] = []
    for row in session.execute(stmt.execution_options(yield_per=1000)):
        if group and (row[1], row[5]) != (group[0][1], group[0][5]):
            pending.append(_resolve(group))
            group = []
        group.append(row)
        if len(pending) >= PANEL_BATCH:
            yield from _with_cells(session, pending)
            pending = []
    if group:
        pending.append(_resolve(group))
    if pending:
        yield from _with_cells(session, pending)


def _resolve(group: list[Any]) -> tuple[int, PanelRow]:
    def key(r: Any) -> tuple[Any, ...]:
        return (-(r[10] or 0), r[11] or 0, r[9] or "", str(r[12] or ""), r[0])

    ranked = sorted(group, key=key, reverse=True)
    best = ranked[0]
    resolution = ""
    if len(ranked) > 1:
        second = ranked[1]
        if (best[10] or 0) != (second[10] or 0):
            why = f"fewest failed checks ({best[10]} vs {second[10]})"
        elif (best[11] or 0) != (second[11] or 0):
            why = f"most cells filled ({best[11]} vs {second[11]})"
        elif (best[9] or "") != (second[9] or ""):
            why = f"latest publication date ({best[9]} vs {second[9] or 'none'})"
        else:
            why = "seen last (otherwise alike)"
        resolution = f"{len(ranked)} reports; chose {best[7]}: {why}"
    return best[0], PanelRow(
        region_code=best[1],
        region_name=best[2],
        prefecture=best[3],
        province=best[4],
        report_year=best[5],
        issuer_kind=best[6],
        doc_id=best[7],
        issuer=best[8],
        published_at=best[9],
        candidates=len(ranked),
        dropped_doc_ids=[r[7] for r in ranked[1:]],
        resolution=resolution,
    )


def _with_cells(session: Session, pending: list[tuple[int, PanelRow]]) -> Iterator[PanelRow]:
    from storage.query import record_cells

    cells = record_cells(session, [vid for vid, _ in pending])
    for vid, panel_row in pending:
        panel_row.cells = {f"{c.table}.{c.row}.{c.column}": c.value for c in cells.get(vid, ())}
        yield panel_row
