"""the read side: version flags, Chinese-aware full-text index, carry-over checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:45:00

- `report_versions.latest` / `current` / `superseded_by`: which version of which document the
  queries see by default (kept by storage.reportindex.refresh_reports on every write).
- `report_fts`: one full-text entry per document, terms made by storage.fulltext (character
  bigrams): an FTS5 table on SQLite (`unicode61` only splits on the spaces between terms), a
  table with a `tsvector` and a GIN index on PostgreSQL.
- `checks` and `hazards` indexed for `--failed-check` and `--hazard`; the `carry_over.<column>` checks of
  every current report are computed for the archive as it stands.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The filter columns (as storage.models.READ_INDEX_COLUMNS at this revision).
READ_COLUMNS = ["current", "official", "report_year", "issuer_kind", "province", "prefecture",
                "region_code", "template", "latest", "superseded_by"]  # fmt: skip

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs, no batch mode: on SQLite a batch copies the table and drops the old one,
    # and dropping report_versions with foreign keys on would cascade to every cell.
    op.add_column(
        "report_versions",
        sa.Column("latest", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "report_versions",
        sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("report_versions", sa.Column("superseded_by", sa.Integer(), nullable=True))
    # Covering indexes: filters, counts and the full-text join are answered from these alone,
    # never from the wide rows (on SQLite the record JSON sits before the filter columns, and
    # reading a column after it walks the row's overflow pages).
    op.create_index("ix_report_versions_filters", "report_versions", [*READ_COLUMNS, "document_id"])
    op.create_index(
        "ix_report_versions_by_document", "report_versions", ["document_id", *READ_COLUMNS]
    )
    op.create_index(
        "ix_report_versions_issuer_year",
        "report_versions",
        ["region_code", "issuer", "report_year"],
    )
    # `--failed-check` and `--hazard` probe these per report, reading no table row.
    op.create_index(
        "ix_checks_version_status_rule", "checks", ["report_version_id", "status", "rule"]
    )
    op.create_index("ix_hazards_version_tag", "hazards", ["report_version_id", "tag"])
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

    # masks: 0006; filter tokens: 0007; ranking runs: 0008
    rebuild_all(bind, masks=False, filter_tokens=False, runs=False)


def downgrade() -> None:
    op.execute("DROP TABLE report_fts")
    op.execute("DELETE FROM checks WHERE substr(rule, 1, 11) = 'carry_over.'")
    op.drop_index("ix_checks_version_status_rule", table_name="checks")
    op.drop_index("ix_hazards_version_tag", table_name="hazards")
    for name in ("ix_report_versions_issuer_year", "ix_report_versions_by_document",
                 "ix_report_versions_filters"):  # fmt: skip
        op.drop_index(name, table_name="report_versions")
    for column in ("superseded_by", "current", "latest"):
        drop_column("report_versions", column)


def drop_column(table: str, column: str) -> None:
    """Drop in place. Alembic's batch mode would copy the table on SQLite, and dropping the
    old copy of report_versions cascades (foreign keys on) to every cell, check and hazard."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE {table} DROP COLUMN "{column}"')  # SQLite >= 3.35
    else:
        op.drop_column(table, column)
