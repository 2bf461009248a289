"""PostgreSQL gets `report_runs` too: both engines rank a one-word search the same way

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:30:00

PostgreSQL: a table `report_runs` (id = the document's id, as `report_fts.document_id`)
holding, as SQLite's since 0008, the length in bytes of the document's full-text terms
(storage.fulltext.index_text) and their CJK runs spelled out once. A search whose phrases are
each one CJK word (the usual query) then ranks its candidates with the same BM25 from the same
numbers on both engines, so the same archive gives the same order of hits on either; other
queries are still ranked by ts_rank_cd there. Filled from the documents' texts (a tsvector
does not keep its terms' order): the content the refresh indexes, with the same functions.
SQLite: nothing changes.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_CHUNK = 2000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from storage.fulltext import entry_content, entry_ranking, index_text

    op.execute(
        "CREATE TABLE report_runs (id BIGINT PRIMARY KEY, entry_bytes INTEGER NOT NULL, "
        "runs TEXT NOT NULL)"
    )
    last = -1
    while True:
        # The documents with an entry, and what the refresh indexes of each
        # (storage.reportindex._write_fulltext).
        docs = bind.execute(
            text(
                "SELECT d.id, d.title, d.text, v.title FROM report_fts f "
                "JOIN documents d ON d.id = f.document_id LEFT JOIN report_versions v "
                "ON v.document_id = d.id AND v.latest WHERE f.document_id > :last "
                "ORDER BY f.document_id LIMIT :n"
            ),
            {"last": last, "n": _CHUNK},
        ).all()
        if not docs:
            return
        rows = []
        for doc, doc_title, body, version_title in docs:
            n, runs = entry_ranking(index_text(entry_content(version_title or doc_title, body)))
            rows.append({"id": doc, "n": n, "runs": runs})
        bind.execute(
            text("INSERT INTO report_runs (id, entry_bytes, runs) VALUES (:id, :n, :runs)"), rows
        )
        last = docs[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE report_runs")
