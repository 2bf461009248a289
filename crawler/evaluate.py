"""Score a stored archive against a simulated web's answer key (truth.jsonl).

Used by the end-to-end tests, `bench/crawl.py` and the demo: discovery recall and precision,
mirror leaks, and table-cell agreement with a list of concrete mismatches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Capture
from storage.query import latest_versions

TABLES = ("active_disclosure", "applications", "review_litigation")


@dataclass
class Evaluation:
    expected: int = 0  # reports a polite crawler can reach (not robots-blocked, not gone)
    found: int = 0
    stored_reports: int = 0  # official report documents in the archive
    matched_reports: int = 0  # of those, the ones that are a true report
    robots_blocked_expected: int = 0
    robots_blocked_stored: int = 0
    challenge_blocked_expected: int = 0  # reports on sites behind an anti-bot wall
    mirror_leaks: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    cells: int = 0
    cells_matching: int = 0
    cell_mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched_reports / self.stored_reports if self.stored_reports else 1.0

    @property
    def cell_accuracy(self) -> float:
        return self.cells_matching / self.cells if self.cells else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "found": self.found,
            "recall": round(self.recall, 4),
            "stored_reports": self.stored_reports,
            "precision": round(self.precision, 4),
            "robots_blocked_reports": self.robots_blocked_expected,
            "robots_blocked_stored": self.robots_blocked_stored,
            "challenge_blocked_reports": self.challenge_blocked_expected,
            "mirror_leaks": len(self.mirror_leaks),
            "cells": self.cells,
            "cell_accuracy": round(self.cell_accuracy, 4),
            "cell_mismatches": len(self.cell_mismatches),
        }


def load_truth(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _cells(record: dict[str, Any]) -> Iterable[tuple[tuple[str, str, str], Any]]:
    for table in TABLES:
        rows = record.get(table) or {}
        for row, cols in rows.items() if isinstance(rows, dict) else ():
            for col, val in cols.items() if isinstance(cols, dict) else ():
                yield (table, row, col), val


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        a_num = a.get("yuan") if isinstance(a, dict) else a
        b_num = b.get("yuan") if isinstance(b, dict) else b
        a_raw = a.get("raw") if isinstance(a, dict) else None
        b_raw = b.get("raw") if isinstance(b, dict) else None
        return a_num == b_num and (a_raw is None or b_raw is None or a_raw == b_raw)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def evaluate(session: Session, truth: list[dict[str, Any]], max_listed: int = 50) -> Evaluation:
    ev = Evaluation()
    reports = [t for t in truth if t["kind"] == "report" and not t.get("gone_in_epoch")]
    mirror_hosts = {t["host"] for t in truth if t["kind"] == "mirror"}
    by_url: dict[str, dict[str, Any]] = {}
    for rep in reports:
        for url in rep["urls"]:
            by_url[url] = rep
    # Every URL a stored official document was captured at.
    doc_urls: dict[int, set[str]] = {}
    for doc_id, url, final in session.execute(
        select(Capture.document_id, Capture.url, Capture.final_url).where(
            Capture.document_id.is_not(None)
        )
    ):
        doc_urls.setdefault(doc_id, set()).update((url, final))
    found_ids: set[str] = set()
    blocked_found: set[str] = set()
    for version in latest_versions(session):
        urls = doc_urls.get(version.document_id, set())
        ev.stored_reports += 1
        if any(urlsplit(u).hostname in mirror_hosts for u in urls):
            ev.mirror_leaks.append(min(urls))
        matches = [by_url[u] for u in urls if u in by_url]
        if not matches:
            ev.false_positives.append(min(urls) if urls else f"document {version.document_id}")
            continue
        ev.matched_reports += 1
        rep = matches[0]
        if rep["robots_blocked"]:
            blocked_found.add(rep["report_id"])
        if rep["report_id"] in found_ids:
            continue  # a second copy of one report (a re-post): cells counted once
        found_ids.add(rep["report_id"])
        _compare_cells(ev, rep, version.record, max_listed)
    # Behind robots.txt or an anti-bot wall: a polite crawler does not reach these.
    expected = [r for r in reports if not r["robots_blocked"] and not r.get("challenge_blocked")]
    ev.expected = len(expected)
    ev.challenge_blocked_expected = sum(1 for r in reports if r.get("challenge_blocked"))
    ev.robots_blocked_expected = sum(1 for r in reports if r["robots_blocked"])
    ev.robots_blocked_stored = len(blocked_found)
    ev.found = sum(1 for r in expected if r["report_id"] in found_ids)
    ev.missed = [r["url"] for r in expected if r["report_id"] not in found_ids][:max_listed]
    ev.false_positives = ev.false_positives[:max_listed]
    return ev


def _compare_cells(ev: Evaluation, truth: dict[str, Any], record: dict[str, Any], cap: int) -> None:
    got = dict(_cells(record))
    for key, want in _cells(truth):
        ev.cells += 1
        have = got.get(key)
        if _same(have, want):
            ev.cells_matching += 1
        elif len(ev.cell_mismatches) < cap:
            ev.cell_mismatches.append(
                {
                    "report": truth["report_id"],
                    "url": truth["url"],
                    "format": truth.get("format"),
                    "template": truth.get("template"),
                    "cell": ".".join(key),
                    "truth": want,
                    "stored": have,
                }
            )
