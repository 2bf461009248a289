"""`gov-reports demo`: the main job end to end on the embedded defaults.

Serves the simulated county web on loopback, crawls it into a fresh SQLite archive and WARC
files under `data/demo/`, prints the run report, scores the archive against the simulator's
answer key, and shows a summary line for a few of the stored reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from service.commands.crawl import run_demo


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="crawl the simulated web into data/demo/ and show what was stored"
    )
    parser.add_argument("--out", default="data/demo", help="output directory (default data/demo)")
    parser.add_argument("--sites", type=int, default=20, help="simulated sites (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = run_demo(args.out, sites=args.sites, seed=args.seed)
    if status:
        return status
    from crawler.evaluate import evaluate, load_truth
    from storage.db import open_database
    from storage.query import iter_export_records

    out = Path(args.out)
    sessions = open_database(f"sqlite:///{(out / 'archive.sqlite').resolve()}")
    with sessions() as session:
        score = evaluate(session, load_truth(out / "truth.jsonl"))
        print(
            f"\nagainst the answer key: {score.found}/{score.expected} reachable reports found, "
            f"{score.matched_reports}/{score.stored_reports} stored reports are real, "
            f"{score.cells_matching}/{score.cells} table cells match, "
            f"{len(score.mirror_leaks)} mirror copies stored"
        )
        print(
            "\nsome stored reports (region, year, template, applications received, "
            "failed checks, hazards):"
        )
        shown: set[str | None] = set()
        for record in iter_export_records(session):
            if record["region"]["code"] not in shown:  # one per county, to show variety
                shown.add(record["region"]["code"])
                print("  " + summary_line(record))
            if len(shown) == 8:
                break
        print("\n" + "\n".join(next_commands(session, out)))
    return 0


def next_commands(session, out: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """What to try next on the demo archive, with a real doc_id and province from it."""
    from storage.query import facets, list_reports

    db = out / "archive.sqlite"
    first = list_reports(session, limit=1)
    doc_id = first[0].doc_id if first else "DOC_ID"
    provinces = facets(session, fields=("province",))["province"]
    province = provinces[0][0] if provinces else "云南省"
    panel = f"--province {province} --year 2019-2024 --out {out / 'panel.csv'}"
    return [
        "next, try on the demo archive:",
        f"  gov-reports search 复议 --db {db}",
        f"  gov-reports show {doc_id} --db {db}",
        f"  gov-reports export --format csv --out {out / 'reports.csv'} --db {db}",
        f"  gov-reports panel {panel} --db {db}",
        f"  gov-reports coverage --db {db} --plot {out / 'coverage.png'}",
    ]


def summary_line(record: dict) -> str:
    region = record["region"]["name"] or record["region"]["province"] or "?"
    issuer = record["issuer"] or "?"
    received = ((record.get("applications") or {}).get("new_received") or {}).get("total")
    failed = sum(check["status"] == "fail" for check in record["checks"])
    hazards = ",".join(record["hazards"]) or "-"
    return (
        f"{region} {issuer} {record['report_year']} template={record['template']} "
        f"received={received} failed_checks={failed} hazards={hazards}"
    )
