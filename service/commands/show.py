"""`gov-reports show DOC_ID|URL`: one report, its versions, its captures and its checks."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from service.options import add_db_option, fail, open_archive


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "show",
        help="one report: metadata, tables, checks, hazards, versions, captures",
        description="Print the report DOC_ID (16 hex digits) or the report served at URL: its "
        "metadata, the three tables, the checks (with the cross-year carry_over check), "
        "hazards, its versions and every capture with its WARC file. --original writes the "
        "archived response body (Content-Encoding undone) to stdout: redirect it to a file.",
    )
    p.add_argument("ref", metavar="DOC_ID|URL")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--original", action="store_true", help="write the archived bytes to stdout")
    add_db_option(p)
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    from storage.query import get_report, original

    if args.original and sys.stdout.isatty():
        return fail("show", "--original writes bytes: redirect stdout to a file (> FILE)")
    sessions = open_archive(args)
    with sessions() as session:
        if args.original:
            _cap, stored = original(session, args.ref)
            sys.stdout.buffer.write(stored.body)
            sys.stdout.buffer.flush()
            return 0
        detail = get_report(session, args.ref)
    if args.format == "json":
        out = {
            "record": detail.record,
            "versions": [dataclasses.asdict(v) for v in detail.versions],
            "captures": [dataclasses.asdict(c) for c in detail.captures],
            "carry_over": detail.carry_over,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print("\n".join(render(detail)))
    return 0


def _fmt(value: Any) -> str:
    if value is None:
        return "·"
    if isinstance(value, dict):
        return str(value.get("raw") or value.get("yuan"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(name: str, rows: dict[str, Any] | None) -> list[str]:
    if not rows:
        return [f"{name}: (none)"]
    columns: list[str] = []
    for cells in rows.values():
        for col in cells or {}:
            if col not in columns:
                columns.append(col)
    width = max(len(r) for r in rows) + 2
    lines = [f"{name}:", " " * (width + 2) + " ".join(f"{c[:14]:>14}" for c in columns)]
    for row, cells in rows.items():
        values = " ".join(f"{_fmt((cells or {}).get(c)):>14}" for c in columns)
        lines.append(f"  {row:<{width}}{values}")
    return lines


def render(detail: Any) -> list[str]:
    rec, s = detail.record, detail.summary
    region = " ".join(x for x in (s.province, s.prefecture, s.region_name) if x)
    meta = (
        f"doc_id {s.doc_id} · {region or '?'} ({s.region_code or '?'}) · year "
        f"{s.report_year or '?'} · {s.issuer or '?'} ({s.issuer_kind or '?'}) · published "
        f"{s.published_at or '?'} · template {s.template or '?'} · parser {s.parser_version}"
    )
    lines = [rec.get("title") or "(no title)", meta]
    if s.superseded_by:
        lines.append(f"superseded by {s.superseded_by} (a revision at the same URL)")
    lines.append("")
    for key in ("applications", "review_litigation", "active_disclosure"):
        lines += _table(key, rec.get(key))
    checks = [
        c for c in rec.get("checks") or [] if not str(c.get("rule")).startswith("carry_over.")
    ]
    by_status: dict[str, int] = {}
    for c in checks:
        by_status[c.get("status")] = by_status.get(c.get("status"), 0) + 1
    lines += [
        "",
        "checks: " + (", ".join(f"{n} {k}" for k, n in sorted(by_status.items())) or "none"),
    ]
    lines += [
        f"  FAIL {c['rule']}: {c.get('detail') or ''}" for c in checks if c.get("status") == "fail"
    ]
    lines.append(
        "cross-year check (carry_over: 二、上年结转 = last year's 四、结转下年度继续办理):"
    )
    lines += [f"  {c['status']:<7} {c['rule']}: {c.get('detail') or ''}" for c in detail.carry_over]
    lines.append("hazards: " + (", ".join(rec.get("hazards") or []) or "none"))
    lines.append("versions:")
    for v in detail.versions:
        flags = ", ".join(f for f, on in (("current", v.current), ("this one", v.this)) if on)
        lines.append(
            f"  {v.doc_id} parser {v.parser_version or '-'} first seen {v.first_seen_at}"
            + (f" ({flags})" if flags else "")
        )
    lines.append("captures:")
    for c in detail.captures:
        lines.append(
            f"  {c.final_url}  fetched {c.fetched_at}  HTTP {c.http_status}  {c.content_type or ''}"
        )
        if c.attachment_of:
            lines.append(f"    attachment of {c.attachment_of}")
        lines.append(f"    WARC {c.warc_path} @ {c.warc_offset}  {c.warc_record_id}")
    return lines
