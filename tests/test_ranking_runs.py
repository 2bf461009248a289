"""Ranking from each entry's CJK runs (`report_runs`, migrations 0008 and 0011) gives the same
BM25 as counting in the entries: the same frequencies for every one-word CJK phrase, the same
lengths, hence the same ranks and hits; the runs follow the entries through re-parses; and
SQLite and PostgreSQL rank a one-word search of the same archive alike."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import storage.query
from bench.query import build
from storage.db import open_existing
from storage.filters import ReportFilter
from storage.fulltext import (
    Phrase,
    entry_content,
    entry_index,
    entry_ranking,
    entry_runs,
    index_text,
    parse_query,
    phrase_count,
    phrase_patterns,
    run_count,
    run_word,
)
from storage.query import _ranked_bm25, newest_matches, search_results
from storage.reportindex import refresh_reports
from tests.pg import fresh_database

# Few characters, so that words repeat, overlap ("复复复") and cross runs' ends.
ALPHABET = "复议复议行政公开预算哈"
SEPARATORS = ("", "", "", "，", " ", "\n", " abc ", "2019", "【", "é")
WORDS = ("复议", "诉讼", "公开", "申请", "预算", "不予公开", "行政复议", "依申请公开", "信息")


def _random_text(rng: random.Random) -> str:
    return "".join(
        rng.choice(ALPHABET) + (rng.choice(SEPARATORS) if rng.random() < 0.3 else "")
        for _ in range(rng.randint(0, 60))
    )


def test_a_one_word_phrase_counts_the_same_in_the_runs_as_in_the_entry() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(3000):
        body = _random_text(rng)
        entry = index_text(body)
        runs = entry_runs(entry)
        assert runs == " ".join(re.findall(r"[\u4e00-\u9fff]+", body))
        # the crawl's workers take the runs from the tokens: the same row
        assert entry_index(body, postgres=False) == (entry, entry_ranking(entry))
        word = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 4)))
        phrases = parse_query(word)
        assert [run_word(p) for p in phrases] == [word]
        pattern = phrase_patterns(phrases)[0].encode()
        expected = phrase_count(entry.encode(), pattern)
        assert run_count(runs.encode(), word.encode()) == expected, (body, word)
        checked += expected > 1
    assert checked > 50  # repeated occurrences were exercised
    # Overlapping occurrences count once in both (greedy, left to right): 复复复 holds 复复
    # once, and its entry 复复 复复 复 holds " 复复 " once (the two share a space).
    for body, word, n in (
        ("复复复", "复复", 1),
        ("复复复复", "复复", 2),
        ("复议，复议", "复议", 2),
    ):
        pattern = phrase_patterns(parse_query(word))[0].encode()
        assert phrase_count(index_text(body).encode(), pattern) == n
        assert run_count(entry_runs(index_text(body)).encode(), word.encode()) == n


def test_phrases_not_counted_in_the_runs() -> None:
    assert [run_word(p) for p in parse_query('复 abc "政府，信息" 行政复议 "本年度 未发生"')] == [
        None,  # one character: a prefix term
        None,  # a Latin word
        None,  # two words: the terms between them are not in the runs
        "行政复议",
        "本年度未发生",  # spaces between CJK words are dropped: one word
    ]
    assert run_word(Phrase((), ("信息", "公开"))) is None


def _archive(url: str) -> sessionmaker[Session]:
    """bench.query's generated reports, then some texts re-written and refreshed, as a
    re-parse or a new capture does."""
    build(url, 300)
    sessions = open_existing(url)
    rng = random.Random(8)
    with sessions.begin() as s:
        changed = rng.sample(range(1, 301), 30)
        for doc in changed:
            s.execute(
                text("UPDATE documents SET text = text || :t WHERE id = :d"),
                {"t": "复议复议复议。行政复议" * rng.randint(1, 5), "d": doc},
            )
        refresh_reports(s, changed)
    return sessions


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    path: Path = tmp_path_factory.mktemp("runs") / "archive.sqlite"
    sessions = _archive(f"sqlite:///{path}")
    yield sessions
    sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def pg_archive() -> Iterator[sessionmaker[Session]]:
    """The same archive on PostgreSQL."""
    with fresh_database("gov_reports_ranking") as url:
        sessions = _archive(url)
        yield sessions
        sessions.kw["bind"].dispose()


def test_runs_follow_the_entries(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        conn = s.connection()
        entries = dict(conn.execute(text("SELECT rowid, terms FROM report_fts")).all())
        stored = {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT * FROM report_runs"))}
    assert len(entries) == 300
    assert stored == {doc: (len(t.encode()), entry_runs(t)) for doc, t in entries.items()}


def test_postgresql_stores_the_runs_sqlite_stores(
    archive: sessionmaker[Session], pg_archive: sessionmaker[Session]
) -> None:
    """PostgreSQL's entries are tsvectors: its runs are made from the documents' contents,
    and equal those SQLite makes from its entries."""
    runs = "SELECT id, entry_bytes, runs FROM report_runs"
    contents = (
        "SELECT d.id, d.title, d.text, v.title FROM documents d LEFT JOIN report_versions v "
        "ON v.document_id = d.id AND v.latest"
    )
    with archive() as s:
        on_sqlite = {r[0]: (r[1], r[2]) for r in s.execute(text(runs))}
    with pg_archive() as s:
        on_pg = {r[0]: (r[1], r[2]) for r in s.execute(text(runs))}
        docs = s.execute(text(contents)).all()
    assert len(on_pg) == 300 and on_pg == on_sqlite
    assert on_pg == {
        doc: entry_ranking(index_text(entry_content(version_title or title, body)))
        for doc, title, body, version_title in docs
    }


def test_postgresql_counts_a_word_in_the_runs_as_python_does(
    pg_archive: sessionmaker[Session],
) -> None:
    """The count PostgreSQL makes (storage.query._runs_counted_pg: what replace() removes)
    is `bytes.count`'s, overlapping occurrences included (复复复 holds 复复 once)."""
    rng = random.Random(11)
    cases = [("复复复", "复复"), ("复复复复", "复复"), ("", "复议"), ("é复议", "复议")]
    for _ in range(300):
        body = _random_text(rng)
        cases.append((body, "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 4)))))
    statement = storage.query._runs_counted_pg(1)
    with pg_archive() as s:  # rows of their own, never committed
        rows = [{"i": 10**9 + i, "r": r} for i, (r, _) in enumerate(cases)]
        s.execute(text("INSERT INTO report_runs VALUES (:i, 0, :r)"), rows)
        for row, (runs, word) in zip(rows, cases, strict=True):
            [(_, _, got)] = s.execute(statement, {"ids": [row["i"]], "w0": word}).all()
            assert got == runs.encode().count(word.encode()), (runs, word)
        s.rollback()


def test_both_engines_rank_a_one_word_search_alike(
    archive: sessionmaker[Session],
    pg_archive: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same hits in the same order with the same scores, page after page (small blocks
    of candidates, so pages past the first block are compared too)."""
    monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 40)
    compared = 0
    for word in (*WORDS, "复议 预算", "行政复议 不予公开"):
        for year in ("", "2019", "2015-2020"):
            flt = ReportFilter.parse(year=year or None)
            for offset in (0, 35, 60):
                with archive() as s:
                    lite = search_results(s, word, flt, limit=10, offset=offset)
                with pg_archive() as s:
                    pg = search_results(s, word, flt, limit=10, offset=offset)
                shown = [(h.report.doc_id, h.rank) for h in lite.hits]
                assert [(h.report.doc_id, h.rank) for h in pg.hits] == shown, (word, year)
                assert (pg.total, pg.total_exact) == (lite.total, lite.total_exact)
                compared += len(shown)
    assert compared > 250


def test_ranking_from_the_runs_ranks_as_counting_in_the_entries(
    archive: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(2)
    years = ("", "2019", "2015-2020")
    with archive() as s:
        for word in (*WORDS, "复议 预算", "政府 信息公开"):
            for year in years:
                flt = ReportFilter.parse(year=year or None)
                phrases = parse_query(word)
                found = newest_matches(s, phrases, flt, 1000)
                fast = _ranked_bm25(s, phrases, found)
                assert fast == _ranked_bm25(s, phrases, found, runs=False), (word, year)
        # Blocks of candidates past the first (RANK_CANDIDATES made small), whole results.
        monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 40)
        shown = 0
        for _ in range(20):
            word, offset = rng.choice(WORDS), rng.choice((0, 35, 60))
            fast = search_results(s, word, limit=10, offset=offset)
            with monkeypatch.context() as m:
                m.setattr(storage.query, "run_word", lambda _phrase: None)
                slow = search_results(s, word, limit=10, offset=offset)
            assert fast == slow, word
            shown += len(fast.hits)
        assert shown > 100


def test_a_scan_statement_kept_for_a_filter_serves_every_query(
    archive: sessionmaker[Session],
) -> None:
    """newest_matches keeps its statement per engine, filter and size, the match a
    parameter: under a filter, each query after others finds what a statement built for it
    alone finds."""
    kept = storage.query._newest_matches_of
    with archive() as s:
        province = s.execute(text("SELECT province FROM report_versions LIMIT 1")).scalar()
        filters = [
            ReportFilter(),
            ReportFilter.parse(year="2019"),
            ReportFilter.parse(province=province, year="2015-2020"),
            ReportFilter.parse(failed_check="carry_over.total"),
        ]
        kept.cache_clear()
        results = {
            (word, flt): newest_matches(s, parse_query(word), flt, 50)
            for flt in filters
            for word in (*WORDS, "复议 预算")
        }
        assert kept.cache_info().hits >= len(results) - len(filters)  # one statement a filter
        for (word, flt), found in results.items():
            kept.cache_clear()
            assert newest_matches(s, parse_query(word), flt, 50) == found, (word, flt)
    assert sum(map(len, results.values())) > 200
