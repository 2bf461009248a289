"""`gov-reports verify`: re-read every WARC record the database points to and re-hash it."""

from __future__ import annotations

import argparse
import sys

from storage.db import open_database
from storage.verify import verify_archive


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "verify",
        help="check every archived capture against its WARC record",
        description="Re-read every WARC record the database points to, re-hash the payload, "
        "report each mismatch or missing file, and exit 1 if anything is wrong.",
    )
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: $GOV_REPORTS_DB)")
    p.add_argument(
        "--archive", metavar="DIR", help="WARC directory (default: the one each crawl run recorded)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    sessions = open_database(args.db)  # StorageError: exit 2 (service.exits)
    checked = bad = 0
    with sessions() as session:
        for problem in verify_archive(session, args.archive):
            checked += 1
            if problem is not None:
                bad += 1
                print(f"capture {problem.capture_id} {problem.url}: {problem.reason}")
    if not args.quiet or bad:
        print(
            f"verified {checked} captures: {checked - bad} ok, {bad} wrong",
            file=sys.stderr if bad else sys.stdout,
        )
    return 1 if bad else 0
