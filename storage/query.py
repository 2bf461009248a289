"""The read side of the archive: typed functions over a Session, shared by every front end.

The CLI (`search`, `show`, `export`, `panel`, `coverage`), the JSON API and the web pages call
these and nothing else: no SQL outside storage/. Every function takes a `ReportFilter`
(storage.filters: province, prefecture, region prefix, year range, template, issuer kind,
hazard, failed check, all versions) and uses bound parameters only. Iterators stream in
batches, so memory does not grow with the archive.

- `count`, `facets`, `list_reports`: how many reports match, broken down, one page of them.
- `search`: ranked full-text hits with a highlighted snippet (storage.fulltext: character
  bigrams, Chinese-aware, traditional-script queries find simplified text).
- `get_report`: one report with its record (checks including `carry_over.*`), its versions,
  every capture with the WARC file's full path, and `original` reads the archived bytes back.
- `iter_records`, `iter_wide_rows`, `iter_long_cells`: what the exports write.
- `panel_rows` (storage.panel) and `coverage_matrix` (storage.coverage).

By default a query sees the newest parser version of each current official report; with
`all_versions` it also sees reports superseded by a revision at the same URL, each carrying
`superseded_by` (the doc_id of the revision).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    TextClause,
    and_,
    any_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from storage.columns import cell_columns
from storage.facets import MATCH_COLUMNS
from storage.fetchstate import version_chain
from storage.filters import NO_FILTER, FilterError, ReportFilter
from storage.filtertokens import filter_match
from storage.flags import failed_check_bits, hazard_bit
from storage.fulltext import (
    QueryError,
    bm25_scores,
    fts5_match,
    highlight_words,
    parse_query,
    phrase_count,
    phrase_patterns,
    run_count,
    run_word,
    to_simplified,
    tsquery_literal,
)
from storage.models import (
    Capture,
    Check,
    CrawlRun,
    Document,
    Hazard,
    ReportCell,
    ReportVersion,
)
from storage.records import CELL_TABLES, Cell, iso_utc, iter_cells, source_of
from storage.reportindex import CARRY_OVER

__all__ = [
    "FACET_FIELDS",
    "CaptureInfo",
    "FacetCounts",
    "FilterError",
    "NotFound",
    "QueryError",
    "ReportDetail",
    "ReportFilter",
    "ReportSummary",
    "SearchHit",
    "SearchResults",
    "VersionInfo",
    "WarcPointer",
    "capture_info",
    "carry_over",
    "cell_columns",
    "cells_of",
    "count",
    "coverage_matrix",
    "facet_counts",
    "facets",
    "get_report",
    "iter_captures",
    "iter_export_records",
    "iter_long_cells",
    "iter_records",
    "iter_texts",
    "iter_warc_pointers",
    "iter_wide_rows",
    "latest_versions",
    "list_reports",
    "original",
    "panel_rows",
    "run_report",
    "search",
    "search_count",
    "search_results",
]

BATCH = 500
FACET_FIELDS = ("province", "report_year", "template", "issuer_kind")
MARK = ("【", "】")


class NotFound(LookupError):
    """No report, document or capture matches the reference; the message names it."""


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSummary:
    """One report version as a list row (the filter columns)."""

    version_id: int
    document_id: int
    doc_id: str
    title: str | None
    issuer: str | None
    issuer_kind: str | None
    region_code: str | None
    region_name: str | None
    prefecture: str | None
    province: str | None
    report_year: int | None
    published_at: str | None
    template: str | None
    parser_version: str
    superseded_by: str | None  # doc_id of the revision, when superseded

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SearchHit:
    report: ReportSummary
    rank: float  # larger is better
    snippet: str  # text around the first match, matches between MARK
    # [start, end) of each match in `snippet`: which marks are ours when the text has 【】 too
    matches: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class CaptureInfo:
    capture_id: int
    url: str
    final_url: str
    fetched_at: str | None
    http_status: int
    content_type: str | None
    warc_file: str
    warc_path: str  # the file's full path (the crawl run's archive directory)
    warc_offset: int
    warc_record_id: str
    payload_sha256: str
    crawl_id: str | None
    attachment_of: str | None
    outcome: str
    encoding: str | None = None


@dataclass(frozen=True)
class VersionInfo:
    """A version of the report: a revision at the same URL (another document) or a re-parse
    (another parser version of the same document)."""

    doc_id: str
    document_id: int
    version_id: int | None
    parser_version: str | None
    first_seen_at: str | None
    created_at: str | None
    current: bool
    this: bool  # the version `get_report` was asked for


@dataclass
class ReportDetail:
    summary: ReportSummary
    record: dict[str, Any]
    versions: list[VersionInfo] = field(default_factory=list)
    captures: list[CaptureInfo] = field(default_factory=list)
    carry_over: list[dict[str, Any]] = field(default_factory=list)


# --- filters -----------------------------------------------------------------------------


def _conditions(flt: ReportFilter) -> list[Any]:
    rv = ReportVersion
    conds: list[Any] = [rv.official.is_(True)]
    if flt.all_versions:
        conds += [rv.latest.is_(True), or_(rv.current.is_(True), rv.superseded_by.is_not(None))]
    else:
        conds.append(rv.current.is_(True))
    if flt.province:
        conds.append(rv.province == flt.province)
    if flt.prefecture:
        conds.append(rv.prefecture == flt.prefecture)
    if flt.region:
        conds.append(rv.region_code.startswith(flt.region, autoescape=True))
    if flt.year_from is not None:
        conds.append(rv.report_year >= flt.year_from)
    if flt.year_to is not None:
        conds.append(rv.report_year <= flt.year_to)
    if flt.template:
        conds.append(rv.template == flt.template)
    if flt.issuer_kind:
        conds.append(rv.issuer_kind == flt.issuer_kind)
    # Bit tests on the masks (storage.flags), columns of the covering index: no probe into
    # `hazards` or `checks` per report.
    if flt.hazard:
        conds.append(rv.hazard_mask.bitwise_and(hazard_bit(flt.hazard)) != 0)
    if flt.failed_check:
        bits, probe = failed_check_bits(flt.failed_check)
        conds.append(rv.failed_mask.bitwise_and(bits) != 0)
        if probe:  # a full rule name: its family's bit narrows, the index of checks decides
            rule = flt.failed_check
            # The rule itself or any rule under it ("carry_over." ≤ rule < "carry_over/"):
            # a range the index answers, where LIKE would not be.
            conds.append(
                select(Check.id)
                .where(
                    Check.report_version_id == rv.id,
                    Check.status == "fail",
                    or_(
                        Check.rule == rule, and_(Check.rule >= rule + ".", Check.rule < rule + "/")
                    ),
                )
                .exists()
            )
    return conds


def filtered(flt: ReportFilter) -> Select[tuple[ReportVersion]]:
    """The report versions a filter selects (no order); for callers that add columns."""
    return select(ReportVersion).where(and_(*_conditions(flt)))


_SUMMARY_COLUMNS = (
    ReportVersion.id,
    ReportVersion.document_id,
    Document.doc_id,
    ReportVersion.title,
    ReportVersion.issuer,
    ReportVersion.issuer_kind,
    ReportVersion.region_code,
    ReportVersion.region_name,
    ReportVersion.prefecture,
    ReportVersion.province,
    ReportVersion.report_year,
    ReportVersion.published_at,
    ReportVersion.template,
    ReportVersion.parser_version,
    ReportVersion.superseded_by,
)
# Rows that carry more columns after the summary's are cut here for _summaries.
_SUMMARY_WIDTH = len(_SUMMARY_COLUMNS)
_ORDER = (
    ReportVersion.province,
    ReportVersion.region_code,
    ReportVersion.report_year,
    ReportVersion.id,
)


# Statements run on every search, built once: building a select of these columns with its
# join and IN list cost ~0.45 ms each time (SQLAlchemy), more than running it.
_SUMMARIES_OF = (
    select(*_SUMMARY_COLUMNS)
    .join(Document, Document.id == ReportVersion.document_id)
    .where(ReportVersion.id.in_(bindparam("ids", expanding=True)))
)
_DOC_IDS_OF = select(Document.id, Document.doc_id).where(
    Document.id.in_(bindparam("ids", expanding=True))
)
# A search's hits: their summaries and texts (for the snippets) in one statement.
_HITS_OF = (
    select(*_SUMMARY_COLUMNS, Document.text)
    .join(Document, Document.id == ReportVersion.document_id)
    .where(ReportVersion.id.in_(bindparam("ids", expanding=True)))
)


def _summary_select(flt: ReportFilter) -> Select[Any]:
    return (
        select(*_SUMMARY_COLUMNS)
        .join(Document, Document.id == ReportVersion.document_id)
        .where(and_(*_conditions(flt)))
    )


def _doc_ids(session: Session, document_ids: Any) -> dict[int, str]:
    """document id → doc_id, for these documents."""
    wanted = {i for i in document_ids if i is not None}
    if not wanted:
        return {}
    return dict(session.connection().execute(_DOC_IDS_OF, {"ids": list(wanted)}).all())


def _summaries(session: Session, rows: Sequence[Any]) -> list[ReportSummary]:
    doc_ids = _doc_ids(session, (r[14] for r in rows))
    return [ReportSummary(*r[:14], superseded_by=doc_ids.get(r[14])) for r in rows]


# --- counting and listing ----------------------------------------------------------------


def count(session: Session, flt: ReportFilter = NO_FILTER) -> int:
    """How many reports the filter selects (count(*): answered from the covering index)."""
    stmt = select(func.count()).select_from(ReportVersion).where(and_(*_conditions(flt)))
    return int(session.scalar(stmt) or 0)


def facets(
    session: Session, flt: ReportFilter = NO_FILTER, fields: Sequence[str] = FACET_FIELDS
) -> dict[str, list[tuple[Any, int]]]:
    """Counts of the selected reports by each field (value, count), largest first."""
    out: dict[str, list[tuple[Any, int]]] = {}
    for name in fields:
        if name not in (*FACET_FIELDS, "prefecture", "region_code"):
            raise FilterError(f"unknown facet {name!r}")
        col = getattr(ReportVersion, name)
        stmt = (
            select(col, func.count(ReportVersion.id))
            .where(and_(*_conditions(flt)))
            .group_by(col)
            .order_by(func.count(ReportVersion.id).desc(), col)
        )
        out[name] = [(value, int(n)) for value, n in session.execute(stmt)]
    return out


def list_reports(
    session: Session, flt: ReportFilter = NO_FILTER, *, limit: int = 50, offset: int = 0
) -> list[ReportSummary]:
    """One page of the selected reports, ordered by province, region code, year."""
    stmt = _summary_select(flt).order_by(*_ORDER).limit(limit).offset(offset)
    return _summaries(session, session.execute(stmt).all())


# --- search ------------------------------------------------------------------------------


def search(
    session: Session,
    query: str,
    flt: ReportFilter = NO_FILTER,
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Reports whose title or text contains every word (or "quoted phrase") of `query`,
    best first, each with a snippet around its first match. QueryError for an empty query.

    Ranked ids come first, from the full-text index alone where it can (`ranked_versions`);
    only the page of hits shown is then read: summaries, texts, snippets."""
    return search_results(session, query, flt, limit=limit, offset=offset, cap=0, facets=False).hits


