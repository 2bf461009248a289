"""`gov-reports parse FILE...`: one record per file on stdout (JSON Lines).

With `--jobs N` the files are parsed by N worker processes; records and error lines still come
out in the order of the files given. Each worker returns the finished JSON line, so the parent
only writes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from parsers import ParseError, parse_bytes
from parsers.extract import read_input

# Files handed to a worker at a time: large enough that inter-process traffic stays small next
# to parsing, small enough that output starts early and the last batch does not leave cores idle.
_CHUNK = 8
# By default, one more worker per this many files (up to the cores): a handful of files parse
# faster in the command's own process than a pool starts.
_FILES_PER_WORKER = 16


# One encoder for every record (json.dumps builds one per call): the same text as
# json.dumps(record, ensure_ascii=False).
_encode = json.JSONEncoder(ensure_ascii=False).encode


class Outcome(NamedTuple):
    line: str | None  # the record as one JSON line (with its newline), or None
    error: str | None  # the one-line message for stderr, or None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse report files (.txt, .html, .pdf, .docx, .doc) into JSON Lines records",
        description="Parse each FILE into one record (RECORD.md) and print it as a JSON line. "
        "Files that fail get a one-line error on stderr; the others are still parsed.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--indent", action="store_true", help="pretty-print (not JSON Lines)")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="parse with N processes (default: one per available core, fewer for a handful "
        "of files)",
    )
    parser.set_defaults(func=run)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {value!r}")
    return int(value)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_file(name: str, indent: bool = False) -> Outcome:
    """Parse one file into its JSON line, or the reason it failed."""
    path = Path(name)
    try:
        record = parse_bytes(read_input(path), path.name, source={"path": name})
    except (OSError, ParseError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return Outcome(None, f"gov-reports parse: {name}: {reason}")
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
        reason = f"internal error ({type(error).__name__}: {error})"
        return Outcome(None, f"gov-reports parse: {name}: {reason}")
    line = (json.dumps(record, ensure_ascii=False, indent=2) if indent else _encode(record)) + "\n"
    if "not-a-report" in record["hazards"]:
        reason = "not a report (a document about annual reports)"
        return Outcome(line, f"gov-reports parse: {name}: {reason}")
    return Outcome(line, None)


def _parse_indented(name: str) -> Outcome:
    return parse_file(name, indent=True)


def run(args: argparse.Namespace) -> int:
    if args.jobs:
        jobs = min(args.jobs, len(args.files))
    else:  # a worker is worth starting for a few dozen files, not for a handful
        jobs = min(available_cores(), max(1, len(args.files) // _FILES_PER_WORKER))
    work = _parse_indented if args.indent else parse_file
    if jobs <= 1:
        return _write(map(work, args.files))
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(_CHUNK, len(args.files) // (4 * jobs)))
    with ProcessPoolExecutor(jobs) as pool:
        return _write(pool.map(work, args.files, chunksize=chunk))


def _write(outcomes: Iterable[Outcome]) -> int:
    """Print each outcome as it arrives, in file order; 1 if any file failed."""
    status = 0
    out, err = sys.stdout, sys.stderr
    for outcome in outcomes:
        if outcome.error:
            # Keep stdout and stderr in step for a reader that merges them.
            out.flush()
            print(outcome.error, file=err)
            status = 1
        if outcome.line:
            out.write(outcome.line)
    return status
