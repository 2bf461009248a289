"""`gov-reports reparse`: run the current parser over archived captures, read back from WARC.

New report versions are tagged with the current PARSER_VERSION; older versions stay. When the
extracted text itself changed, the capture moves to the new document (the old one is kept).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from crawler.encoding import decide_encoding
from parsers import PARSER_VERSION, ParseError, extract, parse_extracted, simhash64, text_digest
from storage.db import StorageError, open_database
from storage.models import Capture, CrawlRun, Document
from storage.query import iter_warc_pointers
from storage.records import source_of
from storage.reportindex import refresh_reports
from storage.repository import add_report_version, find_document, has_version, now
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
    try:
        sessions = open_database(args.db)
    except StorageError as exc:
        print(f"gov-reports reparse: {exc}", file=sys.stderr)
        return 2
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
            before = cap.document_id
            counts[_reparse_one(session, cap, stored.body, crawl_ids.get(cap.crawl_run_id))] += 1
            session.flush()
            refresh_reports(session, [before, cap.document_id])
    return counts


def _reparse_one(session, cap: Capture, body: bytes, crawl_id: str | None) -> str:  # type: ignore[no-untyped-def]
    name = unquote(urlsplit(cap.final_url).path.rsplit("/", 1)[-1])
    encoding = cap.encoding
    if encoding is None and not body.lstrip()[:4] in (b"%PDF", b"PK\x03\x04"):
        encoding, _ = decide_encoding(body, cap.content_type)
    try:
        ex = extract(body, name, encoding=encoding, content_type=cap.content_type)
    except ParseError:
        return "extract-failed"
    sha, doc_id = text_digest(ex.text)
    doc = find_document(session, sha)
    if doc is None:
        doc = Document(
            text_sha256=sha,
            doc_id=doc_id,
            simhash=simhash64(ex.text),
            format=ex.format,
            title=ex.title,
            text=ex.text,
            site_id=cap.site_id,
            near_dup_of=cap.document_id,
            first_seen_at=now(),
        )
        session.add(doc)
        session.flush()
    if cap.document_id != doc.id:
        cap.document_id = doc.id
    if has_version(session, doc.id, PARSER_VERSION):
        return "unchanged"
    try:
        record = parse_extracted(ex, source=source_of(cap, crawl_id))
    except ParseError:
        return "parse-failed"
    add_report_version(session, doc, cap, record, PARSER_VERSION)
    return "new-version"
