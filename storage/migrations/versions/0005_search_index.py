"""the read side: version flags, Chinese-aware full-text index, carry-over checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:45:00

- `report_versions.latest` / `current` / `superseded_by`: which version of which document the
  queries see by default (kept by storage.reportindex.refresh_reports on every write).
- `report_fts`: one full-text entry per document, terms made by storage.fulltext (character
  bigrams): an FTS5 table on SQLite (`unicode61` only splits on the spaces between terms), a
  table with a `tsvector` and a GIN index on PostgreSQL.
- `checks` indexed by (status, rule) for `--failed-check`; the `carry_over.<column>` checks of
  every current report are computed for the archive as it stands.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("latest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_report_versions_current", ["current", "official", "report_year"], unique=False
        )
        batch_op.create_index("ix_report_versions_latest", ["latest", "document_id"], unique=False)
        batch_op.create_index(
            "ix_report_versions_issuer_year",
            ["region_code", "issuer", "report_year"],
            unique=False,
        )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checks_status_rule", ["status", "rule", "report_version_id"], unique=False
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE report_fts (document_id INTEGER PRIMARY KEY "
            "REFERENCES documents(id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_report_fts_tsv ON report_fts USING GIN (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE report_fts USING fts5(terms, "
            "tokenize = 'unicode61 remove_diacritics 0')"
        )
    from storage.reportindex import rebuild_all

    rebuild_all(bind)


def downgrade() -> None:
    op.execute("DROP TABLE report_fts")
    op.execute("DELETE FROM checks WHERE substr(rule, 1, 11) = 'carry_over.'")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index("ix_checks_status_rule")
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_report_versions_issuer_year")
        batch_op.drop_index("ix_report_versions_latest")
        batch_op.drop_index("ix_report_versions_current")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("current")
        batch_op.drop_column("latest")
