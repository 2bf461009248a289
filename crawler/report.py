"""The run report: totals and per-site status, from the per-site counters and the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Capture, Document, ReportVersion, Site


def _site_outcomes(session: Session, run_id: int) -> dict[str, dict[str, Any]]:
    official = select(ReportVersion.document_id).where(ReportVersion.official.is_(True))
    rows = session.execute(
        select(
            Site.code,
            Capture.outcome,
            Capture.document_id,
            Capture.document_id.in_(official),
            Document.previous_id,
        )
        .join(Site, Site.id == Capture.site_id)
        .outerjoin(Document, Document.id == Capture.document_id)
        .where(Capture.crawl_run_id == run_id)
    ).all()
    out: dict[str, dict[str, Any]] = defaultdict(_empty)
    for code, outcome, doc_id, is_official, previous_id in rows:
        entry = out[code]
        entry["outcomes"][outcome] += 1
        if is_official:
            entry["reports"].add(doc_id)
            if outcome in ("new", "near-duplicate"):
                entry["new"] += 1
                if previous_id is not None:
                    entry["revised"] += 1
            elif outcome == "duplicate":
                entry["duplicate"] += 1
    return out


def _empty() -> dict[str, Any]:
    return {"outcomes": Counter(), "reports": set(), "new": 0, "duplicate": 0, "revised": 0}


def _robots_verdict(stats: Counter[str]) -> str:
    """What robots.txt let us do on the site: everything, part of it, or nothing."""
    if stats.get("home_robots_blocked"):
        return "disallowed"
    return "partial" if stats.get("robots_blocked") else "allowed"


def site_status(stats: Counter[str], reports: int) -> str:
    if stats.get("home_robots_blocked"):
        return "robots-blocked"
    if stats.get("home_challenged"):
        return "challenge-blocked"  # a JS-challenge wall the crawler does not solve
    if stats.get("home_failed") and stats.get("pages", 0) <= 1:
        return "unreachable"
    if reports:
        return "ok"
    return "no-reports"


def build_run_report(
    session: Session,
    run_id: int,
    crawl_id: str,
    seeds: list[Any],
    counters: dict[str, Counter[str]],
    site_cms: dict[str, str],
    finish_reason: str,
    archive_error: str | None = None,
) -> dict[str, Any]:
    """`counters`: code → the site's counters (crawler.context.site_counters); `site_cms`:
    code → the CMS family recognized on it."""
    outcomes = _site_outcomes(session, run_id)
    sites: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    for seed in seeds:
        stats: Counter[str] = counters.get(seed.code, Counter())
        db = outcomes.get(seed.code) or _empty()
        failed_items = sum(
            n for o, n in db["outcomes"].items() if o in ("failed", "unfinished", "store-failed")
        )
        row = {
            "code": seed.code,
            "name": seed.name,
            "host": seed.host,
            # Known reports found unchanged or not yet due count as found: the site is fine.
            "status": site_status(
                stats,
                len(db["reports"]) + stats.get("unchanged", 0) + stats.get("not_due", 0),
            ),
            "cms": site_cms.get(seed.code) or ("generic" if stats.get("pages", 0) > 1 else None),
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
            "challenged": stats.get("challenged", 0),
            "offsite_refused": stats.get("offsite_refused", 0),
            "traps": sum(n for k, n in stats.items() if k.startswith("trap_")),
            "budget_exhausted": stats.get("budget_exhausted", 0),
            # Recrawl figures: new versions of known reports, pages found unchanged (a revisit
            # record instead of the body), URLs now 404/410, known pages not yet due again.
            "revised": db["revised"],
            "unchanged": stats.get("unchanged", 0),
            "revisits": stats.get("revisit_not-modified", 0) + stats.get("revisit_identical", 0),
            "not_modified": stats.get("revisit_not-modified", 0),
            "gone": stats.get("gone", 0),
            "not_due": stats.get("not_due", 0),
            "responses": stats.get("responses", 0),
            "bytes": stats.get("bytes", 0),
            # Documents extraction answered (a text, or the document's own error) and those
            # it crashed on (an exception, a dead worker; not the time limit, which is the
            # workers working): several crashes and no answer is a run whose extraction does
            # not work (run_outcome).
            "extracted": stats.get("extracted", 0),
            "extract_crashed": stats.get("extract_crashed", 0),
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
            "challenged",
            "offsite_refused",
            "traps",
            "revised",
            "unchanged",
            "revisits",
            "not_modified",
            "gone",
            "not_due",
            "responses",
            "bytes",
            "extracted",
            "extract_crashed",
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
        **run_outcome(finish_reason, totals, archive_error),
        "finish_reason": finish_reason,
        "totals": {**dict(totals), "pages_per_report": pages_per_report},
        "sites": sites,
    }


# What became of a run, in the order an operator must act on it; `gov-reports crawl` turns
# each into its exit status (README, "Exit codes").
OUTCOMES = ("finished", "stopped", "sites-failed", "archive-failed", "extract-failed")
CRASHES_TO_FAIL = 3  # documents extraction crashed on, none answered: "extract-failed"
EXTRACTION_FAILING = "extraction_failing"  # the finish reason of a crawl the ingest stage stopped


def run_outcome(
    finish_reason: str, totals: Counter[str], archive_error: str | None
) -> dict[str, str]:
    """{"outcome": one of OUTCOMES, "status": the same with its cause, for people}."""
    if archive_error:
        return {
            "outcome": "archive-failed",
            "status": f"failed: archive not writable ({archive_error})",
        }
    crashed = totals.get("extract_crashed", 0)
    # Extraction crashed on several documents and answered none: the workers cannot run here
    # (a memory cap too small for them, a broken install, a main module that re-runs the
    # crawl in each worker). One or two crashes alone may be bad files: a recrawl that met
    # only those is not a failed run. The ingest stage stops a crawl whose first documents
    # all crash (EXTRACTION_FAILING) rather than fetch the rest for nothing.
    extract_failed = crashed >= CRASHES_TO_FAIL and not totals.get("extracted", 0)
    if finish_reason == EXTRACTION_FAILING or (finish_reason == "finished" and extract_failed):
        return {
            "outcome": "extract-failed",
            "status": f"failed: extraction crashed on all {crashed} documents it was given "
            "(the log has the errors)",
        }
    if finish_reason != "finished":
        return {"outcome": "stopped", "status": f"stopped: {finish_reason}"}
    unreachable = totals.get("status_unreachable", 0)
    if totals.get("sites", 0) and unreachable == totals["sites"]:
        return {
            "outcome": "sites-failed",
            "status": f"failed: every site failed ({unreachable} unreachable)",
        }
    return {"outcome": "finished", "status": "finished"}