# How many matches are ranked: the most recently archived ones the filter selects (all of
# them when fewer match). Ranking every match of a word that nearly every report contains
# (复议) costs 40-360 ms of CPU at 100,000 reports on either engine: FTS5's bm25() first
# counts the phrase in every matching document, PostgreSQL's ts_rank_cd reads each one's
# whole tsvector. Finding the newest matches is cheap: the index yields them in id order.
RANK_CANDIDATES = 500
# How far a search counts its matches: up to this many the total is exact, beyond it the
# count stops and the total is a lower bound ("more than 500"). Counting every match of a
# word nearly every report contains costs 40-100 ms of CPU at 100,000 reports on SQLite
# (~650 ms on PostgreSQL). Counted are the rows of the scan that finds the candidates to
# rank, so the count costs one row more than the search; counting to 1,000 cost ~5 ms of
# CPU more per search on bench.serve's mix (+25 %: with a filter, the scan walks twice as
# far down the matches).
TOTAL_CAP = RANK_CANDIDATES


@dataclass(frozen=True)
class SearchResults:
    """One page of hits and how many reports match: `total` is exact when `total_exact`,
    else a lower bound (the count stopped after `total` matches; more match)."""

    hits: list[SearchHit]
    total: int
    total_exact: bool
    # The matches counted (all of them when total_exact, else the `total` most recently
    # archived), newest first, as rows of MATCH_COLUMNS; none when searched without facets.
    matches: Sequence[Any] = ()


