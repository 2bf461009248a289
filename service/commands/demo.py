"""`gov-reports demo` (the one demo command; `make demo`): the main job end to end.

Serves the simulated county web on loopback, crawls it into a fresh SQLite archive and WARC
files under `data/demo/`, prints the run report, scores the archive against the simulator's
answer key, and shows a summary line for a few of the stored reports.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from crawler.run import run_crawl
from service.commands.crawl import print_report


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
    return 0


def run_demo(out_dir: str | Path = "data/demo", *, sites: int = 20, seed: int = 1) -> int:
    """Serve the simulated web, crawl it into a fresh archive under `out_dir`, print the report."""
    from sim import SimWeb, serve_in_thread

    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    web = SimWeb(sites=sites, seed=seed, epoch=0, faults=0.0)
    sites_csv = out / "sites.csv"
    web.write_sites_csv(sites_csv)
    web.write_truth(out / "truth.jsonl")
    db = f"sqlite:///{(out / 'archive.sqlite').resolve()}"
    with serve_in_thread(web, port=0) as server:
        report = run_crawl(
            sites=str(sites_csv),
            db=db,
            archive=str(out / "warc"),
            proxy=server.proxy_url,
            fast=True,
        )
    if report is None:
        print("gov-reports demo: the crawl stored no run report", file=sys.stderr)
        return 1
    print_report(report)
    print(f"\narchive: {db}\nWARC files: {out / 'warc'}\nanswer key: {out / 'truth.jsonl'}")
    return 0


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
