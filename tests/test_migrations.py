"""Upgrading an archive from an old schema revision keeps every row, on SQLite and PostgreSQL.

On SQLite, Alembic's batch mode copies a table and drops the old one; with foreign keys on,
that DROP deletes the rows first, which cascades to the report versions (and their cells,
checks and hazards) or fails on the captures pointing to a document. These tests build an
archive at an old revision with rows in every table, upgrade it to head, and count.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text

from storage.db import MIGRATIONS_DIR, StorageError, create_db_engine, upgrade
from storage.filtertokens import entry_filters, token
from storage.fulltext import entry_runs, index_text
from tests.pg import fresh_database

TABLES = ("documents", "captures", "report_versions", "report_cells", "checks", "hazards")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_db_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        yield eng
        eng.dispose()
        return
    with fresh_database("gov_reports_migrations") as url:
        eng = create_db_engine(url)
        yield eng
        eng.dispose()


def _migrate(engine: Engine, revision: str, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _fill(engine: Engine, reports: int) -> None:
    """Rows in every table, as an archive of revision 0002 holds them (plain SQL: the models
    describe the newest schema)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crawl_runs (id, crawl_id, started_at, status, sites, pages, "
                "reports_found, new, duplicate, failed) VALUES (1, 'old', '2024-01-01', "
                "'finished', 0, 0, 0, 0, 0, 0)"
            )
        )
        for i in range(1, reports + 1):
            p = {"i": i, "sha": f"{i:064x}", "doc": f"{i:016x}"}
            conn.execute(
                text(
                    "INSERT INTO documents (id, text_sha256, doc_id, text, first_seen_at) "
                    "VALUES (:i, :sha, :doc, '本年度行政复议案件', '2024-01-01')"
                ),
                p,
            )
            conn.execute(
                text(
                    "INSERT INTO captures (id, crawl_run_id, document_id, url, final_url, "
                    "http_status, fetched_at, warc_file, warc_offset, warc_record_id, "
                    "payload_sha256, outcome) VALUES (:i, 1, :i, 'http://a/' || :doc, "
                    "'http://a/' || :doc, 200, '2024-01-01', 'a.warc.gz', :i, :doc, :sha, 'new')"
                ),
                p,
            )
            conn.execute(
                text(
                    "INSERT INTO report_versions (id, document_id, capture_id, parser_version, "
                    "created_at, official, record, region_code, issuer, report_year) VALUES "
                    "(:i, :i, :i, '0.1', '2024-01-01', TRUE, '{}', '530325', 'x', 2020 + :i)"
                ),
                p,
            )
            for row in ("carried_over", "carried_forward"):
                conn.execute(
                    text(
                        "INSERT INTO report_cells (report_version_id, table_name, row_key, "
                        "column_key, value) VALUES (:i, 'applications', :row, 'total', 4)"
                    ),
                    {**p, "row": row},
                )
            conn.execute(
                text(
                    "INSERT INTO checks (report_version_id, rule, status) "
                    "VALUES (:i, 'applications.flow.total', 'pass')"
                ),
                p,
            )
            conn.execute(
                text("INSERT INTO hazards (report_version_id, tag) VALUES (:i, 'boilerplate')"),
                p,
            )


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_upgrading_a_0002_archive_to_head_keeps_every_row(engine: Engine) -> None:
    _migrate(engine, "0002")
    _fill(engine, 3)
    before = _counts(engine)
    assert before["report_versions"] == 3 and before["report_cells"] == 6
    upgrade(engine)  # what opening the archive does: 0003 … head
    after = _counts(engine)
    # 0005 adds the cross-year checks (seven per current report); nothing else changes.
    assert after == {**before, "checks": before["checks"] + 7 * 3}
    with engine.connect() as conn:
        passed = conn.execute(
            text("SELECT count(*) FROM checks WHERE rule LIKE 'carry_over.%' AND status = 'pass'")
        ).scalar_one()
        searchable = conn.execute(text("SELECT count(*) FROM report_fts")).scalar_one()
    assert passed == 2  # 2022 and 2023 carry over the previous year's 4; 2021 has none
    assert searchable == 3


