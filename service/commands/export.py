"""`gov-reports export --format jsonl --out FILE`: every stored report as one RECORD.md line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from storage.db import StorageError, open_database
from storage.query import iter_export_records


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "export",
        help="export every stored report (JSON Lines, RECORD.md shape, with provenance)",
    )
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("--out", metavar="FILE", default="-", help="output file ('-' for stdout)")
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: $GOV_REPORTS_DB)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    try:
        sessions = open_database(args.db)
    except StorageError as exc:
        print(f"gov-reports export: {exc}", file=sys.stderr)
        return 2
    try:
        out = sys.stdout if args.out == "-" else Path(args.out).open("w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"gov-reports export: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    count = 0
    try:
        with sessions() as session:
            for record in iter_export_records(session):
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
                count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"exported {count} reports", file=sys.stderr)
    return 0
