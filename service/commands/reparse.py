"""`gov-reports reparse`: run the current parser over archived captures, read back from WARC.

New report versions are tagged with the current PARSER_VERSION; older versions stay. When the
extracted text itself changed, the capture moves to the new document (the old one is kept).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from sqlalchemy import select

from parsers import PARSER_VERSION, ParseError
from parsers.ingest import ingest
from storage.db import open_database
from storage.models import Capture, CrawlRun
from storage.query import iter_warc_pointers
from storage.records import source_of
from storage.repository import (
    DocumentData,
    add_document,
    add_report_version,
    find_document,
    has_version,
    now,
)
from storage.warc import ArchiveCorrupt, read_response


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "reparse",
        help="re-run the current parser over the archived captures",
        description=f"Re-parse every archived report capture from its WARC record with parser "
        f"version {PARSER_VERSION}; earlier record versions are kept.",
    )
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: $GOV_REPORTS_DB)")
    p.add_argument("--archive", metavar="DIR", help="WARC directory (default: per crawl run)")
    p.set_defaults(func=cmd_reparse)


def cmd_reparse(args: argparse.Namespace) -> int:
    sessions = open_database(args.db)  # StorageError: exit 2 (service.exits)
    counts = reparse_all(sessions, args.archive)
    print(
        f"reparsed with {PARSER_VERSION}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
    )
    return 1 if counts.get("unreadable") else 0


def reparse_all(sessions, archive_dir: str | None = None) -> Counter[str]:  # type: ignore[no-untyped-def]
    """Re-parse every capture once per distinct payload; returns outcome counts."""
    counts: Counter[str] = Counter()
    with sessions() as session:
        pointers = {p.capture_id: p for p in iter_warc_pointers(session, archive_dir)}
        crawl_ids = dict(session.execute(select(CrawlRun.id, CrawlRun.crawl_id)).all())
    done: set[str] = set()
    for capture_id, ptr in pointers.items():
        if ptr.payload_sha256 in done:
            counts["same-payload"] += 1
            continue
        done.add(ptr.payload_sha256)
        try:
            stored = read_response(ptr.path, ptr.offset)
        except ArchiveCorrupt as exc:
            print(f"capture {capture_id}: {exc}", file=sys.stderr)
            counts["unreadable"] += 1
            continue
        with sessions.begin() as session:
            cap = session.get(Capture, capture_id)
            if cap is None:
                continue
            counts[_reparse_one(session, cap, stored.body, crawl_ids.get(cap.crawl_run_id))] += 1
    return counts


def _reparse_one(session, cap: Capture, body: bytes, crawl_id: str | None) -> str:  # type: ignore[no-untyped-def]
    """The crawl's ingest path (parsers.ingest) over the archived bytes, with the encoding the
    capture was stored with. A changed text becomes a new document that revises the old one."""
    try:
        ingested = ingest(
            body,
            cap.final_url,
            content_type=cap.content_type,
            source=source_of(cap, crawl_id),
            encoding=cap.encoding,
        )
    except ParseError:
        return "extract-failed"
    doc = find_document(session, ingested.text_sha256)
    doc_id = doc.id if doc is not None else None
    if doc_id is None:
        doc_id = add_document(
            session,
            DocumentData(**ingested.document_fields()),
            site_id=cap.site_id,
            first_seen_at=now(),
            previous_id=cap.document_id,
        )
    if cap.document_id != doc_id:
        cap.document_id = doc_id
    if has_version(session, doc_id, PARSER_VERSION):
        return "unchanged"
    if ingested.record is None:
        return "parse-failed"
    add_report_version(session, doc_id, cap.id, ingested.record, PARSER_VERSION)
    return "new-version"
