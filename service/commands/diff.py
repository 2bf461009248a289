"""`gov-reports diff DOC_ID|URL`: what changed between versions of a report at the same URL."""

from __future__ import annotations

import argparse
import json
from typing import Any

from service.options import add_db_option, open_archive
from storage.diff import VersionDiff, diffs_around, resolve


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "diff",
        help="show what changed between a report and its previous/next version at the same URL",
        description="DOC_ID is a document's doc_id (16 hex), text SHA-256 or database id, or a "
        "report URL (then every version served at that URL is compared in order). Prints the "
        "metadata and every table cell that changed, old → new.",
    )
    p.add_argument("ref", metavar="DOC_ID|URL")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.set_defaults(func=cmd_diff)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "∅" if value is None else str(value)


def _as_json(d: VersionDiff) -> dict[str, Any]:
    return {
        "url": d.url,
        "old": {"id": d.old.id, "doc_id": d.old.doc_id, "first_seen_at": str(d.old.first_seen_at)},
        "new": {"id": d.new.id, "doc_id": d.new.doc_id, "first_seen_at": str(d.new.first_seen_at)},
        "metadata": [{"field": f, "old": a, "new": b} for f, a, b in d.metadata],
        "cells": [
            {"table": t, "row": r, "column": c, "old": a, "new": b} for t, r, c, a, b in d.cells
        ],
    }


def cmd_diff(args: argparse.Namespace) -> int:
    sessions = open_archive(args)  # must exist: a read command never creates one
    with sessions() as session:
        doc = resolve(session, args.ref)
        diffs = diffs_around(session, doc, whole_chain=args.ref.startswith("http"))
    if args.json:
        print(json.dumps([_as_json(d) for d in diffs], ensure_ascii=False, indent=1))
        return 0
    if not diffs:
        print(f"document {doc.doc_id} (id {doc.id}) has no other version at its URL")
        return 0
    for d in diffs:
        print(
            f"{d.url or '?'}\n  document {d.old.doc_id} (id {d.old.id}, first seen "
            f"{d.old.first_seen_at:%Y-%m-%d %H:%M}) → {d.new.doc_id} (id {d.new.id}, first seen "
            f"{d.new.first_seen_at:%Y-%m-%d %H:%M})"
        )
        for name, old, new in d.metadata:
            print(f"  {name}: {_fmt(old)} → {_fmt(new)}")
        for table, row, col, old, new in d.cells:
            print(f"  {table}.{row}.{col}: {_fmt(old)} → {_fmt(new)}")
        if not d.metadata and not d.cells:
            print("  text changed; metadata and table cells are the same")
    return 0
