"""PostgreSQL's search, filtered by anything but a region, finds its newest matches by testing
the entries of the filter's versions (storage.query `_walked_matches`) where the planner's
own statement reads the entries newest first: both find the same rows in the same order,
whichever way the walk goes. Its count (`search_count`) tests a small filter's versions the
same way: the planner's count is the same. And every PostgreSQL session plans each statement
with its values (storage.db POSTGRES_OPTIONS)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

import storage.query
from storage.db import open_readonly
from storage.filters import ISSUER_KINDS, TEMPLATES, ReportFilter
from storage.fulltext import parse_query
from storage.query import (
    _match_values,
    _newest_matches_of,
    _search_count_of,
    newest_matches,
    search_count,
)
from tests.pg import fresh_database
from tests.shuffled import random_filter, shuffled_archive, some_counties

# Words in nearly every report, in some, in none; phrases; a prefix; several words.
WORDS = (
    "复议",
    "公开",
    "预算",
    "行政复议",
    "年",
    "政府 信息",
    '"信息公开"',
    "2019",
    "罚款",
    "苗族",
)


# In about half of bench.query's reports (290, 228 and 366 of 600).
HALF_WORDS = ("不予公开", "答复", "本机关")


def _broad_filter(rng: random.Random) -> ReportFilter:
    """A filter beyond the place that selects a fifth of the reports or more."""
    return rng.choice(
        (
            ReportFilter.parse(template=rng.choice(TEMPLATES[:3])),
            ReportFilter.parse(issuer_kind=rng.choice(ISSUER_KINDS[:4])),
            ReportFilter.parse(year="2014-2025", all_versions=rng.random() < 0.3),
            ReportFilter.parse(year="2000-2100", hazard="boilerplate"),
        )
    )


@pytest.fixture(scope="module")
def archive() -> Iterator[sessionmaker[Session]]:
    with fresh_database("gov_reports_walk") as url:
        for sessions in shuffled_archive(url):
            # The planner's statistics, from which a common word is told from a rare one.
            with sessions() as s:
                s.execute(text("ANALYZE report_fts, report_versions"))
                s.commit()
            yield sessions


def _spied(monkeypatch: pytest.MonkeyPatch, taken: Counter[str], misjudged: list[bool]) -> None:
    """Count which way each walk went into `taken`; while `misjudged` holds True, every query
    is estimated common (as a planner's out-of-date statistics may say of a rare word)."""
    q = storage.query
    common, few, walked = q._common_query, q._few_of, q._walked_matches
    small, count_of = q._small_filter, q._count_of

    def common_query(*args: Any) -> bool:
        found = common(*args) or misjudged[0]
        if not found:
            taken["rare: the planner's statement"] += 1
        return found

    def few_of(*args: Any) -> Any:
        taken["few versions: each tested"] += 1
        return few(*args)

    def walked_matches(*args: Any) -> Any:
        before = taken.copy()
        found = walked(*args)
        new = taken - before
        if "a small filter" in new:
            taken["too few in the window, a small filter: each tested"] += 1
        elif not new.keys() & {"rare: the planner's statement", "few versions: each tested"}:
            taken[
                "walked" if found is not None else "too few in the window: the planner's statement"
            ] += 1
        return found

    def small_filter(*args: Any) -> bool:
        found = small(*args)
        taken["a small filter" if found else "a large filter"] += 1
        return found

    def counted_of(*args: Any) -> Any:
        taken["count: each version tested"] += 1
        return count_of(*args)

    monkeypatch.setattr(q, "_common_query", common_query)
    monkeypatch.setattr(q, "_few_of", few_of)
    monkeypatch.setattr(q, "_walked_matches", walked_matches)
    monkeypatch.setattr(q, "_small_filter", small_filter)
    monkeypatch.setattr(q, "_count_of", counted_of)


def test_a_walk_finds_what_the_planners_statement_finds(
    archive: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    counties = some_counties()
    taken: Counter[str] = Counter()
    misjudged = [False]
    walk_all = storage.query.WALK_ALL
    _spied(monkeypatch, taken, misjudged)
    with archive() as s:
        conn = s.connection()

        @event.listens_for(conn, "before_cursor_execute")
        def walk_on(_c: Any, _cur: Any, _sql: str, params: Any, *_: Any) -> None:
            if isinstance(params, dict) and params.get("below", storage.query._NO_BOUND) != (
                storage.query._NO_BOUND
            ):
                taken["walked on past the window"] += 1

        for i in range(500):
            misjudged[0] = i >= 450
            # Every filter here is small (600 reports): a small bound two times in three.
            monkeypatch.setattr(storage.query, "WALK_ALL", 20 if i % 3 else walk_all)
            if 300 <= i < 450:  # a word in about half the reports, a filter of many
                flt, query = _broad_filter(rng), rng.choice(HALF_WORDS)
                n = rng.choice((3, 5, 10, 20))
            else:
                flt, query = random_filter(rng, counties), rng.choice(WORDS)
                n = rng.choice((1, 3, 5, 10, 40, 6000))
            phrases, facets = parse_query(query), i % 2 == 0
            planner = conn.execute(
                _newest_matches_of(True, flt, n, facets), _match_values(True, phrases, flt)
            ).all()
            assert newest_matches(s, phrases, flt, n, facets=facets) == planner, (flt, n)
            if i % 5 == 0:
                planned = conn.execute(
                    _search_count_of(True, flt), _match_values(True, phrases, flt)
                ).scalar_one()
                assert search_count(s, query, flt) == planned, (flt, query)
    ways = (
        "rare: the planner's statement",
        "few versions: each tested",
        "walked",
        "walked on past the window",
        "too few in the window: the planner's statement",
        "too few in the window, a small filter: each tested",
        "a small filter",
        "a large filter",
        "count: each version tested",
    )
    assert set(taken) == set(ways) and min(taken.values()) >= 5, taken


def test_every_postgresql_session_plans_each_statement_with_its_values(
    archive: sessionmaker[Session],
) -> None:
    """psycopg prepares a statement run five times and PostgreSQL may then plan it once for
    any values: a rare word's search then walked every entry. The URL's own options still
    apply, the read-only engine's too."""
    with archive() as s:
        assert s.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"
    url = archive.kw["bind"].url.render_as_string(hide_password=False)
    readonly = open_readonly(f"{url}?options=-c%20work_mem%3D7MB")
    try:
        with readonly() as s:
            shown = [
                s.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("plan_cache_mode", "work_mem", "default_transaction_read_only")
            ]
    finally:
        readonly.kw["bind"].dispose()
    assert shown == ["force_custom_plan", "7MB", "on"]