def test_downgrading_to_0002_and_back_keeps_every_row(engine: Engine) -> None:
    _migrate(engine, "0002")
    _fill(engine, 2)
    upgrade(engine)
    at_head = _counts(engine)
    _migrate(engine, "0002", down=True)
    assert _counts(engine) == {**at_head, "checks": at_head["checks"] - 7 * 2}
    upgrade(engine)
    assert _counts(engine) == at_head


def _entries(engine: Engine) -> dict[int, tuple[Any, ...]]:
    """Each full-text entry's stored columns, by document id."""
    if engine.dialect.name == "postgresql":
        sql = "SELECT document_id, CAST(tsv AS TEXT) FROM report_fts"
    else:
        sql = "SELECT * FROM (SELECT rowid, * FROM report_fts)"
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(text(sql))}


def test_0007_gives_sqlite_entries_their_filter_tokens_and_keeps_their_terms(
    engine: Engine,
) -> None:
    _migrate(engine, "0002")
    _fill(engine, 3)
    _migrate(engine, "0006")
    before = _entries(engine)
    _migrate(engine, "0007")
    after = _entries(engine)
    if engine.dialect.name == "postgresql":  # its tokens come with 0010: nothing changes
        assert after == before
        return
    assert {doc: cols[0] for doc, cols in after.items()} == {
        doc: cols[0] for doc, cols in before.items()
    }
    assert {doc: cols[1] for doc, cols in after.items()} == {
        i: entry_filters(None, None, "530325", 2020 + i, None, None) for i in (1, 2, 3)
    }
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT rowid FROM report_fts WHERE report_fts MATCH :m"),
            {"m": f'"复议" AND "{token("y", 2022)}" AND "{token("r", "5303")}"'},
        ).scalars()
        assert list(found) == [2]
    _migrate(engine, "0006", down=True)
    assert _entries(engine) == before


_TEXTS = ("复议复议复议 abc 预算", "行政复议，复议\n哈 x 政府信息公开 2019", "")


def _fill_texts(engine: Engine) -> None:
    """Three documents at revision 0002 whose texts differ: runs, repeats, Latin words, empty."""
    _migrate(engine, "0002")
    _fill(engine, 3)
    with engine.begin() as conn:
        for i, body in enumerate(_TEXTS, start=1):
            conn.execute(text("UPDATE documents SET text = :t WHERE id = :i"), {"t": body, "i": i})


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _stored_runs(engine: Engine) -> dict[int, tuple[Any, ...]]:
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text("SELECT * FROM report_runs"))}


def _texts_runs() -> dict[int, str]:
    """Each of `_TEXTS`' documents' CJK runs, from the text itself (no titles here)."""
    return {
        i: " ".join(re.findall(r"[\u4e00-\u9fff]+", f"\n{body}"))
        for i, body in enumerate(_TEXTS, 1)
    }


def test_0008_stores_each_sqlite_entrys_runs_and_length_from_its_terms(engine: Engine) -> None:
    _fill_texts(engine)
    _migrate(engine, "0007")
    before = _entries(engine)
    _migrate(engine, "0008")
    assert _entries(engine) == before  # the entries themselves are not touched
    if engine.dialect.name == "postgresql":  # PostgreSQL's come with 0011
        assert "report_runs" not in _tables(engine)
        return
    stored = _stored_runs(engine)
    # From the terms as stored, and independently from the texts' own CJK runs.
    assert stored == {
        doc: (len(cols[0].encode()), entry_runs(cols[0])) for doc, cols in before.items()
    }
    assert {doc: runs for doc, (_n, runs) in stored.items()} == _texts_runs()
    _migrate(engine, "0007", down=True)
    assert "report_runs" not in _tables(engine)
    assert _entries(engine) == before


