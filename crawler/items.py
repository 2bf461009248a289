"""The one item the spider yields: a fetched report candidate (page or attachment) with provenance.

Pipelines fill in the later fields (text, hashes, dedupe verdict, record, outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class DocumentItem:
    # What the spider fetched.
    url: str  # the URL asked for (before redirects)
    final_url: str
    http_status: int
    headers: dict[str, str]
    content_type: str | None
    body: bytes
    site_code: str
    kind: str  # "page" | "attachment"
    warc_file: str
    warc_offset: int
    warc_record_id: str
    payload_sha256: str
    fetched_at: datetime
    robots: str | None = None
    attachment_of: str | None = None
    referer: str | None = None
    link_text: str | None = None
    # "not-modified" / "identical" when the WARC middleware archived a revisit record: the body
    # and WARC pointer are then those of the earlier full response.
    revisit: str | None = None
    # Filled by the pipelines.
    encoding: str | None = None
    encoding_source: str | None = None
    extracted: Any = None  # parsers.Extracted
    text_sha256: str | None = None
    doc_id: str | None = None
    simhash: str | None = None
    duplicate_of: int | None = None  # document id of an exact copy already stored
    near_dup_of: int | None = None  # document id of a near copy of the same site
    needs_parse: bool = True
    record: dict[str, Any] | None = None
    error: str | None = None
    outcome: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
