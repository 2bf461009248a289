"""filter values in SQLite's full-text entries: a filtered search intersects them in FTS5

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:30:00

SQLite: `report_fts` gets a second column, `filters`, holding reserved tokens of each
document's newest version's province, prefecture, region-code prefixes, year, template and
issuer kind (storage.filtertokens; kept by storage.reportindex.refresh_reports). An FTS5
table cannot add a column, so the table is made anew and every entry copied into it with
its tokens: the terms as stored (not recomputed from the texts), then the old table is
dropped, the new one takes its name and its segments are merged into one. The old
table's pages are left free in the file (reused by later writes; `VACUUM` returns them: 1.3
GB of a 100,000-report archive). PostgreSQL: nothing changes (its `tsvector`s hold
no filter tokens).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"  # as 0005's


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    from storage.reportindex import entry_filters_of_all

    filters = entry_filters_of_all(bind)
    op.execute("CREATE TEMP TABLE entry_filters (id INTEGER PRIMARY KEY, filters TEXT NOT NULL)")
    rows = [{"id": doc, "f": f} for doc, f in filters.items()]
    for start in range(0, len(rows), 5000):
        bind.execute(
            text("INSERT INTO entry_filters (id, filters) VALUES (:id, :f)"),
            rows[start : start + 5000],
        )
    op.execute(f"CREATE VIRTUAL TABLE report_fts_new USING fts5(terms, filters, {_TOKENIZE})")
    op.execute(
        "INSERT INTO report_fts_new (rowid, terms, filters) SELECT f.rowid, f.terms, "
        "coalesce(e.filters, '') FROM report_fts f LEFT JOIN entry_filters e ON e.id = f.rowid"
    )
    op.execute("DROP TABLE entry_filters")
    _swap()
    from storage.reportindex import optimize_fulltext

    optimize_fulltext(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE report_fts_new USING fts5(terms, {_TOKENIZE})")
    op.execute("INSERT INTO report_fts_new (rowid, terms) SELECT rowid, terms FROM report_fts")
    _swap()


def _swap() -> None:
    op.execute("DROP TABLE report_fts")
    op.execute("ALTER TABLE report_fts_new RENAME TO report_fts")
