"""filter values in PostgreSQL's full-text entries: a filtered search intersects them in GIN

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:30:00

PostgreSQL: each document's `report_fts.tsv` gets the reserved tokens of its newest
version's province, prefecture, region-code prefixes, year, template and issuer kind
(storage.filtertokens, as SQLite's `filters` column since 0007), as lexemes without
positions; storage.reportindex keeps them from now on. A search ANDs the tokens of its
filter's place (province, prefecture, region: storage.filtertokens.filter_match) to its
tsquery, so a province filter no longer makes the planner walk the newest entries testing
the word on each. SQLite: nothing changes.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from storage.reportindex import entry_filters_of_all

    rows = [{"id": doc, "t": f.split()} for doc, f in entry_filters_of_all(bind).items()]
    op.execute("CREATE TEMP TABLE entry_tokens (id BIGINT PRIMARY KEY, tokens TEXT[] NOT NULL)")
    for start in range(0, len(rows), 5000):
        bind.execute(
            text("INSERT INTO entry_tokens (id, tokens) VALUES (:id, :t)"),
            rows[start : start + 5000],
        )
    # || merges lexemes: an entry that has some of its tokens already gets none twice.
    op.execute(
        "UPDATE report_fts f SET tsv = f.tsv || array_to_tsvector(e.tokens) "
        "FROM entry_tokens e WHERE e.id = f.document_id"
    )
    op.execute("DROP TABLE entry_tokens")
    op.execute("ANALYZE report_fts")  # the planner's view of the tsvectors changed


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Terms never start with the token mark (storage.filtertokens), so this removes only tokens.
    op.execute(
        "UPDATE report_fts SET tsv = ts_delete(tsv, ARRAY(SELECT u.lexeme FROM unnest(tsv) u "
        "WHERE u.lexeme LIKE '0筛%')) WHERE EXISTS (SELECT 1 FROM unnest(tsv) u "
        "WHERE u.lexeme LIKE '0筛%')"
    )
