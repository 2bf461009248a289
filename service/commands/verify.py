"""`gov-reports verify`: re-read every WARC record the database points to and re-hash it."""

from __future__ import annotations

import argparse
import sys

from service.options import add_db_option, open_archive
from storage.db import StorageError
from storage.query import iter_warc_pointers
from storage.warc import ArchiveCorrupt, read_response


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "verify",
        help="check every archived capture against its WARC record",
        description="Re-read every WARC record the database points to, re-hash the payload, "
        "report each mismatch or missing file, and exit 1 if anything is wrong.",
    )
    add_db_option(p)
    p.add_argument(
        "--archive", metavar="DIR", help="WARC directory (default: the one each crawl run recorded)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        sessions = open_archive(args)  # must exist: a read command never creates one
    except StorageError as exc:
        print(f"gov-reports verify: {exc}", file=sys.stderr)
        return 2
    checked = bad = 0
    with sessions() as session:
        for ptr in iter_warc_pointers(session, args.archive):
            checked += 1
            problem = None
            try:
                rec = read_response(ptr.path, ptr.offset)
            except ArchiveCorrupt as exc:
                problem = str(exc)
            else:
                if rec.record_id != ptr.record_id:
                    problem = f"record id {rec.record_id} != {ptr.record_id}"
                elif rec.payload_sha256 != ptr.payload_sha256:
                    problem = (
                        f"payload sha256 {rec.payload_sha256[:16]}… != {ptr.payload_sha256[:16]}…"
                    )
            if problem:
                bad += 1
                print(f"capture {ptr.capture_id} {ptr.url}: {problem}")
    if not args.quiet or bad:
        print(
            f"verified {checked} captures: {checked - bad} ok, {bad} wrong",
            file=sys.stderr if bad else sys.stdout,
        )
    return 1 if bad else 0
