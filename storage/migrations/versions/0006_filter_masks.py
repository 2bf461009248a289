"""failed-check and hazard masks in the covering index: filters read no child table

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:30:00

`report_versions.failed_mask` / `hazard_mask` (storage.flags): a bit per failing check family
and per hazard tag, kept by storage.reportindex.refresh_reports. Both covering indexes of
0005 are rebuilt with the two columns, so `--failed-check` and `--hazard` are a bit test on
index entries (an index probe into `checks` or `hazards` per report before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# storage.models.READ_INDEX_COLUMNS at this revision.
READ_COLUMNS = ["current", "official", "report_year", "issuer_kind", "province", "prefecture",
                "region_code", "template", "latest", "superseded_by", "failed_mask",
                "hazard_mask"]  # fmt: skip
OLD_COLUMNS = READ_COLUMNS[:-2]
MASKS = ("failed_mask", "hazard_mask")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs: a batch copy on SQLite would drop report_versions and cascade (see 0005).
    for name in MASKS:
        op.add_column(
            "report_versions",
            sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")),
        )
    # `id` last: PostgreSQL answers count(*) and the search's join from the index alone
    # (SQLite keeps the rowid in every index anyway).
    _indexes(READ_COLUMNS, ("id",))
    from storage.reportindex import rebuild_masks

    rebuild_masks(op.get_bind())


def downgrade() -> None:
    _indexes(OLD_COLUMNS)
    for name in MASKS:
        if op.get_bind().dialect.name == "sqlite":  # in place (SQLite >= 3.35)
            op.execute(f'ALTER TABLE report_versions DROP COLUMN "{name}"')
        else:
            op.drop_column("report_versions", name)


def _indexes(columns: list[str], last: tuple[str, ...] = ()) -> None:
    op.drop_index("ix_report_versions_filters", table_name="report_versions")
    op.drop_index("ix_report_versions_by_document", table_name="report_versions")
    op.create_index(
        "ix_report_versions_filters", "report_versions", [*columns, "document_id", *last]
    )
    op.create_index(
        "ix_report_versions_by_document", "report_versions", ["document_id", *columns, *last]
    )
