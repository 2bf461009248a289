"""What changed between two versions of a report served at the same URL.

A revised report is a new document whose `previous_id` is the document the URL served before
(storage.fetchstate.version_chain walks the chain). The diff compares the newest report
version of each: the metadata fields and every table cell (value or printed text).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.fetchstate import document_at, version_chain
from storage.models import Capture, Document, ReportCell, ReportVersion

META_FIELDS = (
    "title",
    "issuer",
    "issuer_kind",
    "report_year",
    "published_at",
    "template",
    "script",
    "region",
    "hazards",
)


class DiffError(LookupError):
    """The document or URL is not in the archive."""


@dataclass
class VersionDiff:
    old: Document
    new: Document
    url: str | None
    metadata: list[tuple[str, Any, Any]] = field(default_factory=list)
    cells: list[tuple[str, str, str, Any, Any]] = field(default_factory=list)
    text_changed: bool = True


def newest_version(session: Session, document_id: int) -> ReportVersion | None:
    return session.scalar(
        select(ReportVersion)
        .where(ReportVersion.document_id == document_id)
        .order_by(ReportVersion.id.desc())
        .limit(1)
    )


def _cells(session: Session, version: ReportVersion | None) -> dict[tuple[str, str, str], Any]:
    if version is None:
        return {}
    rows = session.execute(
        select(
            ReportCell.table_name,
            ReportCell.row_key,
            ReportCell.column_key,
            ReportCell.value,
            ReportCell.raw,
        ).where(ReportCell.report_version_id == version.id)
    ).all()
    return {(t, r, c): (raw if raw is not None else v) for t, r, c, v, raw in rows}


def diff_pair(session: Session, old: Document, new: Document) -> VersionDiff:
    url = session.scalar(
        select(Capture.final_url).where(Capture.document_id == new.id).order_by(Capture.id).limit(1)
    )
    out = VersionDiff(old=old, new=new, url=url, text_changed=old.text_sha256 != new.text_sha256)
    va, vb = newest_version(session, old.id), newest_version(session, new.id)
    ra, rb = (va.record if va else {}), (vb.record if vb else {})
    for name in META_FIELDS:
        if ra.get(name) != rb.get(name):
            out.metadata.append((name, ra.get(name), rb.get(name)))
    ca, cb = _cells(session, va), _cells(session, vb)
    for key in sorted(set(ca) | set(cb)):
        if ca.get(key) != cb.get(key):
            out.cells.append((*key, ca.get(key), cb.get(key)))
    return out


def resolve(session: Session, ref: str) -> Document:
    """A document by `doc_id` (16 hex), text SHA-256, database id, or a URL it was served at."""
    ref = ref.strip()
    doc: Document | None = None
    if ref.startswith(("http://", "https://")):
        doc_id = document_at(session, ref)
        if doc_id is None:
            doc_id = session.scalar(
                select(Capture.document_id)
                .where(Capture.final_url == ref, Capture.document_id.is_not(None))
                .order_by(Capture.id.desc())
                .limit(1)
            )
        doc = session.get(Document, doc_id) if doc_id is not None else None
    elif ref.isascii() and ref.isdigit():
        # A database id fits SQLite's (and PostgreSQL's) 64-bit integer, or is not an id.
        doc = session.get(Document, int(ref)) if len(ref) < 19 else None
    else:
        column = Document.text_sha256 if len(ref) == 64 else Document.doc_id
        doc = session.scalar(select(Document).where(column == ref.lower()).limit(1))
    if doc is None:
        raise DiffError(f"no document {ref!r} in the archive")
    return doc


def diffs_around(
    session: Session, doc: Document, *, whole_chain: bool = False
) -> list[VersionDiff]:
    """The diffs previous → doc and doc → next (or every step of the chain)."""
    chain = version_chain(session, doc.id)
    pairs = list(itertools.pairwise(chain))
    if not whole_chain:
        pairs = [(a, b) for a, b in pairs if doc.id in (a.id, b.id)]
    return [diff_pair(session, a, b) for a, b in pairs]
