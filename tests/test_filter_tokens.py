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
from storage.filters import ReportFilter
from storage.filtertokens import entry_filters, filter_match, token
from storage.fulltext import fts5_match, index_terms, parse_query, tsquery_literal
from storage.query import newest_matches, search_count, search_results
from tests.pg import fresh_database
from tests.shuffled import REPORTS, random_filter, shuffled_archive, some_counties

WORDS = ("复议", "公开", "诉讼", "预算", "行政复议", "年", "政府 信息", '"信息公开"', "2019")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """tests.shuffled's archive, on each engine."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("tokens") / "archive.sqlite"
        yield from shuffled_archive(f"sqlite:///{path}")
        return
    with fresh_database("gov_reports_tokens") as url:
        yield from shuffled_archive(url)


def test_filter_tokens_find_exactly_what_the_sql_conditions_find(
    archive: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    counties = some_counties()
    tokened = nonempty = 0
    with archive() as s:
        for _ in range(150):
            flt = random_filter(rng, counties)
            phrases = parse_query(rng.choice(WORDS))
            with_tokens = newest_matches(s, phrases, flt, 10 * REPORTS)
            plain = newest_matches(s, phrases, flt, 10 * REPORTS, filter_tokens=False)
            assert with_tokens == plain, flt
            tokened += filter_match(flt) is not None
            nonempty += bool(plain)
        # The whole search too: hits, ranks, snippets, totals, the counted matches, and the
        # CLI's full count.
        for _ in range(30):
            flt = random_filter(rng, counties)
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
