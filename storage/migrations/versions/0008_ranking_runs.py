"""each SQLite full-text entry's CJK runs and length, for ranking candidates from less data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:00:00

SQLite: a table `report_runs` (id = the document's id, as `report_fts`'s rowid) holding the
length in bytes of the document's full-text entry and its runs of CJK characters spelled out
once (storage.fulltext.entry_runs: `ab bc cd d` → `abcd`), kept by
storage.reportindex.refresh_reports beside the entry. A search ranks its candidates from
these when every phrase is one CJK word (the usual query), reading ~3.7 KB a candidate
instead of its ~9 KB entry, with the same BM25 (storage.fulltext.run_count). Filled from the
entries as stored (not recomputed from the texts). PostgreSQL: nothing changes (ts_rank_cd
ranks there).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_CHUNK = 2000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    from storage.fulltext import entry_runs

    op.execute(
        "CREATE TABLE report_runs (id INTEGER PRIMARY KEY, entry_bytes INTEGER NOT NULL, "
        "runs TEXT NOT NULL)"
    )
    last = -1
    while True:
        entries = bind.execute(
            text("SELECT rowid, terms FROM report_fts WHERE rowid > :last ORDER BY rowid LIMIT :n"),
            {"last": last, "n": _CHUNK},
        ).all()
        if not entries:
            return
        bind.execute(
            text("INSERT INTO report_runs (id, entry_bytes, runs) VALUES (:id, :n, :runs)"),
            [
                {"id": doc, "n": len((terms or "").encode()), "runs": entry_runs(terms or "")}
                for doc, terms in entries
            ],
        )
        last = entries[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE report_runs")
