"""`gov-reports export`: the selected reports as JSON Lines, CSV, Parquet, text files or WACZ.

Every format but JSON Lines on stdout writes `codebook.csv` (the data dictionary) beside its
output. Files are written under a temporary name and renamed when complete, so a failed or
interrupted export leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.options import (
    CommandError,
    Progress,
    add_db_option,
    add_filter_options,
    atomic_output,
    check_writable_dir,
    filter_from,
    open_archive,
)

FORMATS = ("jsonl", "csv", "parquet", "txt", "wacz")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "export",
        help="export the selected reports (jsonl, csv, parquet, txt, wacz) with a codebook",
        description="Export the selected reports. jsonl: one RECORD.md record per line. csv: "
        "UTF-8 with BOM (Excel), one row per report, every table cell a column "
        "(applications.new_received.total …); --long for one row per cell. parquet: the same "
        "columns, typed. txt: a directory of NNN_<doc_id>.txt files plus manifest.csv. wacz: "
        "the archived originals as a WACZ package for ReplayWeb.page, with "
        "<name>.records.jsonl whose source points into it. codebook.csv is written beside.",
    )
    p.add_argument("--format", choices=FORMATS, default="jsonl")
    p.add_argument(
        "--out",
        metavar="PATH",
        default="-",
        help="output file or, for txt, directory ('-': stdout, jsonl only)",
    )
    p.add_argument("--long", action="store_true", help="csv/parquet: one row per table cell")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    add_db_option(p)
    add_filter_options(p)
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    flt = filter_from(args)
    if args.out == "-" and args.format != "jsonl":
        raise CommandError(f"--format {args.format} needs --out PATH")
    if args.long and args.format not in ("csv", "parquet"):
        raise CommandError("--long applies to --format csv or parquet")
    if args.out != "-":
        _check_out(args.out, args.format)
    sessions = open_archive(args)
    with sessions() as session:
        n = _export(session, flt, args)
    if not args.quiet:
        where = "stdout" if args.out == "-" else args.out
        print(f"exported {n} reports to {where} ({args.format})", file=sys.stderr)
    return 0


def _check_out(out: str, fmt: str) -> None:
    path = Path(out)
    check_writable_dir(path)
    if fmt == "txt":
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CommandError(f"cannot write {out}: it exists and is not an empty directory")
    elif path.is_dir():
        raise CommandError(f"cannot write {out}: it is a directory")


def _export(session, flt, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from storage import query

    total = query.count(session, flt)
    progress = Progress(total, f"export {args.format}", quiet=args.quiet or args.out == "-")
    try:
        if args.format == "jsonl":
            return _jsonl(session, flt, args.out, progress)
        if args.format in ("csv", "parquet"):
            return _table(session, flt, args, progress)
        if args.format == "txt":
            from service.textexport import write_txt

            return write_txt(session, flt, Path(args.out), progress)
        from service.waczexport import write_wacz

        return write_wacz(session, flt, Path(args.out), progress)
    finally:
        progress.close()


def _jsonl(session, flt, out: str, progress: Progress) -> int:  # type: ignore[no-untyped-def]
    from storage.query import iter_records

    n = 0
    if out == "-":
        for record in iter_records(session, flt):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
        return n
    with atomic_output(out, "w", encoding="utf-8") as fh:
        for record in iter_records(session, flt):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
            progress.step()
    from service.writers import wide_columns, write_codebook

    write_codebook(Path(out).resolve().parent, wide_columns())
    return n


def _table(session, flt, args: argparse.Namespace, progress: Progress) -> int:  # type: ignore[no-untyped-def]
    from service.writers import LONG_COLUMNS, SCHEMA, wide_columns, write_table
    from storage.query import iter_long_cells, iter_wide_rows

    if args.long:
        names = [c.name for c in LONG_COLUMNS]

        def long_rows():  # type: ignore[no-untyped-def]
            last = None
            for cell in iter_long_cells(session, flt):
                if cell[0] != last:
                    last = cell[0]
                    progress.step()
                yield dict(zip(names, cell, strict=True))

        write_table(args.out, args.format, LONG_COLUMNS, long_rows())
        return progress.done

    def wide_rows():  # type: ignore[no-untyped-def]
        for summary, values in iter_wide_rows(session, flt):
            progress.step()
            yield {**summary.as_dict(), **values, "schema": SCHEMA}

    return write_table(args.out, args.format, wide_columns(), wide_rows())
