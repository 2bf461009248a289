"""Streamed exports of the filtered reports: JSON Lines (RECORD.md records), CSV (one row per
report, every cell a column named as in storage.columns) and Parquet (the same columns).

Each is a generator of byte chunks over storage.query's batched iterators, so memory stays
flat however large the archive; the session lives as long as the stream.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from service.web.errors import NotFound
from storage import query
from storage.filters import ReportFilter

SUMMARY_FIELDS = (
    "doc_id",
    "title",
    "issuer",
    "issuer_kind",
    "region_code",
    "region_name",
    "prefecture",
    "province",
    "report_year",
    "published_at",
    "template",
    "parser_version",
    "superseded_by",
)
ROWS_PER_CHUNK = 500


def jsonl_chunks(session: Session, flt: ReportFilter) -> Iterator[bytes]:
    lines: list[str] = []
    for record in query.iter_records(session, flt):
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def _wide(session: Session, flt: ReportFilter) -> Iterator[list[Any]]:
    names = [c.name for c in query.cell_columns()]
    for summary, cells in query.iter_wide_rows(session, flt):
        meta = summary.as_dict()
        yield [meta.get(f) for f in SUMMARY_FIELDS] + [cells.get(n) for n in names]


def csv_chunks(session: Session, flt: ReportFilter) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
    writer.writerow([*SUMMARY_FIELDS, *(c.name for c in query.cell_columns())])
    for n, row in enumerate(_wide(session, flt), 1):
        writer.writerow(row)
        if n % ROWS_PER_CHUNK == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def parquet_chunks(session: Session, flt: ReportFilter) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "float": pa.float64(), "text": pa.string()}
    fields = [
        pa.field(f, pa.int64() if f == "report_year" else pa.string()) for f in SUMMARY_FIELDS
    ]
    fields += [pa.field(c.name, types[c.kind]) for c in query.cell_columns()]
    schema = pa.schema(fields)
    sink = _Sink()
    with pq.ParquetWriter(sink, schema) as writer:
        batch: list[list[Any]] = []
        for row in _wide(session, flt):
            batch.append(row)
            if len(batch) >= ROWS_PER_CHUNK:
                writer.write_table(_table(pa, schema, batch))
                batch = []
                yield sink.drain()
        if batch:
            writer.write_table(_table(pa, schema, batch))
    yield sink.drain()


def _table(pa: Any, schema: Any, rows: list[list[Any]]) -> Any:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


class _Sink(io.RawIOBase):
    """A write-only stream whose written bytes can be taken away while `tell()` keeps
    counting (Parquet's footer records row-group offsets from it)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._pos += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._pos

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts = []
        return data


FORMATS: dict[str, tuple[Callable[[Session, ReportFilter], Iterator[bytes]], str]] = {
    "jsonl": (jsonl_chunks, "application/x-ndjson; charset=utf-8"),
    "csv": (csv_chunks, "text/csv; charset=utf-8"),
    "parquet": (parquet_chunks, "application/vnd.apache.parquet"),
}


def stream(sessions: sessionmaker[Session], fmt: str, flt: ReportFilter) -> StreamingResponse:
    """A streamed attachment of every report the filter selects, in `fmt`."""
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt!r} (one of: {', '.join(FORMATS)})")
    chunks, media_type = FORMATS[fmt]

    def body() -> Iterator[bytes]:
        with sessions() as session:
            yield from chunks(session, flt)

    return StreamingResponse(
        body(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="reports.{fmt}"'},
    )
