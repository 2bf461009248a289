"""fetch states count the runs in a row whose ingest of the URL did not finish

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 03:10:00

`fetch_states.unfinished_runs`: a document whose extraction keeps timing out or killing its
worker was fetched again in full at every run, for ever. The crawl now gives up after
GOV_REPORTS_MAX_UNFINISHED_RUNS runs in a row (the capture is `failed`, the URL back on its
schedule), and a stored or unchanged page sets the count back to 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "fetch_states",
        sa.Column("unfinished_runs", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    with op.batch_alter_table("fetch_states") as batch:
        batch.drop_column("unfinished_runs")
