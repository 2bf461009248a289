"""`gov-reports panel --out FILE`: one row per region × year, the table cells as columns."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.options import (
    CommandError,
    Progress,
    add_db_option,
    add_filter_options,
    check_writable_dir,
    filter_from,
    open_archive,
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "panel",
        help="region × year panel (one row each, cells as columns) for Stata, R, pandas",
        description="One row per region and year: the county government's own report (or "
        "--issuer-kind's), every table cell a column. Where several reports compete for one "
        "row, the one with the fewest failed checks, then the most cells, then the latest "
        "publication wins; `candidates`, `dropped_doc_ids` and `resolution` say so. "
        "codebook.csv is written beside.",
    )
    p.add_argument("--out", metavar="FILE", required=True)
    p.add_argument("--format", choices=["csv", "parquet"], help="default: from --out's suffix")
    p.add_argument("-q", "--quiet", action="store_true")
    add_db_option(p)
    add_filter_options(p)
    p.set_defaults(func=cmd_panel)


def cmd_panel(args: argparse.Namespace) -> int:
    from service.writers import Column, cell_output_columns, write_table
    from storage.panel import PANEL_META
    from storage.query import panel_rows

    fmt = args.format or ("parquet" if args.out.endswith(".parquet") else "csv")
    meta_kinds = {"year": "int", "candidates": "int", "published_at": "date"}
    columns = [
        Column(name, meta_kinds.get(name, "text"), meaning=_MEANINGS.get(name, ""))
        for name in PANEL_META
    ]
    columns += cell_output_columns()
    resolved = 0
    flt = filter_from(args)
    check_writable_dir(args.out)
    if Path(args.out).is_dir():
        raise CommandError(f"cannot write {args.out}: it is a directory")
    sessions = open_archive(args)
    progress = Progress(None, "panel rows", quiet=args.quiet)

    def rows():  # type: ignore[no-untyped-def]
        nonlocal resolved
        for row in panel_rows(session, flt):
            resolved += row.candidates > 1
            progress.step()
            yield {**row.meta(), **row.cells}

    with sessions() as session:
        n = write_table(args.out, fmt, columns, rows())
    progress.close()
    if not args.quiet:
        print(
            f"panel: {n} region-year rows to {args.out}; {resolved} had several reports "
            "(see the resolution column)",
            file=sys.stderr,
        )
    return 0


_MEANINGS = {
    "region_code": "6-digit county-level division code",
    "region_name": "county-level division",
    "prefecture": "prefecture-level division",
    "province": "province-level division",
    "year": "the year the reports cover",
    "issuer_kind": "kind of issuer this row is for",
    "doc_id": "the report chosen for this row",
    "issuer": "its issuer as printed",
    "published_at": "its publication date",
    "candidates": "how many current reports there were for this region, year and kind",
    "dropped_doc_ids": "the other reports, not used (space-separated)",
    "resolution": "why this report was chosen, when there were several",
}
