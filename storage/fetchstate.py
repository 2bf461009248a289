"""Per-URL fetch state between runs: load it all, upsert one URL, settle it once stored.

Keyed by the SHA-256 of the URL (URLs can outgrow a btree index). Each write is its own short
transaction, made only after the WARC record it points to has been written and flushed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Document, FetchState, Site


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def load_states(session: Session) -> dict[str, dict[str, Any]]:
    """url → the state's columns as a dict (plus `site_code`), for every known URL."""
    cols = list(FetchState.__table__.columns)
    rows = session.execute(
        select(*cols, Site.code.label("site_code"))
        .select_from(FetchState)
        .outerjoin(Site, Site.id == FetchState.site_id)
    ).mappings()
    return {row["url"]: dict(row) for row in rows}


_TABLE = FetchState.__table__
# Built once, values given at execution: the crawl writes one state per response, and a
# statement built with .values(**row) is compiled (and its cache key computed) every time.
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_UPDATE_BY_ID = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"))
_UPDATE_BY_KEY = update(_TABLE).where(_TABLE.c.url_sha256 == bindparam("b_url_sha256"))


def save_state(session: Session, state: dict[str, Any], *, new: bool = False) -> int:
    """Insert or update one URL's state (no commit); returns its id. `new`: the caller knows
    no row exists (no lookup). Core statements: the crawl writes one per response."""
    values = {k: v for k, v in state.items() if k in _TABLE.columns and k != "id"}
    values["url_sha256"] = url_key(state["url"])
    conn = session.connection()
    found = state.get("id")
    if not found and not new:
        found = conn.execute(
            select(_TABLE.c.id).where(_TABLE.c.url_sha256 == values["url_sha256"])
        ).scalar()
    if found:
        conn.execute(_UPDATE_BY_ID, {**values, "b_id": found})
        return int(found)
    values.setdefault("fetches", 0)
    values.setdefault("revisits", 0)
    return int(conn.execute(_INSERT, values).scalar_one())


def settle(session: Session, url: str, *, document_id: int | None, next_due_at: datetime) -> None:
    """The page's item is stored (or known unchanged): remember its document, set its due time."""
    values: dict[str, Any] = {"next_due_at": next_due_at, "unfinished_runs": 0}
    if document_id is not None:
        values["document_id"] = document_id
    session.connection().execute(_UPDATE_BY_KEY, {**values, "b_url_sha256": url_key(url)})


def document_at(session: Session, url: str) -> int | None:
    """The document this URL served last time it was stored (a revision's predecessor)."""
    return session.scalar(
        select(FetchState.document_id).where(FetchState.url_sha256 == url_key(url))
    )


def gone_urls(session: Session) -> list[FetchState]:
    """Every URL that answered 404/410 after having been seen, with when it was last seen."""
    return list(
        session.scalars(
            select(FetchState).where(FetchState.gone_at.is_not(None)).order_by(FetchState.id)
        )
    )


@cache
def _chain_steps(columns: tuple[Any, ...]) -> tuple[Any, Any]:
    """version_chain's two statements (the document with an id, the one whose predecessor
    it is), built once per set of columns: the report page walks a chain on every request."""
    base = select(*columns) if columns else select(Document)
    return tuple(  # type: ignore[return-value]
        base.where(where == bindparam("value")).order_by(Document.id).limit(1)
        for where in (Document.id, Document.previous_id)
    )


def version_chain(session: Session, document_id: int, columns: tuple[Any, ...] = ()) -> list[Any]:
    """A document's versions at the same URL, oldest first (following `previous_id` both ways):
    Document entities, or rows of only `columns` of each (which must include Document.id and
    Document.previous_id) for a reader that must not load the texts."""
    by_id, by_previous = _chain_steps(columns)

    def one(stmt: Any, value: int) -> Any:
        if columns:
            return session.connection().execute(stmt, {"value": value}).first()
        return session.scalar(stmt, {"value": value})

    doc = one(by_id, document_id)
    if doc is None:
        return []
    chain = [doc]
    seen = {doc.id}
    while chain[0].previous_id and chain[0].previous_id not in seen:
        prev = one(by_id, chain[0].previous_id)
        if prev is None:
            break
        seen.add(prev.id)
        chain.insert(0, prev)
    while True:
        nxt = one(by_previous, chain[-1].id)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        chain.append(nxt)
    return chain
