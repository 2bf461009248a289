"""index captures by payload digest (skip re-extracting bytes already archived)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.create_index("ix_captures_payload_sha256", ["payload_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.drop_index("ix_captures_payload_sha256")
