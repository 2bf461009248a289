"""`gov-reports search QUERY`: ranked full-text search over the reports' titles and text."""

from __future__ import annotations

import argparse
import json
import sys

from service.options import add_db_option, add_filter_options, filter_from, open_archive


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad --limit {text!r}: expected a whole number") from None
    if not 1 <= value <= 10000:
        raise argparse.ArgumentTypeError(f"bad --limit {text!r}: expected 1 to 10000")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "search",
        help="full-text search (Chinese-aware) over the reports' titles and text",
        description='Find reports containing every word of QUERY; a "quoted phrase" must '
        "appear as written. Two-character words (复议, 预算) are found; traditional script is "
        "converted to simplified first; punctuation and operators are plain text. Results are "
        "ranked, with a snippet (matches in 【】).",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=_positive, default=20, help="results to show (default 20)")
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    add_db_option(p)
    add_filter_options(p)
    p.set_defaults(func=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    from storage.query import search, search_count

    flt = filter_from(args)
    sessions = open_archive(args)
    with sessions() as session:
        hits = search(session, args.query, flt, limit=args.limit)
        total = search_count(session, args.query, flt) if args.format == "table" else None
    if args.format == "jsonl":
        for hit in hits:
            row = {**hit.report.as_dict(), "rank": round(hit.rank, 4), "snippet": hit.snippet}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return 0
    print(f"{total} reports match {args.query!r}" + (f"; the best {len(hits)}:" if hits else ""))
    for i, hit in enumerate(hits, 1):
        r = hit.report
        region = " ".join(x for x in (r.region_code, r.province, r.prefecture, r.region_name) if x)
        print(
            f"{i:>3}. {r.doc_id}  {r.report_year or '????'}  {region or '?'}  {r.title or '(no title)'}"
        )
        print(f"     {hit.snippet}")
    return 0
