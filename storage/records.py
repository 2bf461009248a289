"""Turn a RECORD.md record into the rows researchers filter on: columns, long-form cells."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

CELL_TABLES = ("active_disclosure", "applications", "review_litigation")
# Hazards that mean "this text is no official report", with the reason stored beside it.
REJECTING_HAZARDS = ("spam-hijack", "not-a-report")


class Cell(NamedTuple):
    table: str
    row: str
    column: str
    value: int | float | None  # an int stays an int (stored exactly in value_int)
    raw: str | None


def iter_cells(record: dict[str, Any]) -> Iterator[Cell]:
    """Every table cell of the record, blank cells included (value None)."""
    for table in CELL_TABLES:
        rows = record.get(table) or {}
        if not isinstance(rows, dict):
            continue
        for row, cols in rows.items():
            if not isinstance(cols, dict):
                continue
            for col, val in cols.items():
                yield _cell(table, row, col, val)


def _cell(table: str, row: str, col: str, val: Any) -> Cell:
    if isinstance(val, dict):  # money: {"raw": "7976.14万元", "yuan": 79761400.0}
        num = val.get("yuan")
        return Cell(table, row, col, float(num) if num is not None else None, val.get("raw"))
    if isinstance(val, bool) or val is None:
        return Cell(table, row, col, None, None)
    if isinstance(val, int):
        return Cell(table, row, col, val, None)
    if isinstance(val, float):
        return Cell(table, row, col, val, None)
    return Cell(table, row, col, None, str(val))


def rejected_reason(record: dict[str, Any]) -> str | None:
    """Why a parsed record is not an official report, or None when it is one."""
    hazards = record.get("hazards") or []
    return next((tag for tag in REJECTING_HAZARDS if tag in hazards), None)


def version_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The filter columns of `report_versions`, taken from the record."""
    region = record.get("region") or {}
    year = record.get("report_year")
    return {
        "title": record.get("title"),
        "issuer": record.get("issuer"),
        "issuer_kind": record.get("issuer_kind"),
        "region_code": region.get("code"),
        "region_name": region.get("name"),
        "prefecture": region.get("prefecture"),
        "province": region.get("province"),
        "report_year": int(year) if isinstance(year, int) else None,
        "published_at": (record.get("published_at") or None),
        "template": record.get("template"),
    }


@dataclass(frozen=True)
class ReportRows:
    """What a report version's child tables get from its record, as driver-ready tuples
    without the version id (prepended at insert): computed where the record is parsed (an
    extraction worker, beside the crawl) so the crawl's serial store stage only executes."""

    columns: dict[str, Any]  # version_columns(record)
    rejected: str | None  # rejected_reason(record)
    cells: list[tuple[Any, ...]]  # CELL_COLUMNS[1:]
    checks: list[tuple[Any, ...]]  # CHECK_COLUMNS[1:]
    hazards: list[tuple[Any, ...]]  # HAZARD_COLUMNS[1:]


CELL_COLUMNS = (
    "report_version_id",
    "table_name",
    "row_key",
    "column_key",
    "value",
    "value_int",
    "raw",
)
CHECK_COLUMNS = ("report_version_id", "rule", "status", "detail")
HAZARD_COLUMNS = ("report_version_id", "tag")


def report_rows(record: dict[str, Any]) -> ReportRows:
    """The rows `storage.repository.add_report_version` writes for `record`."""
    return ReportRows(
        columns=version_columns(record),
        rejected=rejected_reason(record),
        cells=[
            (
                c.table,
                c.row,
                c.column,
                c.value,
                c.value if isinstance(c.value, int) else None,
                c.raw,
            )
            for c in iter_cells(record)
        ],
        checks=[
            (str(chk.get("rule")), str(chk.get("status")), chk.get("detail"))
            for chk in record.get("checks") or []
            if isinstance(chk, dict)
        ],
        hazards=[(str(tag),) for tag in record.get("hazards") or []],
    )


# The provenance a capture and a crawled item both carry, under these same attribute names.
SOURCE_FIELDS = (
    "url",
    "final_url",
    "fetched_at",
    "http_status",
    "content_type",
    "encoding",
    "warc_file",
    "warc_record_id",
    "warc_offset",
    "payload_sha256",
)


def source_of(capture: Any, crawl_id: str | None) -> dict[str, Any]:
    """The `source` member of a record (RECORD.md provenance), from a stored capture or a
    crawled item."""
    source = {name: getattr(capture, name) for name in SOURCE_FIELDS}
    source["fetched_at"] = iso_utc(source["fetched_at"])
    source["crawl_id"] = crawl_id
    source["attachment_of"] = capture.attachment_of
    return source


def iso_utc(value: Any) -> Any:
    """ISO 8601 in UTC with a `Z`; SQLite hands datetimes back naive, so naive means UTC."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
