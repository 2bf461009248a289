"""read side at scale: a covering index for report lookups by document, one in browse order

`report_versions` rows hold the whole record (JSON, often 10-20 KB) before the filter
columns, so reading `title` or `province` of a row walks its overflow pages; a `documents`
row holds the whole text. At 100,000 reports a search joining every full-text match to its
version and document read ~2 GB of pages (6.5 s for a word every report contains).
`ix_report_versions_cover` and `ix_documents_doc_id_by_id` answer that join from the indexes
alone (0.2 s); `ix_report_versions_browse` lists reports in their display order without a
sort (0.45 s → 6 ms for the first page). Measured with bench/serve.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COVER = (
    "document_id", "current", "official", "id", "province", "region_code", "report_year",
    "template", "issuer_kind", "title", "issuer", "region_name", "prefecture", "published_at",
    "parser_version", "superseded_by", "latest",
)  # fmt: skip
BROWSE = ("current", "official", "province", "region_code", "report_year", "id")


def upgrade() -> None:
    op.create_index("ix_report_versions_cover", "report_versions", list(COVER))
    op.create_index("ix_report_versions_browse", "report_versions", list(BROWSE))
    op.create_index("ix_documents_doc_id_by_id", "documents", ["id", "doc_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_doc_id_by_id", table_name="documents")
    op.drop_index("ix_report_versions_browse", table_name="report_versions")
    op.drop_index("ix_report_versions_cover", table_name="report_versions")