def search_results(
    session: Session,
    query: str,
    flt: ReportFilter = NO_FILTER,
    *,
    limit: int = 20,
    offset: int = 0,
    cap: int | None = None,
    facets: bool = True,
) -> SearchResults:
    """`search`'s hits and the count of matches up to `cap` (TOTAL_CAP), from one scan of
    the newest matches: the same scan finds the candidates to rank, so the count costs
    only the rows past them. `facets=False` (the API, the CLI): no `matches`, and the scan
    reads only what ranking needs (newest_matches `facets`). QueryError for an empty query."""
    phrases = parse_query(query)
    cap = TOTAL_CAP if cap is None else cap
    wanted = offset + limit
    ranked_n = -(-wanted // RANK_CANDIDATES) * RANK_CANDIDATES
    # One row more than counted, to know whether more match (`search` alone: no count).
    fetch = max(ranked_n, cap) + 1 if cap else ranked_n
    found = newest_matches(session, phrases, flt, fetch, facets=facets)
    exact = len(found) < fetch
    counted = found if exact else found[: fetch - 1]  # not exact: more than these match
    ranked = _rank(session, phrases, found[:ranked_n])[:wanted][offset:]
    hits = _hits(session, phrases, ranked)
    return SearchResults(hits, len(counted), exact, counted if facets else ())


def newest_matches(
    session: Session,
    phrases: list[Any],
    flt: ReportFilter,
    n: int,
    *,
    filter_tokens: bool = True,
    facets: bool = True,
) -> Sequence[Any]:
    """The `n` most recently archived matches the filter selects, newest first, as rows of
    MATCH_COLUMNS: the full-text index in id order (FTS5 `ORDER BY rowid DESC`; GIN and a
    top-n sort on PostgreSQL) joined to the covering index, which holds every column read.
    The match also carries the filter's reserved tokens (storage.filtertokens), so FTS5 or
    the GIN index intersects word and filter instead of this walking every match of the word;
    `filter_tokens=False` leaves them out (the same rows: the SQL conditions decide).
    `facets=False`: rows of vid and doc only, what ranking reads (making the six facet
    columns into Python values for ~500 rows was ~40 % of the scan's CPU)."""
    postgres = _postgres(session)
    match = _match_values(postgres, phrases, flt if filter_tokens else NO_FILTER)
    if postgres and _walks(flt):
        walked = _walked_matches(session, phrases, flt, n, facets, match)
        if walked is not None:
            return walked
    stmt = _newest_matches_of(postgres, flt, n, facets)
    return session.connection().execute(stmt, match).all()


# PostgreSQL's own plan for a filtered search either walks the entries newest first,
# testing the query on each one's tsvector (read out of line: ~10 µs) and the filter after
# the join, or takes every match of the word from GIN and sorts them: at 100,000 reports a
# common word in one year read ~10,000 tsvectors for 501 matches (85-380 ms), in one
# province 20-70 ms; the planner does not count the tsvector's read. Walking the filter's
# versions newest first and testing only their entries reads a few hundred (8-19 ms); but
# for a rare word it would test every version the filter selects, where GIN answers in
# ~1 ms. So a query the planner's statistics call rare keeps its plan; otherwise a window
# of the filter's WALK_WINDOW × n newest versions is tested first: if at least one in
# WALK_COMMON of them matches, the walk goes on; fewer, and the planner's statement decides.
# A filter that selects fewer versions than the window has each one's entry tested, and one
# of at most WALK_ALL versions is walked to its end even when its window holds few matches:
# a phrase common in the archive but rare in the filter's reports (不予公开 before 2019) made
# the planner's walk read every entry (~1 s at 100,000 reports), where testing the filter's
# own versions costs ~20 µs each (docs/benchmarks.md, "Tenth round" and "Eleventh round").
WALK_WINDOW = 2
WALK_COMMON = 8
WALK_ALL = 20_000


def _walks(flt: ReportFilter) -> bool:
    """Whether PostgreSQL may find the filter's matches by a walk: a filter that selects
    something, not by region (a prefix, which the indexes of a database's usual collation
    cannot look up: `LIKE '5303%'` reads the whole covering index, ~30 ms at 100,000
    reports, where the region's token in the tsvectors lets GIN narrow to it)."""
    return flt.region is None and replace(flt, all_versions=False) != NO_FILTER


def _walked_matches(
    session: Session,
    phrases: list[Any],
    flt: ReportFilter,
    n: int,
    facets: bool,
    match: dict[str, str],
) -> Sequence[Any] | None:
    """`newest_matches` by testing the entries of the filter's versions, newest first
    (PostgreSQL), or None when the query is too rare for that: by the planner's estimate,
    or by the matches in the window of a filter of more than WALK_ALL versions."""
    conn = session.connection()
    if not _common_query(conn, phrases):
        return None
    window = WALK_WINDOW * n
    if conn.execute(_filter_size_of(flt), {"window": window}).scalar_one() < window:
        return conn.execute(_few_of(flt, facets), {**match, "n": n}).all()  # test them all
    walk = _walk_of(flt, facets)
    found = conn.execute(walk, {**match, "below": _NO_BOUND, "window": window, "n": n}).all()
    if len(found) == n:
        return found
    if len(found) * WALK_COMMON < window:  # rare among the filter's versions
        if not _small_filter(conn, flt):
            return None
        return conn.execute(_few_of(flt, facets), {**match, "n": n}).all()  # test them all
    rest = {**match, "below": found[-1].doc, "window": None, "n": n - len(found)}
    return [*found, *conn.execute(walk, rest).all()]  # common enough: walk on


def _common_query(conn: Any, phrases: list[Any]) -> bool:
    """Whether PostgreSQL's planner expects one entry in WALK_COMMON or more to match the
    query (from its statistics of the lexemes; ~0.5 ms). A word it has no statistics for
    (rarer than its most common lexemes: ~7 % of the entries at 100,000 reports) counts as
    rare, and so does any query while the table has not been analyzed."""
    plan = conn.execute(_ESTIMATE, {"tsq": tsquery_literal(phrases)}).scalar_one()
    entries = conn.execute(_ENTRIES).scalar_one()
    return entries > 0 and plan[0]["Plan"]["Plan Rows"] * WALK_COMMON >= entries


_ESTIMATE = text(
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM report_fts WHERE tsv @@ CAST(:tsq AS tsquery)"
)
# -1 (PostgreSQL 14+) or 0 before the table's first ANALYZE or VACUUM.
_ENTRIES = text("SELECT reltuples FROM pg_class WHERE oid = 'report_fts'::regclass")
_NO_BOUND = 2**63 - 1


@lru_cache(maxsize=256)
def _walk_of(flt: ReportFilter, facets: bool) -> Select[Any]:
    """The `:n` newest matches among the filter's `:window` newest versions below document
    `:below` (no window: NULL)."""
    rv = ReportVersion
    below = rv.document_id < bindparam("below", type_=BigInteger())
    versions = (
        select(*_match_columns(facets))
        .where(*_conditions(flt), below)
        .order_by(rv.document_id.desc())
        .limit(bindparam("window", type_=Integer()))
    )
    return _probed(versions.subquery())


@lru_cache(maxsize=256)
def _few_of(flt: ReportFilter, facets: bool) -> Select[Any]:
    """The `:n` newest matches among the versions of a filter that selects few. They are
    found apart (a MATERIALIZED CTE: by the filter's index), as `_walk_of`'s newest-first
    walk would read the whole index to find a few."""
    versions = select(*_match_columns(facets)).where(*_conditions(flt))
    return _probed(versions.cte("few").prefix_with("MATERIALIZED"))


def _match_columns(facets: bool) -> tuple[Any, ...]:
    """`newest_matches`' columns: vid and doc, and with `facets` the rest of MATCH_COLUMNS."""
    rv = ReportVersion
    facet_columns = tuple(getattr(rv, name) for name in MATCH_COLUMNS[2:] if facets)
    return (rv.id.label("vid"), rv.document_id.label("doc"), *facet_columns)


def _probed(versions: Any) -> Select[Any]:
    """The `:n` newest of `versions` whose entry matches `:tsq`, each entry probed by its
    key: a scalar subquery, which PostgreSQL runs per version it reaches (a join it would
    plan as the walk over the entries that `_walked_matches` avoids)."""
    return (
        select(*versions.c)
        .where(_entry_matches(versions.c.doc))
        .order_by(versions.c.doc.desc())
        .limit(bindparam("n", type_=Integer()))
    )


def _small_filter(conn: Any, flt: ReportFilter) -> bool:
    """Whether the filter selects at most WALK_ALL versions (counted up to one more)."""
    size = conn.execute(_filter_size_of(flt), {"window": WALK_ALL + 1}).scalar_one()
    return bool(size <= WALK_ALL)


@lru_cache(maxsize=256)
def _count_of(flt: ReportFilter) -> Select[Any]:
    """How many of the filter's versions have an entry matching `:tsq`."""
    rv = ReportVersion
    versions = select(rv.document_id.label("doc")).where(*_conditions(flt)).subquery()
    return select(func.count()).select_from(versions).where(_entry_matches(versions.c.doc))


def _entry_matches(doc: Any) -> Any:
    """Whether the entry of document `doc` matches `:tsq`: a scalar subquery, which
    PostgreSQL runs per row it reaches, probing the entry by its key."""
    return select(_match_condition(True)).where(_FTS.c.document_id == doc).scalar_subquery()


@lru_cache(maxsize=256)
def _filter_size_of(flt: ReportFilter) -> Select[Any]:
    """How many versions the filter selects, counted up to `:window`."""
    rv = ReportVersion
    some = select(rv.id).where(*_conditions(flt)).limit(bindparam("window", type_=Integer()))
    return select(func.count()).select_from(some.subquery())


# Statements by engine, filter and size, as many as a server sees repeatedly (each ~1 KB):
# building and keying the select cost ~0.45 ms a search (SQLAlchemy), ~4 % of one.
@lru_cache(maxsize=256)
def _newest_matches_of(postgres: bool, flt: ReportFilter, n: int, facets: bool) -> Select[Any]:
    """newest_matches' statement; the match is a parameter (`_match_values`)."""
    key = _FTS.c.document_id if postgres else _FTS.c.rowid
    match = _match_condition(postgres)
    rv = ReportVersion
    return (
        select(
            rv.id.label("vid"),
            key.label("doc"),
            *(getattr(rv, name) for name in MATCH_COLUMNS[2:] if facets),
        )
        .select_from(_FTS)
        .join(rv, key == rv.document_id)
        .where(match, *_conditions(flt))
        .order_by(key.desc())
        .limit(n)
    )


def ranked_versions(
    session: Session, phrases: list[Any], flt: ReportFilter, wanted: int
) -> list[tuple[int, float]]:
    """(version id, rank) of the first `wanted` matches the filter selects, in blocks of
    RANK_CANDIDATES by recency: the most recently archived block first, each block best
    first (ties by version id). A page past the first block is then the continuation of
    the pages before it, whatever the page size."""
    blocks = -(-wanted // RANK_CANDIDATES)
    found = newest_matches(session, phrases, flt, blocks * RANK_CANDIDATES, facets=False)
    return _rank(session, phrases, found)[:wanted]


def _rank(session: Session, phrases: list[Any], found: Sequence[Any]) -> list[tuple[int, float]]:
    """(version id, rank) of the candidates `found` (newest first: vid, doc, …), by block
    of RANK_CANDIDATES, each block best first, ties by version id. A query of one-word CJK
    phrases (the usual one) is ranked alike on both engines, from `report_runs`; any other
    by BM25 of the entries on SQLite and by ts_rank_cd on PostgreSQL, whose entries are
    tsvectors (it does not keep the terms' order that counting a phrase needs)."""
    if not found:
        return []
    if _postgres(session) and None in (run_word(p) for p in phrases):
        return _ranked_postgres(session, phrases, found)
    return _ranked_bm25(session, phrases, found)


def _hits(session: Session, phrases: list[Any], ranked: list[tuple[int, float]]) -> list[SearchHit]:
    """The ranked versions as hits: only these are read in full (summary, text, snippet)."""
    rows = session.connection().execute(_HITS_OF, {"ids": [vid for vid, _ in ranked]}).all()
    summaries = {s.version_id: s for s in _summaries(session, rows)}
    texts = {row.document_id: row.text for row in rows}
    words = highlight_words(phrases)
    hits = []
    for vid, score in ranked:
        s = summaries[vid]
        content = f"{s.title or ''}\n{texts.get(s.document_id, '')}"
        hits.append(SearchHit(s, float(score or 0.0), *snippet_spans(content, words)))
    return hits


def _ranked_bm25(
    session: Session, phrases: list[Any], found: Sequence[Any], *, runs: bool = True
) -> list[tuple[int, float]]:
    """BM25 of each candidate, computed here from its full-text entry (the terms it was
    indexed with): each phrase's frequency in it and its length. Every phrase weighs alike
    (idf 1): a document frequency costs a pass over the term's whole posting list (12-32 ms
    for a common word at 100,000 reports), as FTS5's own bm25() pays for every query.
    When every phrase is one CJK word, the frequencies come from the entry's CJK runs and
    its stored length (`report_runs`, the same numbers: storage.fulltext.run_count; the
    only way on PostgreSQL); `runs=False` counts in the entries themselves (SQLite)."""
    docs = {row[1]: row[0] for row in found}
    words = [run_word(p) for p in phrases]
    if runs and None not in words:
        counted = _counted_in_runs(session, list(docs), [w.encode() for w in words if w])
    else:
        counted = _counted_in_entries(session, list(docs), phrases)
    if not counted:
        return []
    # By block (newest first); the mean length per block, so a block's order does not
    # depend on the blocks after it.
    if len(found) <= RANK_CANDIDATES:
        blocks = {0: counted}
    else:
        block = {row[1]: i // RANK_CANDIDATES for i, row in enumerate(found)}
        blocks = {}
        for entry in counted:
            blocks.setdefault(block[entry[0]], []).append(entry)
    idfs = [1.0] * len(phrases)
    ranked = []  # (block, -score, vid): sorted, best first in each block, ties by vid
    for b, entries in blocks.items():
        ids, lengths, tfs = zip(*entries, strict=True)
        scores = bm25_scores(tfs, lengths, sum(lengths) / len(lengths), idfs)
        ranked += zip([b] * len(ids), [-x for x in scores], [docs[d] for d in ids], strict=True)
    ranked.sort()
    return [(vid, -score) for _block, score, vid in ranked]


def _counted_in_entries(
    session: Session, docs: list[int], phrases: list[Any]
) -> list[tuple[int, int, list[int]]]:
    """(doc, length, each phrase's frequency) of these documents, from their entries' terms
    as UTF-8 bytes straight from FTS5's content table (`%_content`, column c0): no decoding
    to str, and bytes.count is a fast substring search. The length in bytes of the entry
    padded with a space at each end (what phrase_count counts in) stands for the length in
    terms (BM25 uses only its ratio to the mean)."""
    entries = session.connection().execute(_ENTRIES_OF, {"ids": json.dumps(docs)}).all()
    patterns = [p.encode() for p in phrase_patterns(phrases)]
    counted = []
    for doc, terms in entries:
        body = terms or b""
        counted.append((doc, len(body) + 2, [phrase_count(body, p) for p in patterns]))
    return counted


def _counted_in_runs(
    session: Session, docs: list[int], words: list[bytes]
) -> list[tuple[int, int, list[int]]]:
    """`_counted_in_entries` for phrases that are each one CJK word, from `report_runs`:
    the entry's stored length and its CJK runs, ~2.4 times smaller than the entry (reading
    and counting in the ~9 KB entries was ~6 ms of a ~15 ms search at 100,000 reports)."""
    if _postgres(session):
        # Counted where the runs are: sending ~4 KB of runs a candidate (12-20 ms for 500)
        # costs more than ts_rank_cd did (~7 ms). replace() takes non-overlapping occurrences
        # left to right, as bytes.count does, so the counts are the same; in bytes, because
        # length() counts characters by walking the UTF-8 (~7 ms for 500 candidates).
        params = {f"w{i}": w.decode() for i, w in enumerate(words)}
        rows = session.connection().execute(_runs_counted_pg(len(words)), {"ids": docs, **params})
        return [(doc, n + 2, tfs) for doc, n, *tfs in rows]
    rows = session.connection().execute(_RUNS_OF, {"ids": json.dumps(docs)}).all()
    if len(words) == 1:  # one word, the usual query: run_count inlined, one call fewer each
        (word,) = words
        return [(doc, n + 2, [runs.count(word)]) for doc, n, runs in rows]
    return [(doc, n + 2, [run_count(runs, w) for w in words]) for doc, n, runs in rows]


_ENTRIES_OF = text(
    "SELECT id, CAST(c0 AS BLOB) FROM report_fts_content "
    "WHERE id IN (SELECT value FROM json_each(:ids))"
)
_RUNS_OF = text(
    "SELECT id, entry_bytes, CAST(runs AS BLOB) FROM report_runs "
    "WHERE id IN (SELECT value FROM json_each(:ids))"
)


@cache
def _runs_counted_pg(words: int) -> TextClause:
    """PostgreSQL: (doc, entry_bytes, each word's count in the runs) of the documents `:ids`
    (one array parameter, however deep the page), the words as `:w0`, `:w1`, …"""
    counts = ", ".join(
        f"(octet_length(runs) - octet_length(replace(runs, :w{i}, ''))) / octet_length(:w{i})"
        for i in range(words)
    )
    return text(f"SELECT id, entry_bytes, {counts} FROM report_runs WHERE id = ANY(:ids)")


def _ranked_postgres(
    session: Session, phrases: list[Any], found: Sequence[Any]
) -> list[tuple[int, float]]:
    """ts_rank_cd of each candidate (PostgreSQL reads the candidate's tsvector for it)."""
    from sqlalchemy.dialects.postgresql import ARRAY

    tsq = _tsquery()
    # One array parameter, however deep the page (IN would bind a parameter per candidate).
    docs = bindparam("docs", [row[1] for row in found], type_=ARRAY(BigInteger))
    scores = dict(
        session.connection()
        .execute(
            select(_FTS.c.document_id, func.ts_rank_cd(_FTS.c.tsv, tsq)).where(
                _FTS.c.document_id == any_(docs)
            ),
            {"tsq": tsquery_literal(phrases)},
        )
        .all()
    )
    # float4 scores, compared as read: the order the database's ORDER BY gave before.
    ranked = [
        (i // RANK_CANDIDATES, row[0], float(scores.get(row[1]) or 0.0))
        for i, row in enumerate(found)
    ]
    ranked.sort(key=lambda hit: (hit[0], -hit[2], hit[1]))
    return [(vid, score) for _block, vid, score in ranked]


def _summaries_of(session: Session, ids: Sequence[int]) -> dict[int, ReportSummary]:
    rows = session.connection().execute(_SUMMARIES_OF, {"ids": list(ids)}).all()
    return {s.version_id: s for s in _summaries(session, rows)}


def search_count(session: Session, query: str, flt: ReportFilter = NO_FILTER) -> int:
    """How many reports `search` would find (without ranking them). On PostgreSQL a common
    query under a filter of at most WALK_ALL versions and no place is counted by testing
    those versions' entries: the planner's count reads every match of the query (0.5-1.1 s
    for a common word in one year at 100,000 reports, against 0.1-0.15 s)."""
    postgres = _postgres(session)
    phrases = parse_query(query)
    match = _match_values(postgres, phrases, flt)
    # A place filter's tokens let GIN narrow the planner's count (16-84 ms for a common word
    # in a province against 73-110 ms by testing the province's versions).
    if postgres and _walks(flt) and filter_match(flt, postgres=True) is None:
        conn = session.connection()
        if _common_query(conn, phrases) and _small_filter(conn, flt):
            return int(conn.execute(_count_of(flt), match).scalar_one())
    return int(session.scalar(_search_count_of(postgres, flt), match) or 0)


@lru_cache(maxsize=256)
def _search_count_of(postgres: bool, flt: ReportFilter) -> Select[Any]:
    """search_count's statement, as the engine's planner plans it; the match is a parameter."""
    key = _FTS.c.document_id if postgres else _FTS.c.rowid
    return (
        select(func.count(ReportVersion.id))
        .select_from(_FTS)
        .join(ReportVersion, key == ReportVersion.document_id)
        .where(_match_condition(postgres), *_conditions(flt))
    )


_FTS = table("report_fts", column("rowid"), column("document_id"), column("tsv"))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _match_condition(postgres: bool) -> Any:
    """The match condition for this engine, its query a parameter (`_match_values`), so a
    statement holding it can be built once and kept."""
    if postgres:
        return _FTS.c.tsv.op("@@")(_tsquery())
    return literal_column("report_fts").op("MATCH")(bindparam("match", type_=String()))


def _match_values(postgres: bool, phrases: list[Any], flt: ReportFilter) -> dict[str, str]:
    """`_match_condition`'s parameter, with the filter's tokens if any (a narrowing only:
    the caller keeps the filter's SQL conditions)."""
    if postgres:
        tsq, tokens = tsquery_literal(phrases), filter_match(flt, postgres=True)
        return {"tsq": f"{tsq} & {tokens}" if tokens else tsq}
    return {"match": _fts5_expression(phrases, flt)}


def _fts5_expression(phrases: list[Any], flt: ReportFilter) -> str:
    """The FTS5 MATCH expression: the phrases, and the filter's tokens if any."""
    expression = fts5_match(phrases)
    tokens = filter_match(flt)
    return f"{expression} AND {tokens}" if tokens else expression


def _tsquery() -> Any:
    """The parameter `tsq` (`tsquery_literal`'s text) as a tsquery."""
    from sqlalchemy.dialects.postgresql import TSQUERY

    return cast(bindparam("tsq", type_=String()), TSQUERY)


def snippet(
    content: str, words: Sequence[str], width: int = 80, mark: tuple[str, str] = MARK
) -> str:
    """`width` characters of `content` around the first occurrence of any word, matches
    marked. Words are simplified script; a text where none is found as printed (traditional
    script) is simplified whole before looking again. Where the text itself has a mark
    character (【 is common in report text), `snippet_spans` says which are matches."""
    return snippet_spans(content, words, width, mark)[0]


def snippet_spans(
    content: str, words: Sequence[str], width: int = 80, mark: tuple[str, str] = MARK
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`snippet`, and the [start, end) offsets of each match in it (inside its marks)."""
    pattern = (
        re.compile("|".join(re.escape(w) for w in words if w), re.IGNORECASE) if words else None
    )
    found = pattern.search(content) if pattern else None
    if found is None and pattern is not None:
        content = to_simplified(content)
        found = pattern.search(content)
    if pattern is None or found is None:
        return re.sub(r"\s+", " ", content[: width * 2]).strip()[:width], ()
    start = max(0, found.start() - width // 3)
    piece = re.sub(r"\s+", " ", to_simplified(content[start : start + width]))
    out, spans, at = ["…" if start else ""], [], 0
    length = len(out[0])
    for m in pattern.finditer(piece):
        before = piece[at : m.start()] + mark[0]
        length += len(before)
        spans.append((length, length + len(m.group(0))))
        out += [before, m.group(0), mark[1]]
        length += len(m.group(0)) + len(mark[1])
        at = m.end()
    out += [piece[at:], "…" if start + width < len(content) else ""]
    return "".join(out), tuple(spans)


# --- one report --------------------------------------------------------------------------


# What `_document_of` runs, built once (see _SUMMARIES_OF): a report page runs ~8 such
# statements, and building each one (and its cache key) cost more than running it.
_DOCUMENT_AT_URL = (
    select(Capture.document_id)
    .where(
        or_(Capture.final_url == bindparam("ref"), Capture.url == bindparam("ref")),
        Capture.document_id.is_not(None),
    )
    .order_by(Capture.id.desc())
    .limit(1)
)
_DOCUMENT_BY_SHA256 = select(Document.id).where(Document.text_sha256 == bindparam("ref")).limit(1)
_DOCUMENT_BY_DOC_ID = select(Document.id).where(Document.doc_id == bindparam("ref")).limit(1)


def _document_of(session: Session, ref: str) -> int | None:
    """The document id `ref` names: a doc_id (16 hex), a text SHA-256, or a URL it was
    served at (the newest capture there); None when there is none."""
    ref = (ref or "").strip()
    if ref.startswith(("http://", "https://")):
        stmt, value = _DOCUMENT_AT_URL, ref
    elif re.fullmatch(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{64}", ref):
        stmt = _DOCUMENT_BY_SHA256 if len(ref) == 64 else _DOCUMENT_BY_DOC_ID
        value = ref.lower()
    else:
        return None
    return session.connection().execute(stmt, {"ref": value}).scalar()


def _not_found(ref: str) -> NotFound:
    return NotFound(f"no report {ref!r} in the archive (give a doc_id or a report URL)")


def resolve_version(session: Session, ref: str) -> ReportVersion:
    """The report version `ref` names: a doc_id (16 hex), a text SHA-256, or a URL it was
    served at; the newest parser version of that document. NotFound otherwise."""
    doc_id = _document_of(session, ref)
    version = (
        session.scalar(
            select(ReportVersion)
            .where(ReportVersion.document_id == doc_id)
            .order_by(ReportVersion.latest.desc(), ReportVersion.id.desc())
            .limit(1)
        )
        if doc_id is not None
        else None
    )
    if version is None:
        raise _not_found(ref)
    return version


# What get_report reads of each version of a document: the narrow columns, no record.
_VERSION_COLUMNS = (
    ReportVersion.id,
    ReportVersion.document_id,
    ReportVersion.parser_version,
    ReportVersion.created_at,
    ReportVersion.current,
    ReportVersion.latest,
)
# A chain document: what the version list shows, never the text.
_CHAIN_COLUMNS = (Document.id, Document.doc_id, Document.previous_id, Document.first_seen_at)
_VERSIONS_OF = (
    select(*_VERSION_COLUMNS)
    .where(ReportVersion.document_id.in_(bindparam("ids", expanding=True)))
    .order_by(ReportVersion.id)
)
_REPORT_ROW = (
    select(*_SUMMARY_COLUMNS, ReportVersion.record, ReportVersion.capture_id)
    .join(Document, Document.id == ReportVersion.document_id)
    .where(ReportVersion.id == bindparam("id"))
)


def get_report(session: Session, ref: str) -> ReportDetail:
    """The report `ref` names (see resolve_version) with versions, captures and checks.

    Column reads only (no ORM entities): a request for one report runs a handful of index
    lookups and reads one record JSON, and never a document's text."""
    document_id = _document_of(session, ref)
    if document_id is None:
        raise _not_found(ref)
    chain = version_chain(session, document_id, _CHAIN_COLUMNS)  # never the texts
    if not chain:
        raise _not_found(ref)
    conn = session.connection()
    rows = conn.execute(_VERSIONS_OF, {"ids": [d.id for d in chain]}).all()
    own = [r for r in rows if r.document_id == document_id]
    if not own:
        raise _not_found(ref)
    # The newest parser version, as resolve_version: latest first, then the highest id.
    chosen = max(own, key=lambda r: (bool(r.latest), r.id))
    row = conn.execute(_REPORT_ROW, {"id": chosen.id}).one()
    summary = _summaries(session, [row[:_SUMMARY_WIDTH]])[0]
    version = _VersionRecord(
        row.id, row.document_id, row.record, row.parser_version, row.superseded_by
    )
    captures = _captures(session, document_id)
    record = _assemble(
        session,
        [version],
        {document_id: captures[0] if captures else None},
        {version.superseded_by: summary.superseded_by},
    )[0]
    return ReportDetail(
        summary=summary,
        record=record,
        versions=_version_list(chain, rows, chosen.id),
        captures=captures,
        carry_over=[c for c in record["checks"] if str(c.get("rule", "")).startswith(CARRY_OVER)],
    )


@dataclass(frozen=True)
class _VersionRecord:
    """What _assemble reads of a version (it also takes ReportVersion entities)."""

    id: int
    document_id: int
    record: dict[str, Any]
    parser_version: str
    superseded_by: int | None


def carry_over(session: Session, version_id: int) -> list[dict[str, Any]]:
    """The `carry_over.<column>` checks of a report version (RECORD.md)."""
    rows = session.execute(
        select(Check.rule, Check.status, Check.detail)
        .where(Check.report_version_id == version_id, Check.rule.startswith(CARRY_OVER))
        .order_by(Check.id)
    )
    return [{"rule": r, "status": s, "detail": d} for r, s, d in rows]


def original(session: Session, ref: str) -> tuple[CaptureInfo, Any]:
    """The first capture of the report `ref` names and its archived response (the bytes as
    served, `raw_payload`, and with Content-Encoding undone, `body`)."""
    from storage.warc import read_response

    version = resolve_version(session, ref)
    captures = _captures(session, version.document_id)
    if not captures:
        raise NotFound(f"report {ref!r} has no archived capture")
    cap = captures[0]
    return cap, read_response(cap.warc_path, cap.warc_offset)


def _archive_dirs(session: Session) -> dict[int, tuple[str, str]]:
    """crawl run id → (crawl_id, archive directory)."""
    rows = session.execute(select(CrawlRun.id, CrawlRun.crawl_id, CrawlRun.settings))
    return {rid: (cid, (settings or {}).get("archive_dir", "")) for rid, cid, settings in rows}


def _capture_info(cap: Any, runs: dict[int, tuple[str, str]]) -> CaptureInfo:
    """A capture (an entity, or a row of its columns) as CaptureInfo."""
    crawl_id, archive_dir = runs.get(cap.crawl_run_id or -1, (None, ""))
    source = source_of(cap, crawl_id)
    return CaptureInfo(
        capture_id=cap.id,
        url=cap.url,
        final_url=cap.final_url,
        fetched_at=source["fetched_at"],
        http_status=cap.http_status,
        content_type=cap.content_type,
        warc_file=cap.warc_file,
        warc_path=str(Path(archive_dir or ".") / cap.warc_file),
        warc_offset=cap.warc_offset,
        warc_record_id=cap.warc_record_id,
        payload_sha256=cap.payload_sha256,
        crawl_id=crawl_id,
        attachment_of=cap.attachment_of,
        outcome=cap.outcome,
        encoding=cap.encoding,
    )


_CAPTURE_COLUMNS = (
    Capture.id,
    Capture.crawl_run_id,
    Capture.url,
    Capture.final_url,
    Capture.fetched_at,
    Capture.http_status,
    Capture.content_type,
    Capture.encoding,
    Capture.warc_file,
    Capture.warc_offset,
    Capture.warc_record_id,
    Capture.payload_sha256,
    Capture.attachment_of,
    Capture.outcome,
)


_CAPTURES_OF = (
    select(*_CAPTURE_COLUMNS, CrawlRun.crawl_id, CrawlRun.settings)
    .outerjoin(CrawlRun, CrawlRun.id == Capture.crawl_run_id)
    .where(Capture.document_id == bindparam("document_id"))
    .order_by(Capture.id)
)


def _captures(session: Session, document_id: int) -> list[CaptureInfo]:
    """A document's captures, oldest first, with their crawl runs' ids and directories (only
    the runs these captures come from are read)."""
    caps = session.connection().execute(_CAPTURES_OF, {"document_id": document_id}).all()
    runs = {
        c.crawl_run_id: (c.crawl_id, (c.settings or {}).get("archive_dir", ""))
        for c in caps
        if c.crawl_run_id is not None and c.crawl_id is not None
    }
    return [_capture_info(c, runs) for c in caps]


def _version_list(chain: list[Any], rows: Sequence[Any], this: int) -> list[VersionInfo]:
    """The revisions at the same URL (oldest first) and the parser versions of each."""
    out: list[VersionInfo] = []
    for doc in chain:
        versions = [r for r in rows if r.document_id == doc.id]
        if not versions:
            out.append(
                VersionInfo(
                    doc.doc_id, doc.id, None, None, iso_utc(doc.first_seen_at), None, False, False
                )
            )
        for v in versions:
            out.append(
                VersionInfo(
                    doc_id=doc.doc_id,
                    document_id=doc.id,
                    version_id=v.id,
                    parser_version=v.parser_version,
                    first_seen_at=iso_utc(doc.first_seen_at),
                    created_at=iso_utc(v.created_at),
                    current=bool(v.current),
                    this=v.id == this,
                )
            )
    return out


# --- records for export ------------------------------------------------------------------


def iter_records(session: Session, flt: ReportFilter = NO_FILTER) -> Iterator[dict[str, Any]]:
    """Every selected report as a RECORD.md record: `source` from its capture (plus
    `warc_path`, the WARC file's full path), checks including `carry_over.*`, and
    `superseded_by` (null unless a revision replaced it). Streams in batches."""
    for batch in _version_batches(session, flt):
        yield from _assemble_batch(session, batch)


def _id_batches(session: Session, flt: ReportFilter) -> Iterator[list[int]]:
    """The selected version ids in id order, BATCH at a time (keyset pagination: no
    long-lived cursor, so memory and locks stay flat)."""
    last = 0
    conds = _conditions(flt)
    while True:
        stmt = (
            select(ReportVersion.id)
            .where(and_(*conds), ReportVersion.id > last)
            .order_by(ReportVersion.id)
            .limit(BATCH)
        )
        batch = list(session.scalars(stmt))
        if not batch:
            return
        yield batch
        last = batch[-1]


def _version_batches(session: Session, flt: ReportFilter) -> Iterator[list[ReportVersion]]:
    """The selected versions (ORM objects, records included), BATCH at a time."""
    for ids in _id_batches(session, flt):
        yield list(
            session.scalars(
                select(ReportVersion).where(ReportVersion.id.in_(ids)).order_by(ReportVersion.id)
            )
        )
        session.expunge_all()


def _assemble_batch(session: Session, batch: list[ReportVersion]) -> list[dict[str, Any]]:
    doc_ids = [v.document_id for v in batch]
    runs = _archive_dirs(session)
    first: dict[int, CaptureInfo] = {}
    wanted = {v.capture_id for v in batch if v.capture_id is not None}
    caps = session.scalars(
        select(Capture)
        .where(or_(Capture.id.in_(wanted), Capture.document_id.in_(doc_ids)))
        .order_by(Capture.id)
    )
    by_id: dict[int, CaptureInfo] = {}
    for cap in caps:
        info = _capture_info(cap, runs)
        by_id[cap.id] = info
        if cap.document_id is not None:
            first.setdefault(cap.document_id, info)
    chosen = {
        v.document_id: by_id.get(v.capture_id)
        if v.capture_id in by_id
        else first.get(v.document_id)
        for v in batch
    }
    names = _doc_ids(session, (v.superseded_by for v in batch))
    return _assemble(session, batch, chosen, names)


_CARRY_OVER_OF = (
    select(Check.report_version_id, Check.rule, Check.status, Check.detail)
    .where(
        Check.report_version_id.in_(bindparam("ids", expanding=True)),
        Check.rule.startswith(CARRY_OVER),
    )
    .order_by(Check.id)
)


def _assemble(
    session: Session,
    versions: Sequence[ReportVersion],
    captures: dict[int, CaptureInfo | None],
    successor_doc_ids: dict[Any, str | None],
) -> list[dict[str, Any]]:
    ids = [v.id for v in versions]
    extra: dict[int, list[dict[str, Any]]] = {}
    for vid, rule, status, detail in session.connection().execute(_CARRY_OVER_OF, {"ids": ids}):
        extra.setdefault(vid, []).append({"rule": rule, "status": status, "detail": detail})
    doc_ids = _doc_ids(session, (v.document_id for v in versions))
    out = []
    for v in versions:
        record = dict(v.record)
        record["doc_id"] = doc_ids.get(v.document_id, record.get("doc_id"))
        checks = [
            c
            for c in record.get("checks") or []
            if not str(c.get("rule", "")).startswith(CARRY_OVER)
        ]
        record["checks"] = checks + extra.get(v.id, [])
        cap = captures.get(v.document_id)
        if cap is not None:
            record["source"] = _source(cap)
        record["parser_version"] = v.parser_version
        record["superseded_by"] = (
            successor_doc_ids.get(v.superseded_by) if v.superseded_by else None
        )
        out.append(record)
    return out


def _source(cap: CaptureInfo) -> dict[str, Any]:
    return {
        "url": cap.url,
        "final_url": cap.final_url,
        "fetched_at": cap.fetched_at,
        "http_status": cap.http_status,
        "content_type": cap.content_type,
        "encoding": cap.encoding,
        "warc_file": cap.warc_file,
        "warc_record_id": cap.warc_record_id,
        "warc_offset": cap.warc_offset,
        "payload_sha256": cap.payload_sha256,
        "crawl_id": cap.crawl_id,
        "attachment_of": cap.attachment_of,
        "warc_path": cap.warc_path,
    }


def cell_value(value_int: int | None, value: float | None) -> int | float | None:
    """The exact cell value: the integer column when set, else the float."""
    return value_int if value_int is not None else value


WIDE_EXTRAS = ("hazards", "failed_checks", "url", "fetched_at", "warc_path")


def iter_wide_rows(
    session: Session, flt: ReportFilter = NO_FILTER
) -> Iterator[tuple[ReportSummary, dict[str, Any]]]:
    """(report, {column: value}) for every selected report: every cell a column named as in
    storage.columns (money also as `<name>_raw`, the printed text), plus WIDE_EXTRAS: hazards
    and failed check rules (space-separated), the capture's URL, time and WARC file path.

    One query per batch reads each report's row once: its summary columns and only the three
    tables of its record (extracted by the database: the record's text sections are most of
    its bytes), flattened here without a Cell object per cell."""
    names = _wide_names()
    runs = _archive_dirs(session)
    conn = session.connection()
    parts, split = _table_parts(session)
    columns = (*_SUMMARY_COLUMNS, ReportVersion.capture_id, *parts)
    for ids in _id_batches(session, flt):
        rows = conn.execute(
            select(*columns)
            .join(Document, Document.id == ReportVersion.document_id)
            .where(ReportVersion.id.in_(ids))
            .order_by(ReportVersion.id)
        ).all()
        values = {row.id: _flat_cells(split(row[_SUMMARY_WIDTH + 1 :]), names) for row in rows}
        chosen = {row.id: row.capture_id for row in rows if row.capture_id is not None}
        _add_extras(session, ids, values, runs, _capture_ids(session, ids, chosen))
        for summary in _summaries(session, [row[:_SUMMARY_WIDTH] for row in rows]):
            yield summary, values[summary.version_id]


def _table_parts(session: Session) -> tuple[tuple[Any, ...], Any]:
    """(columns to select, a function from their values to the record's three tables).

    SQLite extracts the tables from the record in the database (its JSON functions are fast
    and the record is mostly text sections: ~2.4 of ~16 KB); PostgreSQL's `->` on a `json`
    column parses the whole text for each key (0.5 ms a report for three), so there the
    whole record is read and decoded once here."""
    if _postgres(session):
        return (ReportVersion.record,), lambda values: [
            (values[0] or {}).get(t) for t in CELL_TABLES
        ]
    return tuple(ReportVersion.record[t] for t in CELL_TABLES), lambda values: values


@cache
def _wide_names() -> dict[tuple[str, str], dict[str, tuple[str | None, str | None]]]:
    """(table, row) → {column key: (its column name, the name of its `_raw` column)}."""
    names = {(c.table, c.row, c.column): c.name for c in cell_columns()}
    out: dict[tuple[str, str], dict[str, tuple[str | None, str | None]]] = {}
    for (tbl, row, col), name in names.items():
        out.setdefault((tbl, row), {})[col] = (name, names.get((tbl, row, col + "_raw")))
        base = col.removesuffix("_raw")
        if base != col and (tbl, row, base) not in names:
            out[(tbl, row)][base] = (None, name)
    return out


def _flat_cells(
    parts: Sequence[Any], names: dict[tuple[str, str], dict[str, tuple[str | None, str | None]]]
) -> dict[str, Any]:
    """{column name: value} of a record's tables (`parts`, as CELL_TABLES), with the values
    storage.records.iter_cells gives: money as yuan plus its printed text, text as raw only."""
    out: dict[str, Any] = {}
    for tbl, rows in zip(CELL_TABLES, parts, strict=True):
        if not isinstance(rows, dict):
            continue
        for row, cols in rows.items():
            known = names.get((tbl, row))
            if known is None or not isinstance(cols, dict):
                continue
            for col, val in cols.items():
                pair = known.get(col)
                if pair is None:
                    continue
                kind = type(val)
                if kind is int or kind is float or val is None:  # nearly every cell
                    if pair[0] is not None:
                        out[pair[0]] = val
                    continue
                raw = None
                if kind is dict:  # money: {"raw": "7976.14万元", "yuan": 79761400.0}
                    num = val.get("yuan")
                    value, raw = (float(num) if num is not None else None), val.get("raw")
                elif isinstance(val, bool):
                    value = None
                elif isinstance(val, int | float | dict):  # subclasses, as iter_cells
                    value, raw = _flat_value(val)
                else:
                    value, raw = None, str(val)
                if pair[0] is not None:
                    out[pair[0]] = value
                if raw is not None and pair[1] is not None:
                    out[pair[1]] = raw
    return out


def _flat_value(val: Any) -> tuple[Any, Any]:
    cell = iter_cells({CELL_TABLES[0]: {"r": {"c": val}}})
    first = next(iter(cell))
    return first.value, first.raw


def _capture_ids(
    session: Session, ids: Sequence[int], known: dict[int, int] | None = None
) -> dict[int, int]:
    """version id → the capture it was parsed from, else its document's first capture
    (`known`: the captures already read for some of them)."""
    conn = session.connection()
    if known is None:
        rows = conn.execute(
            select(ReportVersion.id, ReportVersion.capture_id, ReportVersion.document_id).where(
                ReportVersion.id.in_(ids)
            )
        ).all()
        chosen = {vid: cap for vid, cap, _doc in rows if cap is not None}
    else:
        chosen = dict(known)
    missing = [vid for vid in ids if vid not in chosen]
    if not missing:
        return chosen
    rows = conn.execute(
        select(ReportVersion.id, ReportVersion.document_id).where(ReportVersion.id.in_(missing))
    ).all()
    orphans = {doc: vid for vid, doc in rows}
    if orphans:
        for doc, first in conn.execute(
            select(Capture.document_id, func.min(Capture.id))
            .where(Capture.document_id.in_(list(orphans)))
            .group_by(Capture.document_id)
        ):
            chosen[orphans[doc]] = first
    return chosen


def record_cells(session: Session, ids: Sequence[int]) -> dict[int, list[Cell]]:
    """version id → its table cells, read from its record (what report_cells was made
    from): one JSON document per report reads far faster than ~200 cell rows; only its
    three tables are used (see _table_parts)."""
    parts, split = _table_parts(session)
    rows = session.connection().execute(
        select(ReportVersion.id, *parts).where(ReportVersion.id.in_(ids))
    )
    return {
        vid: list(iter_cells(dict(zip(CELL_TABLES, split(values), strict=True))))
        for vid, *values in rows
    }


def _add_extras(
    session: Session,
    ids: list[int],
    values: dict[int, dict[str, Any]],
    runs: dict[int, tuple[str, str]],
    chosen: dict[int, int] | None = None,
) -> None:
    conn = session.connection()  # Core rows: no ORM layer per row
    tags: dict[int, list[str]] = {}
    for vid, tag in conn.execute(
        select(Hazard.report_version_id, Hazard.tag)
        .where(Hazard.report_version_id.in_(ids))
        .order_by(Hazard.id)
    ).all():
        tags.setdefault(vid, []).append(tag)
    failed: dict[int, list[str]] = {}
    for vid, rule in conn.execute(
        select(Check.report_version_id, Check.rule)
        .where(Check.report_version_id.in_(ids), Check.status == "fail")
        .order_by(Check.id)
    ).all():  # fetchall: one call, not one per row
        failed.setdefault(vid, []).append(rule)
    if chosen is None:
        chosen = _capture_ids(session, ids)
    readers: dict[int, list[int]] = {}
    for vid, cap in chosen.items():
        readers.setdefault(cap, []).append(vid)
    for cap_id, url, fetched, warc_file, run_id in conn.execute(
        select(
            Capture.id,
            Capture.final_url,
            Capture.fetched_at,
            Capture.warc_file,
            Capture.crawl_run_id,
        ).where(Capture.id.in_(list(readers)))
    ):
        archive_dir = runs.get(run_id or -1, (None, ""))[1]
        extra = {
            "url": url,
            "fetched_at": iso_utc(fetched),
            "warc_path": str(Path(archive_dir or ".") / warc_file),
        }
        for vid in readers[cap_id]:
            values[vid].update(extra)
    for vid in ids:
        values[vid]["hazards"] = " ".join(tags.get(vid, [])) or None
        values[vid]["failed_checks"] = " ".join(failed.get(vid, [])) or None


def iter_texts(
    session: Session, flt: ReportFilter = NO_FILTER
) -> Iterator[tuple[ReportSummary, str, dict[str, Any]]]:
    """(report, its extracted text, {url, fetched_at, warc_path}) for every selected report."""
    runs = _archive_dirs(session)
    for ids in _id_batches(session, flt):
        rows = session.execute(
            select(*_SUMMARY_COLUMNS, Document.text)
            .join(Document, Document.id == ReportVersion.document_id)
            .where(ReportVersion.id.in_(ids))
            .order_by(ReportVersion.id)
        ).all()
        extras: dict[int, dict[str, Any]] = {vid: {} for vid in ids}
        _add_extras(session, ids, extras, runs)
        for summary, row in zip(
            _summaries(session, [r[:_SUMMARY_WIDTH] for r in rows]), rows, strict=True
        ):
            yield summary, row.text, extras[summary.version_id]


def iter_captures(
    session: Session, flt: ReportFilter = NO_FILTER
) -> Iterator[tuple[ReportSummary, CaptureInfo]]:
    """(report, its capture) for every selected report: the capture its version was parsed
    from, else its document's first."""
    runs = _archive_dirs(session)
    for ids in _id_batches(session, flt):
        summaries = _summaries_of(session, ids)
        chosen = _capture_ids(session, ids)
        by_id = {
            cap.id: _capture_info(cap, runs)
            for cap in session.scalars(select(Capture).where(Capture.id.in_(set(chosen.values()))))
        }
        caps = {vid: by_id[cap] for vid, cap in chosen.items()}
        for vid in ids:
            if vid in caps:
                yield summaries[vid], caps[vid]


def iter_long_cells(
    session: Session, flt: ReportFilter = NO_FILTER
) -> Iterator[tuple[str, str, str, str, int | float | None, str | None]]:
    """(doc_id, table, row, column, value, raw) for every cell of every selected report."""
    for ids in _id_batches(session, flt):
        names = dict(
            session.connection()
            .execute(
                select(ReportVersion.id, Document.doc_id)
                .join(Document, Document.id == ReportVersion.document_id)
                .where(ReportVersion.id.in_(ids))
            )
            .all()
        )
        cells = record_cells(session, ids)
        for vid in ids:
            for c in cells.get(vid, ()):
                yield names[vid], c.table, c.row, c.column, c.value, c.raw


# --- kept for earlier callers ------------------------------------------------------------


def latest_versions(session: Session, *, official_only: bool = True) -> list[ReportVersion]:
    """The newest report version of every current document (one a capture points to)."""
    stmt = select(ReportVersion).where(ReportVersion.current.is_(True)).order_by(ReportVersion.id)
    if official_only:
        stmt = stmt.where(ReportVersion.official.is_(True))
    return list(session.scalars(stmt))


def iter_export_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every current official report as a RECORD.md record (iter_records, no filter)."""
    return iter_records(session, ReportFilter())


@dataclass(frozen=True)
class WarcPointer:
    capture_id: int
    url: str
    path: Path
    offset: int
    record_id: str
    payload_sha256: str


def iter_warc_pointers(
    session: Session, archive_dir: str | Path | None = None
) -> Iterator[WarcPointer]:
    """Every capture's WARC address; the file is resolved against its run's archive dir."""
    dirs: dict[int, str] = {}
    for run_id, settings in session.execute(select(CrawlRun.id, CrawlRun.settings)):
        dirs[run_id] = (settings or {}).get("archive_dir", "")
    for cap in session.scalars(select(Capture).order_by(Capture.id)):
        base = Path(archive_dir) if archive_dir else Path(dirs.get(cap.crawl_run_id or -1, "."))
        yield WarcPointer(
            capture_id=cap.id,
            url=cap.url,
            path=base / cap.warc_file,
            offset=cap.warc_offset,
            record_id=cap.warc_record_id,
            payload_sha256=cap.payload_sha256,
        )


def run_report(session: Session, crawl_id: str | None = None) -> dict[str, Any] | None:
    """The stored report of run `crawl_id`, or of the latest run."""
    stmt = select(CrawlRun)
    stmt = (
        stmt.where(CrawlRun.crawl_id == crawl_id) if crawl_id else stmt.order_by(CrawlRun.id.desc())
    )
    run = session.scalars(stmt.limit(1)).first()
    return run.report if run is not None else None


def cells_of(session: Session, version_id: int) -> dict[tuple[str, str, str], int | float | None]:
    """A report version's cells keyed by (table, row, column), exact values."""
    rows = session.execute(
        select(
            ReportCell.table_name,
            ReportCell.row_key,
            ReportCell.column_key,
            ReportCell.value_int,
            ReportCell.value,
        ).where(ReportCell.report_version_id == version_id)
    ).all()
    return {(t, r, c): cell_value(vi, v) for t, r, c, vi, v in rows}


# Panel, coverage and facet counts live in their own modules; they are part of this interface.
from storage.coverage import coverage_matrix
from storage.facets import FacetCounts, facet_counts
from storage.panel import panel_rows

# --- for the web layer (serve): one capture by its WARC record id --------------------------


def capture_info(session: Session, warc_record_id: str) -> CaptureInfo:
    """The capture archived as WARC record `warc_record_id`; NotFound otherwise."""
    cap = session.scalar(select(Capture).where(Capture.warc_record_id == warc_record_id))
    if cap is None:
        raise NotFound(f"no capture {warc_record_id!r} in the archive")
    return _capture_info(cap, _archive_dirs(session))
