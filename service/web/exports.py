"""Streamed exports of the filtered reports, written by the same writers as `gov-reports
export` (service.writers): JSON Lines (RECORD.md records), CSV and Parquet (one row per report,
the codebook's columns).

The writers push bytes into a file; a response pulls them. A producer thread writes into a
small bounded queue that the response drains, so memory stays flat however large the export,
and a client that goes away stops the producer at its next write.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from service.web.errors import NotFound
from service.writers import CSV_ENCODING, SCHEMA, csv_to, parquet_to, wide_columns
from storage import query
from storage.filters import ReportFilter

QUEUE_CHUNKS = 16
CHUNK = 64 * 1024


def write_jsonl(session: Session, flt: ReportFilter, fh: BinaryIO) -> None:
    text = io.TextIOWrapper(fh, encoding="utf-8", write_through=False)
    for record in query.iter_records(session, flt):
        text.write(json.dumps(record, ensure_ascii=False) + "\n")
    text.flush()
    text.detach()


def _wide_rows(session: Session, flt: ReportFilter) -> Iterator[dict[str, Any]]:
    for summary, values in query.iter_wide_rows(session, flt):
        yield {**summary.as_dict(), **values, "schema": SCHEMA}


def write_csv(session: Session, flt: ReportFilter, fh: BinaryIO) -> None:
    text = io.TextIOWrapper(fh, encoding=CSV_ENCODING, newline="", write_through=False)
    csv_to(text, wide_columns(), _wide_rows(session, flt))
    text.flush()
    text.detach()


def write_parquet(session: Session, flt: ReportFilter, fh: BinaryIO) -> None:
    parquet_to(fh, wide_columns(), _wide_rows(session, flt))


Writer = Callable[[Session, ReportFilter, BinaryIO], None]
FORMATS: dict[str, tuple[Writer, str]] = {
    "jsonl": (write_jsonl, "application/x-ndjson; charset=utf-8"),
    "csv": (write_csv, "text/csv; charset=utf-8"),
    "parquet": (write_parquet, "application/vnd.apache.parquet"),
}


class _Gone(Exception):
    """The client went away: stop writing."""


class _QueueSink(io.RawIOBase):
    """A write-only stream into a bounded queue; `tell()` counts every byte written
    (Parquet's footer records row-group offsets from it)."""

    def __init__(self, chunks: queue.Queue[Any], stop: threading.Event) -> None:
        self.chunks, self.stop, self.pos = chunks, stop, 0
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buf += data
        self.pos += len(data)
        if len(self.buf) >= CHUNK:
            self.flush_chunk()
        return len(data)

    def tell(self) -> int:
        return self.pos

    def flush_chunk(self) -> None:
        if self.buf:
            self.put(bytes(self.buf))
            self.buf.clear()

    def put(self, item: Any) -> None:
        while True:
            if self.stop.is_set():
                raise _Gone
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def pump(sessions: sessionmaker[Session], writer: Writer, flt: ReportFilter) -> Iterator[bytes]:
    """Run `writer` in a thread with its own session; yield what it writes as it writes it."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    sink = _QueueSink(chunks, stop)

    def produce() -> None:
        try:
            with sessions() as session:
                writer(session, flt, sink)
            sink.flush_chunk()
            sink.put(None)
        except _Gone:
            pass
        except Exception as exc:  # noqa: BLE001 -- handed to the response, which ends the stream
            if not stop.is_set():
                sink.put(exc)

    thread = threading.Thread(target=produce, name="export", daemon=True)
    thread.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def stream(sessions: sessionmaker[Session], fmt: str, flt: ReportFilter) -> StreamingResponse:
    """A streamed attachment of every report the filter selects, in `fmt`."""
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt!r} (one of: {', '.join(FORMATS)})")
    writer, media_type = FORMATS[fmt]
    return StreamingResponse(
        pump(sessions, writer, flt),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="reports.{fmt}"'},
    )
