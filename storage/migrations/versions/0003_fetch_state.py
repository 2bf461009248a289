"""recrawls: per-URL fetch state, and a document's predecessor at the same URL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("attachment_of", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(length=255), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("payload_sha256", sa.String(length=64), nullable=True),
        sa.Column("archive_dir", sa.Text(), nullable=True),
        sa.Column("warc_file", sa.String(length=512), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_record_id", sa.String(length=64), nullable=True),
        sa.Column("warc_date", sa.String(length=40), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetches", sa.Integer(), nullable=False),
        sa.Column("revisits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url_sha256"),
    )
    with op.batch_alter_table("fetch_states", schema=None) as batch_op:
        batch_op.create_index("ix_fetch_states_site_id", ["site_id"], unique=False)
    # In place, never Alembic's batch mode: on SQLite a batch copies `documents` and drops
    # the old table, and that DROP (foreign keys on) deletes every row first: it fails on
    # the captures that point to a document, or, with none, cascades to every report version,
    # cell, check and hazard. SQLite adds a column with a REFERENCES clause in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents ADD COLUMN previous_id INTEGER REFERENCES documents (id)")
    else:
        op.add_column("documents", sa.Column("previous_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_documents_previous_id", "documents", "documents", ["previous_id"], ["id"]
        )
    op.create_index("ix_documents_previous_id", "documents", ["previous_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_documents_previous_id", table_name="documents")
    if op.get_bind().dialect.name == "sqlite":  # in place (SQLite >= 3.35): see upgrade()
        op.execute("ALTER TABLE documents DROP COLUMN previous_id")
    else:
        op.drop_constraint("fk_documents_previous_id", "documents", type_="foreignkey")
        op.drop_column("documents", "previous_id")
    op.drop_table("fetch_states")
