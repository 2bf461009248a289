"""The one item the spider yields: a fetched report candidate (page or attachment) with provenance.

Pipelines fill in the later fields (text, hashes, dedupe verdict, record, outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from parsers.ingest import Ingested

if TYPE_CHECKING:
    from crawler.pipelines.workers import Prepared


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
    # Filled by the ingest stage (parsers.ingest): the capture's encoding, and the rest.
    encoding: str | None = None
    encoding_source: str | None = None
    ingested: Ingested | None = None
    # A report's full-text entry and version rows, from the worker
    # (crawler.pipelines.workers.ingest_indexed, a `workers.Prepared`): the store stage writes them.
    prepared: Prepared | None = None
    # Filled by the dedupe stage, so the store stage looks nothing up again.
    duplicate_of: int | None = None  # id of the stored document with this exact text
    needs_version: bool = True  # the text still lacks a report version of this parser
    near_dup_head: str | None = None  # text_sha256 of the near-copy group this text joins
    previous_id: int | None = None  # the document this URL served before (a revision's base)
    error: str | None = None
    # The ingest stage did not finish (a dead worker, a bug, the time limit), so `error` is no
    # verdict on the content: stored as outcome "unfinished", the URL due again at the next run.
    unfinished: bool = False
    outcome: str | None = None

    @property
    def text_sha256(self) -> str | None:
        return self.ingested.text_sha256 if self.ingested is not None else None
