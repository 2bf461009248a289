"""What the read side keeps up to date after every write: one function, `refresh_reports`.

For each touched document it sets the version flags the queries filter on (`latest`,
`current`, `superseded_by`), rewrites the document's full-text entry (storage.fulltext: FTS5 on
SQLite, a `tsvector` on PostgreSQL) and recomputes the cross-year check `carry_over.<column>`
(RECORD.md) of its report and of the same issuer's next-year report, then the version's
failed-check and hazard masks (storage.flags). The store step, `reparse` and migrations
0005/0006 call it; plain SQL over a Connection, so the migration can use it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from parsers.labels import APPLICANT_COLUMNS
from storage.filtertokens import entry_filters, tsvector_tokens
from storage.flags import failed_mask, hazard_mask
from storage.fulltext import (
    Ranking,
    entry_content,
    entry_index,
    entry_ranking,
    entry_terms,
    index_text,
)

CARRY_OVER = "carry_over."
_CHUNK = 500

# The flags, in dependency order; `{ids}` limits them to some documents (or is empty). Each
# statement touches only rows whose value changes (a rewritten row costs its whole record),
# and none uses min()/max() over a correlated filter: planners answer those by walking the
# primary key until a match, which is quadratic when there is none.
_FLAG_UPDATES = (
    (
        "UPDATE report_versions SET superseded_by = NULL WHERE superseded_by IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.previous_id = "
        "report_versions.document_id AND d.id <> report_versions.document_id) {ids}"
    ),
    (
        "UPDATE report_versions SET superseded_by = s.successor FROM (SELECT previous_id, "
        "min(id) AS successor FROM documents WHERE previous_id IS NOT NULL GROUP BY previous_id)"
        " AS s WHERE s.previous_id = report_versions.document_id "
        "AND s.successor <> report_versions.document_id "
        "AND (report_versions.superseded_by IS NULL "
        "OR report_versions.superseded_by <> s.successor) {ids}"
    ),
    (
        "UPDATE report_versions SET latest = NOT latest WHERE latest <> (id IN (SELECT max(id) "
        "FROM report_versions WHERE 1 = 1 {ids} GROUP BY document_id)) {ids}"
    ),
    (
        "UPDATE report_versions SET current = NOT current WHERE current <> (latest "
        "AND superseded_by IS NULL AND EXISTS (SELECT 1 FROM captures c "
        "WHERE c.document_id = report_versions.document_id)) {ids}"
    ),
)
_IDS = "AND report_versions.document_id IN :ids"

# A document's full-text entry computed elsewhere (the crawl's extraction workers): its
# content (storage.fulltext.entry_content), terms, and its `report_runs` row (None: not given).
KnownEntry = tuple[str, str, Ranking | None]


def refresh_reports(
    db: Session | Connection,
    document_ids: Iterable[int],
    known_terms: Mapping[int, KnownEntry] | None = None,
) -> None:
    """Bring flags, full-text entries and carry-over checks of these documents up to date.

    Call it in the transaction that stored or re-parsed them; the documents they revise are
    refreshed too (a revision supersedes its predecessor). `known_terms`: see
    `_write_fulltext`.
    """
    conn = db.connection() if isinstance(db, Session) else db
    ids = sorted({int(i) for i in document_ids if i is not None})
    if not ids:
        return
    ids = sorted(set(ids) | set(_previous_of(conn, ids)))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        _set_flags(conn, chunk)
        _write_fulltext(conn, chunk, known_terms=known_terms)
        touched = _carry_over_for(conn, chunk)
        _set_masks(conn, touched | set(_versions_of(conn, chunk)))


def rebuild_all(
    conn: Connection, *, masks: bool = True, filter_tokens: bool = True, runs: bool = True
) -> None:
    """Every flag, full-text entry and carry-over check, from scratch (migration 0005), and
    the failed-check and hazard masks (`masks=False` before migration 0006 added them);
    `filter_tokens=False` before migration 0007 gave SQLite's entries their `filters`,
    `runs=False` before migration 0008 added SQLite's `report_runs` (0011 PostgreSQL's)."""
    if conn.dialect.name == "postgresql":
        # Statistics first: after a bulk load, without them the planner reads the cells of
        # each chunk of 500 reports with a parallel bitmap scan and JIT (~1 s a chunk).
        conn.execute(text("ANALYZE documents, report_versions, report_cells, checks, hazards"))
    for sql in _FLAG_UPDATES:
        conn.execute(text(sql.format(ids="")))
    ids = [row[0] for row in conn.execute(text("SELECT id FROM documents ORDER BY id"))]
    conn.execute(text("DELETE FROM report_fts"))  # once: not a probe per chunk (see below)
    if runs:
        conn.execute(text("DELETE FROM report_runs"))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        _write_fulltext(conn, chunk, replace=False, tokens=filter_tokens, runs=runs)
    optimize_fulltext(conn)
    _rebuild_carry_over(conn)
    if masks:
        rebuild_masks(conn)


def optimize_fulltext(conn: Connection) -> None:
    """SQLite: merge the FTS5 index's segments into one, after writing every entry. A
    search's scan then reads one doclist per term instead of one per segment (~11 % fewer
    instructions in the scans of bench.serve's searches at 100,000 reports; 5.5 s of CPU).
    Later writes add small segments, which FTS5 merges as they accumulate."""
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO report_fts (report_fts) VALUES ('optimize')"))


def rebuild_masks(conn: Connection) -> None:
    """`failed_mask` and `hazard_mask` of every version (storage.flags), from the failing
    checks and the hazards; only rows whose value changes are written."""
    failed: dict[int, set[str]] = {}
    for vid, rule in conn.execute(
        text("SELECT report_version_id, rule FROM checks WHERE status = 'fail'")
    ):
        failed.setdefault(vid, set()).add(rule)
    tags: dict[int, set[str]] = {}
    for vid, tag in conn.execute(text("SELECT report_version_id, tag FROM hazards")):
        tags.setdefault(vid, set()).add(tag)
    # Read from the covering index (both masks are in it): no wide row is visited.
    have = conn.execute(
        text(
            "SELECT id, failed_mask, hazard_mask FROM report_versions "
            "WHERE failed_mask <> 0 OR hazard_mask <> 0"
        )
    ).all()
    current = {vid: (f, h) for vid, f, h in have}
    _write_masks(conn, current, set(current) | set(failed) | set(tags), failed, tags)


def _versions_of(conn: Connection, document_ids: Sequence[int]) -> list[int]:
    rows = conn.execute(
        _in("SELECT id FROM report_versions WHERE document_id IN :ids"),
        {"ids": list(document_ids)},
    )
    return [r[0] for r in rows]


def _set_masks(conn: Connection, version_ids: set[int]) -> None:
    """Recompute the masks of these versions from their failing checks and hazards."""
    ids = sorted(version_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = {"ids": ids[start : start + _CHUNK]}
        failed: dict[int, set[str]] = {}
        for vid, rule in conn.execute(
            _in(
                "SELECT report_version_id, rule FROM checks "
                "WHERE report_version_id IN :ids AND status = 'fail'"
            ),
            chunk,
        ):
            failed.setdefault(vid, set()).add(rule)
        tags: dict[int, set[str]] = {}
        for vid, tag in conn.execute(
            _in("SELECT report_version_id, tag FROM hazards WHERE report_version_id IN :ids"),
            chunk,
        ):
            tags.setdefault(vid, set()).add(tag)
        current = {
            vid: (f, h)
            for vid, f, h in conn.execute(
                _in("SELECT id, failed_mask, hazard_mask FROM report_versions WHERE id IN :ids"),
                chunk,
            )
        }
        _write_masks(conn, current, set(current), failed, tags)


def _write_masks(
    conn: Connection,
    current: dict[int, tuple[int, int]],
    ids: set[int],
    failed: dict[int, set[str]],
    tags: dict[int, set[str]],
) -> None:
    changes = []
    for vid in sorted(ids):
        want = (failed_mask(failed.get(vid, ())), hazard_mask(tags.get(vid, ())))
        if current.get(vid, (0, 0)) != want:
            changes.append({"v": vid, "f": want[0], "h": want[1]})
    for start in range(0, len(changes), 5000):
        conn.execute(
            text("UPDATE report_versions SET failed_mask = :f, hazard_mask = :h WHERE id = :v"),
            changes[start : start + 5000],
        )


def _rebuild_carry_over(conn: Connection) -> None:
    """All carry-over checks at once: two reads, then one bulk insert (a per-report query
    pair would take minutes on a large PostgreSQL archive)."""
    versions = conn.execute(
        text(
            "SELECT v.id, v.region_code, v.issuer, v.report_year, d.doc_id FROM report_versions v "
            "JOIN documents d ON d.id = v.document_id WHERE v.current AND v.official ORDER BY v.id"
        )
    ).all()
    cells = _carry_cells(conn, [row[0] for row in versions])
    newest = {(r, i, y): (vid, doc) for vid, r, i, y, doc in versions}  # ordered by id
    conn.execute(text("DELETE FROM checks WHERE substr(rule, 1, 11) = :p"), {"p": CARRY_OVER})
    batch: list[dict[str, Any]] = []
    for vid, region, issuer, year, _doc in versions:
        known = None not in (region, issuer, year)
        previous = newest.get((region, issuer, year - 1)) if known else None
        theirs = cells.get((previous[0], "carried_forward"), {}) if previous else {}
        batch += carry_over_checks(
            vid, year, cells.get((vid, "carried_over"), {}), theirs, previous and previous[1]
        )
        if len(batch) >= 5000:
            _insert_checks(conn, batch)
            batch = []
    _insert_checks(conn, batch)


def _insert_checks(conn: Connection, checks: list[dict[str, Any]]) -> None:
    if checks:
        conn.execute(
            text(
                "INSERT INTO checks (report_version_id, rule, status, detail) "
                "VALUES (:v, :rule, :status, :detail)"
            ),
            checks,
        )


def _in(sql: str) -> Any:
    return text(sql).bindparams(bindparam("ids", expanding=True))


def _previous_of(conn: Connection, ids: Sequence[int]) -> list[int]:
    rows = conn.execute(
        _in("SELECT previous_id FROM documents WHERE id IN :ids AND previous_id IS NOT NULL"),
        {"ids": list(ids)},
    )
    return [r[0] for r in rows]


def _set_flags(conn: Connection, ids: Sequence[int]) -> None:
    for sql in _FLAG_UPDATES:
        conn.execute(_in(sql.format(ids=_IDS)), {"ids": list(ids)})


def _write_fulltext(
    conn: Connection,
    ids: Sequence[int],
    *,
    replace: bool = True,
    known_terms: Mapping[int, KnownEntry] | None = None,
    tokens: bool = True,
    runs: bool = True,
) -> None:
    """One entry per document: its newest version's title and its text, simplified, and
    that version's filter values as reserved tokens (storage.filtertokens; `tokens` False
    for SQLite's one-column table before migration 0007) and, in `report_runs`, the
    entry's length and CJK runs that ranking reads, on both engines (`runs` False before
    migration 0008 on SQLite, 0011 on PostgreSQL: storage.fulltext.entry_ranking).
    `replace=False`: the entries are known to be absent (a rebuild emptied the table; on
    PostgreSQL a DELETE per chunk into a table growing within one transaction, without
    statistics, is planned as a sequential scan: quadratic). `known_terms`: document id →
    (content, terms, ranking or None) computed elsewhere (the crawl's extraction workers);
    used only for the very content computed here, so the entry and its runs are the same
    either way."""
    rows = conn.execute(
        _in(
            "SELECT d.id, d.title, d.text, v.title, " + _TOKEN_COLUMNS + " FROM documents d "
            "LEFT JOIN report_versions v ON v.document_id = d.id AND v.latest WHERE d.id IN :ids"
        ),
        {"ids": list(ids)},
    ).all()
    postgres = conn.dialect.name == "postgresql"
    if replace:
        conn.execute(
            _in("DELETE FROM report_fts WHERE " + _fts_key(postgres) + " IN :ids"),
            {"ids": list(ids)},
        )
        if runs:
            conn.execute(_in("DELETE FROM report_runs WHERE id IN :ids"), {"ids": list(ids)})
    entries = []
    ranking = []  # report_runs' rows
    known = known_terms or {}
    for doc_id, doc_title, body, version_title, *values in rows:
        content = entry_content(version_title or doc_title, body)
        offered = known.get(doc_id)
        ranked: Ranking | None = None
        if offered is not None and offered[0] == content:
            terms, ranked = offered[1], offered[2]
        elif runs:
            terms, ranked = entry_index(content, postgres=postgres)
        else:
            terms = entry_terms(content, postgres=postgres)
        if runs:
            # An offer without its ranking: from the terms (a tsvector's are not index_text's).
            n, doc_runs = ranked or entry_ranking(index_text(content) if postgres else terms)
            ranking.append({"id": doc_id, "n": n, "runs": doc_runs})
        entry = {"id": doc_id, "terms": terms}
        if tokens and postgres:  # lexemes of the tsvector
            entry["terms"] = f"{terms} {tsvector_tokens(entry_filters(*values))}"
        elif tokens:  # FTS5's second column
            entry["filters"] = entry_filters(*values)
        entries.append(entry)
    if not entries:
        return
    if runs:
        conn.execute(
            text("INSERT INTO report_runs (id, entry_bytes, runs) VALUES (:id, :n, :runs)"),
            ranking,
        )
    if postgres:
        sql = "INSERT INTO report_fts (document_id, tsv) VALUES (:id, CAST(:terms AS tsvector))"
    elif tokens:
        sql = "INSERT INTO report_fts (rowid, terms, filters) VALUES (:id, :terms, :filters)"
    else:
        sql = "INSERT INTO report_fts (rowid, terms) VALUES (:id, :terms)"
    conn.execute(text(sql), entries)


# A version's values that storage.filtertokens.entry_filters makes tokens of, in its order.
_TOKEN_COLUMNS = "v.province, v.prefecture, v.region_code, v.report_year, v.template, v.issuer_kind"


def entry_filters_of_all(conn: Connection) -> dict[int, str]:
    """document id → the `filters` column of its entry (its newest version's values), for
    every document with a version (migrations 0007 and 0010); read from the covering index."""
    rows = conn.execute(
        text(f"SELECT v.document_id, {_TOKEN_COLUMNS} FROM report_versions v WHERE v.latest")
    )
    return {doc: entry_filters(*values) for doc, *values in rows}


def _fts_key(postgres: bool) -> str:
    return "document_id" if postgres else "rowid"


def _carry_over_for(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Recompute carry_over.* for the current versions of `ids` and of the same issuers'
    next-year reports; returns the ids of the versions whose checks were rewritten.

    A fixed number of statements for the whole chunk (the refresh runs once per write batch
    of the crawl): the current official versions of the regions involved are read once, and
    the previous-year reports, their cells, the deletes and the inserts are done for all
    targets together."""
    own = conn.execute(
        _in(
            "SELECT id, region_code, issuer, report_year FROM report_versions "
            "WHERE document_id IN :ids AND current AND official"
        ),
        {"ids": list(ids)},
    ).all()
    if not own:
        return set()
    regions = sorted({row[1] for row in own if row[1] is not None})
    # Every current official version of these regions (a region has a few dozen reports):
    # the next-year reports to recheck and the previous-year reports to check against.
    peers = (
        conn.execute(
            _in(
                "SELECT v.id, v.region_code, v.issuer, v.report_year, d.doc_id "
                "FROM report_versions v JOIN documents d ON d.id = v.document_id "
                "WHERE v.region_code IN :ids AND v.current AND v.official"
            ),
            {"ids": regions},
        ).all()
        if regions
        else []
    )
    newest: dict[tuple[Any, Any, Any], tuple[int, str]] = {}
    by_key: dict[tuple[Any, Any, Any], list[tuple[Any, ...]]] = {}
    for vid, region, issuer, year, doc in peers:
        key = (region, issuer, year)
        if key not in newest or vid > newest[key][0]:
            newest[key] = (vid, doc)
        by_key.setdefault(key, []).append((vid, *key))
    targets = {row[0]: tuple(row) for row in own}
    for _vid, region, issuer, year in own:
        if region is None or issuer is None or year is None:
            continue
        for peer in by_key.get((region, issuer, year + 1), ()):
            targets[peer[0]] = peer
    previous: dict[int, tuple[int, str] | None] = {}
    for vid, region, issuer, year in targets.values():
        known = region is not None and issuer is not None and year is not None
        previous[vid] = newest.get((region, issuer, year - 1)) if known else None
    wanted = sorted(set(targets) | {p[0] for p in previous.values() if p is not None})
    cells = _carry_cells(conn, wanted)
    conn.execute(
        text(
            "DELETE FROM checks WHERE report_version_id IN :ids AND substr(rule, 1, 11) = :p"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": sorted(targets), "p": CARRY_OVER},
    )
    checks: list[dict[str, Any]] = []
    for vid, _region, _issuer, year in targets.values():
        prev = previous[vid]
        theirs = cells.get((prev[0], "carried_forward"), {}) if prev else {}
        checks += carry_over_checks(
            vid, year, cells.get((vid, "carried_over"), {}), theirs, prev and prev[1]
        )
    _insert_checks(conn, checks)
    return set(targets)


def carry_over_checks(
    version_id: int,
    year: int | None,
    mine: dict[str, int | float | None],
    theirs: dict[str, int | float | None],
    previous_doc_id: str | None,
) -> list[dict[str, Any]]:
    """The seven `carry_over.<column>` rows: this year's 上年结转 (`mine`) against the same
    issuer's previous-year 结转下年度继续办理 (`theirs`, from report `previous_doc_id`)."""
    checks = []
    for col in APPLICANT_COLUMNS:
        ours, prev = mine.get(col), theirs.get(col)
        if previous_doc_id is None:
            last = year - 1 if year else "previous-year"
            status, detail = "skipped", f"no {last} report of the same issuer archived"
        elif ours is None or prev is None:
            status, detail = (
                "skipped",
                "二、上年结转 or the previous year's 四、结转下年度 is blank",
            )
        else:
            status = "pass" if ours == prev else "fail"
            detail = (
                f"二、上年结转={_fmt(ours)}; {year - 1 if year else '?'} report "
                f"{previous_doc_id} 四、结转下年度继续办理={_fmt(prev)}"
            )
        checks.append(
            {"v": version_id, "rule": CARRY_OVER + col, "status": status, "detail": detail}
        )
    return checks


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _carry_cells(conn: Any, ids: list[int]) -> dict[tuple[int, str], dict[str, int | float | None]]:
    """Table 二's carried-over and carried-forward cells of these versions, by (version, row):
    {column: value}. Read in chunks of version ids (the cells' own index)."""
    cells: dict[tuple[int, str], dict[str, int | float | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        for vid, row, col, vi, val in conn.execute(
            _in(
                "SELECT report_version_id, row_key, column_key, value_int, value "
                "FROM report_cells WHERE report_version_id IN :ids "
                "AND table_name = 'applications' AND row_key IN ('carried_over', 'carried_forward')"
            ),
            {"ids": ids[start : start + _CHUNK]},
        ):
            cells.setdefault((vid, row), {})[col] = vi if vi is not None else val
    return cells
