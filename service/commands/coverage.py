"""`gov-reports coverage`: the county × year matrix and publication against legal deadlines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.options import (
    CommandError,
    add_db_option,
    add_filter_options,
    check_writable_dir,
    filter_from,
    open_archive,
)

SYMBOLS = {
    "found": "●",
    "found-not-parsed": "◐",
    "not-found": "·",
    "unreachable": "×",
    "robots-blocked": "R",
    "not-crawled": " ",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "coverage",
        help="county × year coverage matrix and on-time publication, as a table or a heatmap",
        description="For every county site in the archive and every year: the government's "
        "report found, found but not parsed, not found, site unreachable or robots-blocked; "
        "and per province and year how many reports were published by the legal deadline "
        "(2008 Regulations: 31 March; 2019 revision: departments 31 January, governments "
        "31 March of the following year).",
    )
    p.add_argument("--plot", metavar="FILE.png|.svg", help="also draw the matrix as a heatmap")
    p.add_argument("--format", choices=["table", "json"], default="table")
    add_db_option(p)
    add_filter_options(p)
    p.set_defaults(func=cmd_coverage)


def cmd_coverage(args: argparse.Namespace) -> int:
    from storage.query import coverage_matrix

    flt = filter_from(args)
    if args.plot:
        if Path(args.plot).suffix.lower() not in (".png", ".svg"):
            raise CommandError(f"bad --plot {args.plot!r}: give a .png or .svg file name")
        check_writable_dir(args.plot)
    sessions = open_archive(args)
    with sessions() as session:
        cov = coverage_matrix(session, flt)
    if args.plot:
        from service.heatmap import draw

        draw(cov, args.plot)
    if args.format == "json":
        print(json.dumps(_as_json(cov), ensure_ascii=False, indent=1))
        return 0
    print("\n".join(render(cov)))
    if args.plot:
        print(f"heatmap written to {args.plot}", file=sys.stderr)
    return 0


def _as_json(cov) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "years": cov.years,
        "totals": dict(cov.totals),
        "counties": [
            {
                "code": r.code,
                "name": r.name,
                "prefecture": r.prefecture,
                "province": r.province,
                "site_status": r.site_status,
                "years": {str(y): s for y, s in r.cells.items()},
                "doc_ids": {str(y): d for y, d in r.doc_ids.items()},
            }
            for r in cov.rows
        ],
        "deadlines": [d.__dict__ for d in cov.deadlines],
    }


def render(cov) -> list[str]:  # type: ignore[no-untyped-def]
    if not cov.rows:
        return ["no county sites match the filters"]
    lines = [
        "county × year: " + "  ".join(f"{s} {k}" for k, s in SYMBOLS.items() if k != "not-crawled")
    ]
    head = "".join(str(y)[-2:].rjust(3) for y in cov.years)
    lines.append(f"{'code':<7}{'county':<12}{head}")
    for r in cov.rows:
        marks = "".join(SYMBOLS[r.cells[y]].rjust(3) for y in cov.years)
        lines.append(f"{r.code:<7}{(r.name or '?')[:6]:<{12 - _wide(r.name)}}{marks}")
    total = sum(cov.totals.values()) or 1
    lines.append(
        "cells: " + ", ".join(f"{k} {n} ({n / total:.0%})" for k, n in cov.totals.most_common())
    )
    lines += [
        "",
        "published by the legal deadline (province, year: on time / late / undated of reports):",
    ]
    for d in cov.deadlines:
        lines.append(
            f"  {d.province or '?'} {d.year}: {d.on_time} / {d.late} / {d.undated} of {d.reports}"
        )
    return lines


def _wide(name: str | None) -> int:
    """CJK characters take two columns: pad the name's field by fewer spaces."""
    return sum(1 for ch in (name or "?")[:6] if ord(ch) > 0x2E7F)
