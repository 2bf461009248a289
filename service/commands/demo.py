"""`gov-reports demo`: the main job end to end on the embedded defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

from parsers import parse_bytes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the main job on bundled examples")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    examples = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "golden"
    for entry in sorted(examples.glob("*/input.*")):
        record = parse_bytes(entry.read_bytes(), entry.name, source={"path": str(entry)})
        received = (record["applications"] or {}).get("new_received", {}).get("total")
        failed = [c["rule"] for c in record["checks"] if c["status"] == "fail"]
        region = record["region"]["name"] or record["region"]["province"] or "?"
        print(
            f"{entry.parent.name}: {region} {record['report_year']} template={record['template']} "
            f"received={received} failed_checks={len(failed)} "
            f"hazards={','.join(record['hazards']) or '-'}"
        )
    return 0
