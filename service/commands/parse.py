"""`gov-reports parse FILE...`: one record per file on stdout (JSON Lines)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parsers import ParseError, parse_bytes
from parsers.extract import read_input


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse report files (.txt, .html, .pdf, .docx, .doc) into JSON Lines records",
        description="Parse each FILE into one record (RECORD.md) and print it as a JSON line. "
        "Files that fail get a one-line error on stderr; the others are still parsed.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--indent", action="store_true", help="pretty-print (not JSON Lines)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            record = parse_bytes(read_input(path), path.name, source={"path": name})
        except (OSError, ParseError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            print(f"gov-reports parse: {name}: {reason}", file=sys.stderr)
            status = 1
            continue
        except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
            print(
                f"gov-reports parse: {name}: internal error ({type(error).__name__}: {error})",
                file=sys.stderr,
            )
            status = 1
            continue
        if "not-a-report" in record["hazards"]:
            print(
                f"gov-reports parse: {name}: not a report (a document about annual reports)",
                file=sys.stderr,
            )
            status = 1
        json.dump(record, sys.stdout, ensure_ascii=False, indent=2 if args.indent else None)
        sys.stdout.write("\n")
    return status
