"""Verifying the archive: re-read every WARC record the database points to and re-hash it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.query import iter_warc_pointers
from storage.warc import ArchiveCorrupt, read_response


@dataclass(frozen=True)
class Problem:
    capture_id: int
    url: str
    reason: str


def verify_archive(session: Session, archive_dir: str | None = None) -> Iterator[Problem | None]:
    """One entry per capture: None when its record reads back with the stored record id and
    payload digest, else what is wrong."""
    for ptr in iter_warc_pointers(session, archive_dir):
        problem = None
        try:
            rec = read_response(ptr.path, ptr.offset)
        except ArchiveCorrupt as exc:
            problem = str(exc)
        else:
            if rec.record_id != ptr.record_id:
                problem = f"record id {rec.record_id} != {ptr.record_id}"
            elif rec.payload_sha256 != ptr.payload_sha256:
                problem = f"payload sha256 {rec.payload_sha256[:16]}… != {ptr.payload_sha256[:16]}…"
        yield Problem(ptr.capture_id, ptr.url, problem) if problem else None
