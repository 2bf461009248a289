"""An archive whose filters select some reports and not others, and random filters over it:
bench.query's generated reports, their filter values shuffled over a dozen counties, years,
templates and issuer kinds (some missing), then a re-parse of some documents with other
values. Shared by the tests of the search's filter paths (tests/test_filter_tokens.py,
tests/test_search_walk.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bench.query import build
from parsers.registry import divisions
from storage.db import create_db_engine, open_existing
from storage.filters import ISSUER_KINDS, TEMPLATES, ReportFilter
from storage.models import ReportVersion
from storage.reportindex import rebuild_all, refresh_reports

REPORTS = 600


def some_counties() -> list[object]:
    """A dozen counties of three provinces: filters that select some reports, not all."""
    by_province: dict[str, list[object]] = {}
    for d in divisions():
        if d.status == "在用" and d.province and d.prefecture:
            by_province.setdefault(d.province, []).append(d)
    provinces = sorted(by_province)[:3]
    return [d for p in provinces for d in sorted(by_province[p], key=lambda d: d.code)[:4]]


def _values(rng: random.Random, counties: list[object]) -> dict[str, object]:
    county = rng.choice(counties)
    return {
        "p": county.province,  # type: ignore[attr-defined]
        "f": county.prefecture,  # type: ignore[attr-defined]
        "r": county.code,  # type: ignore[attr-defined]
        "y": rng.choice((None, *range(2015, 2026))),
        "t": rng.choice((None, *TEMPLATES)),
        "k": rng.choice((None, *ISSUER_KINDS)),
    }


_SET = (
    "UPDATE report_versions SET province = :p, prefecture = :f, region_code = :r, "
    "report_year = :y, template = :t, issuer_kind = :k WHERE id = :v"
)


def shuffled_archive(url: str) -> Iterator[sessionmaker[Session]]:
    """Build the archive at `url` and yield its sessions (a generator for a fixture)."""
    build(url, REPORTS)
    rng = random.Random(12)
    counties = some_counties()
    engine = create_db_engine(url)
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM report_versions"))]
        conn.execute(text(_SET), [{"v": vid, **_values(rng, counties)} for vid in ids])
        rebuild_all(conn)
    columns = [c.name for c in ReportVersion.__table__.columns if c.name != "id"]
    # The same columns, but another parser version (one version per document and parser).
    copied = ["'reparse' AS parser_version" if c == "parser_version" else c for c in columns]
    revised = rng.sample(range(1, REPORTS + 1), 40)
    with engine.begin() as conn:
        for doc in revised:  # a re-parse: a newer version of the document, other values
            new = conn.execute(
                text(
                    f"INSERT INTO report_versions ({', '.join(columns)}) SELECT "
                    f"{', '.join(copied)} FROM report_versions WHERE document_id = :d "
                    "ORDER BY id DESC LIMIT 1 RETURNING id"
                ),
                {"d": doc},
            ).scalar_one()
            conn.execute(text(_SET), {"v": new, **_values(rng, counties)})
        refresh_reports(conn, revised)
    engine.dispose()
    sessions = open_existing(url)
    yield sessions
    sessions.kw["bind"].dispose()


def random_filter(rng: random.Random, counties: list[object]) -> ReportFilter:
    """A place, a template, an issuer kind or a hazard, often a year or years, sometimes
    every version."""
    county = rng.choice(counties)
    params: dict[str, str] = {}
    pick = rng.randrange(8)
    if pick == 0:
        params["province"] = county.province  # type: ignore[attr-defined]
    elif pick == 1:
        params["prefecture"] = county.prefecture  # type: ignore[attr-defined]
    elif pick == 2:
        params["region"] = county.code[: rng.choice((2, 3, 4, 6))]  # type: ignore[attr-defined]
    elif pick == 3:
        params["template"] = rng.choice(TEMPLATES)
    elif pick == 4:
        params["issuer_kind"] = rng.choice(ISSUER_KINDS)
    elif pick == 5:
        params["hazard"] = "boilerplate"
    if rng.random() < 0.6:
        first = rng.randint(2014, 2025)
        params["year"] = (
            f"{first}-{first + rng.randint(0, 10)}" if rng.random() < 0.5 else str(first)
        )
    if pick == 6:
        params["province"] = county.province  # type: ignore[attr-defined]
        params["issuer_kind"] = rng.choice(ISSUER_KINDS)
    return ReportFilter.parse(**params, all_versions=rng.random() < 0.2)
