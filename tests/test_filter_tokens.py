"""Filter tokens in the full-text entries (storage.filtertokens), on SQLite and PostgreSQL: a
search with them finds exactly what the SQL conditions alone find, after re-parses too, and
no query reaches them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import storage.query
from bench.query import build
from parsers.registry import divisions
from storage.db import create_db_engine, open_existing
from storage.filters import ISSUER_KINDS, TEMPLATES, ReportFilter
from storage.filtertokens import entry_filters, filter_match, token
from storage.fulltext import fts5_match, index_terms, parse_query, tsquery_literal
from storage.models import ReportVersion
from storage.query import newest_matches, search_count, search_results
from storage.reportindex import rebuild_all, refresh_reports
from tests.pg import fresh_database

WORDS = ("复议", "公开", "诉讼", "预算", "行政复议", "年", "政府 信息", '"信息公开"', "2019")
REPORTS = 600


def _counties() -> list[object]:
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """bench.query's generated reports with their filter values shuffled over a few
    counties, years, templates and issuer kinds (some missing); then a new version of some
    documents with other values, refreshed as a re-parse is."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("tokens") / "archive.sqlite"
        yield from _archive(f"sqlite:///{path}")
        return
    with fresh_database("gov_reports_tokens") as url:
        yield from _archive(url)


def _archive(url: str) -> Iterator[sessionmaker[Session]]:
    build(url, REPORTS)
    rng = random.Random(12)
    counties = _counties()
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


def _random_filter(rng: random.Random, counties: list[object]) -> ReportFilter:
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


def test_filter_tokens_find_exactly_what_the_sql_conditions_find(
    archive: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    counties = _counties()
    tokened = nonempty = 0
    with archive() as s:
        for _ in range(150):
            flt = _random_filter(rng, counties)
            phrases = parse_query(rng.choice(WORDS))
            with_tokens = newest_matches(s, phrases, flt, 10 * REPORTS)
            plain = newest_matches(s, phrases, flt, 10 * REPORTS, filter_tokens=False)
            assert with_tokens == plain, flt
            tokened += filter_match(flt) is not None
            nonempty += bool(plain)
        # The whole search too: hits, ranks, snippets, totals, the counted matches, and the
        # CLI's full count.
        for _ in range(30):
            flt = _random_filter(rng, counties)
            query = rng.choice(WORDS)
            fast = search_results(s, query, flt, limit=10), search_count(s, query, flt)
            with monkeypatch.context() as m:
                m.setattr(storage.query, "filter_match", lambda _flt, **_: None)
                slow = search_results(s, query, flt, limit=10), search_count(s, query, flt)
            assert fast == slow, (query, flt)
    assert tokened > 100 and nonempty > 50  # the test exercised the token path


def test_each_entry_holds_its_newest_versions_tokens(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        conn = s.connection()
        latest = conn.execute(
            text(
                "SELECT document_id, province, prefecture, region_code, report_year, template, "
                "issuer_kind FROM report_versions WHERE latest"
            )
        ).all()
        province = next(row[1] for row in latest if row[1])
        if conn.dialect.name == "postgresql":  # lexemes of the tsvector, without positions
            stored = {
                doc: set()
                for doc in conn.execute(text("SELECT document_id FROM report_fts")).scalars()
            }
            for doc, lexeme, positions in conn.execute(
                text(
                    "SELECT f.document_id, u.lexeme, u.positions FROM report_fts f, unnest(f.tsv) u WHERE u.lexeme LIKE '0筛%'"
                )
            ):
                assert positions is None
                stored[doc].add(lexeme)
            assert {doc: set(entry_filters(*values).split()) for doc, *values in latest} == stored
            found = conn.execute(
                text("SELECT count(*) FROM report_fts WHERE tsv @@ CAST(:q AS tsquery)"),
                {"q": f"'{token('p', province)}'"},
            ).scalar_one()
        else:
            stored = dict(conn.execute(text("SELECT rowid, filters FROM report_fts")).all())
            assert {doc: entry_filters(*values) for doc, *values in latest} == stored
            found = conn.execute(
                text("SELECT count(*) FROM report_fts WHERE report_fts MATCH :m"),
                {"m": f'"{token("p", province)}"'},
            ).scalar_one()
        assert found == sum(row[1] == province for row in latest)


def test_no_text_or_query_makes_a_filter_token(archive: sessionmaker[Session]) -> None:
    reserved = token("p", "河南省")
    assert reserved not in index_terms(f"{reserved} 0筛 筛p {reserved.upper()}")
    assert reserved not in fts5_match(parse_query(reserved))
    assert reserved not in fts5_match(parse_query(f'"{reserved}"'))
    assert reserved not in tsquery_literal(parse_query(reserved))
    with archive() as s:
        province = s.scalar(text("SELECT province FROM report_versions WHERE latest LIMIT 1"))
        typed = token("p", province)
        assert search_results(s, typed).total == 0
        assert search_results(s, "0筛").total == 0


def test_postgresql_matches_only_the_place_tokens() -> None:
    """On PostgreSQL a year token made the planner sort thousands of matches, and a template
    or an issuer kind selects more still (storage.filtertokens.filter_match): the place's
    are ANDed, the rest left to the SQL conditions; SQLite's FTS5 takes them all."""
    flt = ReportFilter.parse(
        province="河南省",
        region="4101",
        year="2020-2021",
        template="2021",
        issuer_kind="department",
    )
    assert filter_match(flt, postgres=True) == f"'{token('p', '河南省')}' & '{token('r', '4101')}'"
    sqlite = filter_match(flt)
    assert sqlite is not None and token("y", 2021) in sqlite and token("k", "department") in sqlite
    assert filter_match(ReportFilter.parse(year="2020", template="2021"), postgres=True) is None
