"""Tabular output for researchers: CSV that Excel opens with Chinese intact, typed Parquet,
and the data dictionary (`codebook.csv`) written beside every export."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from service.options import atomic_output
from storage.columns import cell_columns

SCHEMA = "gov-reports/record@1"
# Excel on Chinese Windows reads a CSV as GBK unless it starts with a UTF-8 byte-order mark.
CSV_ENCODING = "utf-8-sig"
ROWS_PER_PARQUET_BATCH = 5000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int | float | text | date | timestamp
    label: str = ""  # the template's Chinese label, for cell columns
    meaning: str = ""
    unit: str = ""


REPORT_COLUMNS = (
    Column("doc_id", "text", meaning="report id: first 16 hex digits of the text's SHA-256"),
    Column("title", "text", "标题", "title as printed"),
    Column("issuer", "text", "发布机关", "the body that issued the report"),
    Column("issuer_kind", "text", meaning="government | government_office | department | township | unknown"),
    Column("region_code", "text", "行政区划代码", "6-digit county-level division code"),
    Column("region_name", "text", "县级行政区", "county-level division"),
    Column("prefecture", "text", "地级行政区", "prefecture-level division"),
    Column("province", "text", "省级行政区", "province-level division"),
    Column("report_year", "int", "年度", "the year the report covers", "年"),
    Column("published_at", "date", "发布日期", "publication date printed on the page"),
    Column("template", "text", meaning="table template: 2021 | 2019 | pre2019 | unknown"),
    Column("parser_version", "text", meaning="version of the parser that read the report"),
    Column("superseded_by", "text", meaning="doc_id of the revision that replaced this report"),
    Column("hazards", "text", meaning="hazard tags, space-separated (RECORD.md)"),
    Column("failed_checks", "text", meaning="accounting checks that fail, space-separated"),
    Column("url", "text", meaning="the URL the report was fetched from"),
    Column("fetched_at", "timestamp", meaning="when it was fetched (UTC)"),
    Column("warc_path", "text", meaning="the WARC file holding the archived response"),
)  # fmt: skip
SCHEMA_COLUMN = Column("schema", "text", meaning=f"record schema of this export ({SCHEMA})")
LONG_COLUMNS = (
    Column("doc_id", "text", meaning="report id"),
    Column("table", "text", meaning="active_disclosure | applications | review_litigation"),
    Column("row", "text", meaning="row key (RECORD.md)"),
    Column("column", "text", meaning="column key (RECORD.md)"),
    Column("value", "float", meaning="the number (exact for counts)"),
    Column("raw", "text", meaning="the printed text, where the record keeps it (money)"),
)


def cell_output_columns() -> list[Column]:
    return [
        Column(
            c.name,
            {"int": "int", "float": "float"}.get(c.kind, "text"),
            c.label,
            c.meaning,
            c.unit,
        )
        for c in cell_columns()
    ]


def wide_columns() -> list[Column]:
    return [*REPORT_COLUMNS, *cell_output_columns(), SCHEMA_COLUMN]


def write_codebook(directory: Path, columns: Sequence[Column]) -> Path:
    """`codebook.csv`: column, type, the template's Chinese label as printed, meaning, unit."""
    path = directory / "codebook.csv"
    with atomic_output(path, "w", encoding=CSV_ENCODING, newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["column", "type", "label_zh", "meaning", "unit", "schema"])
        for col in columns:
            out.writerow([col.name, col.kind, col.label, col.meaning, col.unit, SCHEMA])
    return path


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def write_csv(path: str | Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """A UTF-8 CSV with BOM, one line per row; blank cells for null. Returns rows written."""
    with atomic_output(path, "w", encoding=CSV_ENCODING, newline="") as fh:
        return csv_to(fh, columns, rows)


def csv_to(fh: TextIO, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """`write_csv` into an open text stream (the web API streams it)."""
    names = [c.name for c in columns]
    floats = [i for i, c in enumerate(columns) if c.kind == "float"]
    n = 0
    out = csv.writer(fh)
    out.writerow(names)
    for row in rows:
        line = [row.get(name) for name in names]  # None is written as an empty field
        for i in floats:
            line[i] = _csv_value(line[i])
        out.writerow(line)
        n += 1
    return n


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    return {
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }.get(kind, pa.string())


def _arrow_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "int":
        return int(value) if float(value).is_integer() else None
    if kind == "float":
        return float(value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None
    if kind == "timestamp":
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return str(value)


def write_parquet(
    path: str | Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> int:
    """A Parquet file with a typed column each (int64, float64, date, timestamp, string),
    written in row groups so memory stays flat. Returns rows written."""
    with atomic_output(path, "wb") as fh:
        return parquet_to(fh, columns, rows)


def parquet_to(fh: BinaryIO, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """`write_parquet` into an open binary stream (the web API streams it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [pa.field(c.name, _arrow_type(c.kind)) for c in columns],
        metadata={b"gov-reports.schema": SCHEMA.encode()},
    )
    n = 0
    with pq.ParquetWriter(fh, schema) as writer:
        for chunk in _chunks(rows, ROWS_PER_PARQUET_BATCH):
            data = {c.name: _arrow_column(c.kind, [r.get(c.name) for r in chunk]) for c in columns}
            writer.write_table(pa.Table.from_pydict(data, schema=schema))
            n += len(chunk)
    return n


# Values pyarrow converts to the column's type exactly as `_arrow_value` would.
_EXACT = {"int": (int,), "float": (int, float), "text": (str,)}


def _arrow_column(kind: str, values: list[Any]) -> list[Any]:
    """The column's values for pyarrow: as they are when every one already has the right
    Python type (the common case, no call per value), else converted one by one."""
    exact = _EXACT.get(kind)
    if exact is not None and all(v is None or type(v) in exact for v in values):
        return values
    return [_arrow_value(kind, v) for v in values]


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_table(
    path: str | Path, fmt: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> int:
    """CSV or Parquet (`fmt`), then the codebook beside it."""
    writer = write_parquet if fmt == "parquet" else write_csv
    n = writer(path, columns, rows)
    write_codebook(Path(path).resolve().parent, columns)
    return n