def test_0011_stores_each_postgresql_entrys_runs_and_length_from_its_content(
    engine: Engine,
) -> None:
    _fill_texts(engine)
    _migrate(engine, "0010")
    before = _entries(engine)
    had_runs = "report_runs" in _tables(engine)  # SQLite's, since 0008
    _migrate(engine, "0011")
    assert _entries(engine) == before
    if engine.dialect.name == "sqlite":  # nothing changes
        assert had_runs
        return
    assert not had_runs
    # What SQLite's 0008 stores for the same texts: the entry's length, and the texts' own
    # CJK runs.
    runs = _texts_runs()
    assert _stored_runs(engine) == {
        i: (len(index_text(f"\n{body}").encode()), runs[i]) for i, body in enumerate(_TEXTS, 1)
    }
    _migrate(engine, "0010", down=True)
    assert "report_runs" not in _tables(engine)
    assert _entries(engine) == before


def _lexemes(engine: Engine) -> dict[int, dict[str, Any]]:
    """PostgreSQL: each entry's lexemes and their positions (None: none), by document id."""
    out: dict[int, dict[str, Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT f.document_id, u.lexeme, u.positions FROM report_fts f, unnest(f.tsv) u")
        )
        for doc, lexeme, positions in rows:
            out.setdefault(doc, {})[lexeme] = positions
    return out


def test_0010_gives_postgresql_entries_their_filter_tokens_and_keeps_their_terms(
    engine: Engine,
) -> None:
    _migrate(engine, "0002")
    _fill(engine, 3)
    _migrate(engine, "0009")
    before = _entries(engine)
    _migrate(engine, "0010")
    if engine.dialect.name == "sqlite":  # its tokens came with 0007: nothing changes
        assert _entries(engine) == before
        return
    after = _lexemes(engine)
    _migrate(engine, "0009", down=True)
    assert _entries(engine) == before
    terms = _lexemes(engine)
    assert not any(k.startswith("0筛") for entry in terms.values() for k in entry)
    for doc, entry in after.items():
        tokens = {k for k in entry if k.startswith("0筛")}
        assert tokens == set(entry_filters(None, None, "530325", 2020 + doc, None, None).split())
        assert all(entry[k] is None for k in tokens)  # no positions: ts_rank_cd ignores them
        assert {k: v for k, v in entry.items() if k not in tokens} == terms[doc]
    _migrate(engine, "0010")
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT document_id FROM report_fts WHERE tsv @@ CAST(:q AS tsquery)"),
            {"q": f"'复议' & '{token('y', 2022)}' & '{token('r', '5303')}'"},
        ).scalars()
        assert list(found) == [2]


def test_a_migration_stopped_midway_leaves_no_half_schema(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process stopped inside the first migration (here: its third table fails) leaves the
    database as it was, so the next open migrates it whole; before, SQLite kept the tables
    created so far and every later open failed on "table … already exists"."""
    from alembic import op

    real, made = op.create_table, []

    def fails_on_the_third(*args: Any, **kw: Any) -> Any:
        if len(made) == 2:
            raise RuntimeError("stopped mid-migration")
        made.append(args[0])
        return real(*args, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(op, "create_table", fails_on_the_third)
        with pytest.raises(StorageError, match="stopped mid-migration"):
            upgrade(engine)
    assert len(made) == 2
    assert not set(inspect(engine).get_table_names()) & {*made, "alembic_version"}
    upgrade(engine)
    assert set(TABLES) <= set(inspect(engine).get_table_names())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_opening_a_new_archive_at_once_all_succeed(backend: str, tmp_path: Any) -> None:
    """Two crawls started together from cron, or a crawl and `verify`, both migrate a new
    archive: the write lock makes the second wait and find it at head."""
    for attempt in range(2):
        with contextlib.ExitStack() as stack:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path / f'new{attempt}.sqlite'}"
            else:
                url = stack.enter_context(fresh_database("gov_reports_concurrent"))
            code = f"from storage.db import open_database; open_database({url!r})"
            procs = [
                subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
                for _ in range(3)
            ]
            errors = [p.communicate(timeout=120)[1] for p in procs]
            assert [p.returncode for p in procs] == [0] * 3, errors
            engine = create_db_engine(url)
            assert set(TABLES) <= set(inspect(engine).get_table_names())
            engine.dispose()
