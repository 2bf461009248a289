"""store table cells exactly: an integer column beside the float

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:40:00

`report_cells.value` is a float (money in yuan, 万元 amounts); counts are integers and are
now also stored exactly in `value_int` (BIGINT). Existing rows are filled from `value` where it
is integral and the cell is a count: not money (money keeps its printed text in `raw`) and not
an amount in 万元. Readers take `value_int` when set, else `value`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER (no batch copy of the table on SQLite).
    op.add_column("report_cells", sa.Column("value_int", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE report_cells SET value_int = CAST(value AS BIGINT) "
        "WHERE value IS NOT NULL AND raw IS NULL AND column_key <> 'amount_wan_yuan' "
        "AND value = CAST(value AS BIGINT) AND abs(value) < 9007199254740992"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # in place: a batch copy would cascade
        op.execute("ALTER TABLE report_cells DROP COLUMN value_int")
    else:
        op.drop_column("report_cells", "value_int")
