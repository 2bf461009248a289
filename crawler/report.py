"""The run report: totals and per-site status, from the spider's counters and the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Capture, ReportVersion, Site


def _site_outcomes(session: Session, run_id: int) -> dict[str, dict[str, Any]]:
    official = select(ReportVersion.document_id).where(ReportVersion.official.is_(True))
    rows = session.execute(
        select(Site.code, Capture.outcome, Capture.document_id, Capture.document_id.in_(official))
        .join(Site, Site.id == Capture.site_id)
        .where(Capture.crawl_run_id == run_id)
    ).all()
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"outcomes": Counter(), "reports": set(), "new": 0, "duplicate": 0}
    )
    for code, outcome, doc_id, is_official in rows:
        entry = out[code]
        entry["outcomes"][outcome] += 1
        if is_official:
            entry["reports"].add(doc_id)
            if outcome in ("new", "near-duplicate"):
                entry["new"] += 1
            elif outcome == "duplicate":
                entry["duplicate"] += 1
    return out


def _robots_verdict(stats: Counter[str]) -> str:
    """What robots.txt let us do on the site: everything, part of it, or nothing."""
    if stats.get("home_robots_blocked"):
        return "disallowed"
    return "partial" if stats.get("robots_blocked") else "allowed"


def site_status(stats: Counter[str], reports: int) -> str:
    if stats.get("home_robots_blocked"):
        return "robots-blocked"
    if stats.get("home_failed") and stats.get("pages", 0) <= 1:
        return "unreachable"
    if reports:
        return "ok"
    return "no-reports"


def build_run_report(
    session: Session, run_id: int, crawl_id: str, spider: Any, finish_reason: str
) -> dict[str, Any]:
    outcomes = _site_outcomes(session, run_id)
    sites: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    for seed in getattr(spider, "seeds", []):
        stats: Counter[str] = spider.site_stats.get(seed.code, Counter())
        db = outcomes.get(
            seed.code, {"outcomes": Counter(), "reports": set(), "new": 0, "duplicate": 0}
        )
        failed_items = sum(n for o, n in db["outcomes"].items() if o in ("failed", "store-failed"))
        row = {
            "code": seed.code,
            "name": seed.name,
            "host": seed.host,
            "status": site_status(stats, len(db["reports"])),
            "cms": spider.site_cms.get(seed.code)
            or ("generic" if stats.get("pages", 0) > 1 else None),
            "pages": stats.get("pages", 0),
            "candidates": stats.get("candidates", 0),
            "reports": len(db["reports"]),
            "new": db["new"],
            "duplicate": db["duplicate"],
            "not_reports": sum(
                n for o, n in db["outcomes"].items() if o in ("not-a-report", "spam-hijack")
            ),
            "failed": stats.get("failed", 0) + failed_items,
            "robots_blocked": stats.get("robots_blocked", 0),
            "robots": _robots_verdict(stats),
            "offsite_refused": stats.get("offsite_refused", 0),
            "traps": sum(n for k, n in stats.items() if k.startswith("trap_")),
            "budget_exhausted": stats.get("budget_exhausted", 0),
        }
        sites.append(row)
        for key in (
            "pages",
            "candidates",
            "reports",
            "new",
            "duplicate",
            "not_reports",
            "failed",
            "robots_blocked",
            "offsite_refused",
            "traps",
        ):
            totals[key] += row[key]
        totals[f"status_{row['status']}"] += 1
    totals["sites"] = len(sites)
    totals["reports_found"] = totals.pop("reports", 0)
    pages_per_report = (
        round(totals["pages"] / totals["reports_found"], 2) if totals["reports_found"] else None
    )
    return {
        "crawl_id": crawl_id,
        "status": "finished" if finish_reason == "finished" else f"stopped: {finish_reason}",
        "totals": {**dict(totals), "pages_per_report": pages_per_report},
        "sites": sites,
    }
