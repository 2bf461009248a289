"""The crawl's view of the fetch state: loaded once per run, written in the store batches.

The WARC middleware asks it for conditional-request headers, records what each response
showed (validators, payload digest, WARC pointer, gone), and the spider asks it which known
report pages and attachments are due again. See crawler.schedule for the policy.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawler.batch import WriteBatch, on_rollback
from crawler.schedule import is_due, next_due
from storage.fetchstate import load_states, save_state, settle
from storage.models import Site

logger = logging.getLogger(__name__)

SCHEDULED_ROLES = ("report", "attachment")
_RETRY_FIELDS = ("next_due_at", "etag", "last_modified", "payload_sha256", "unfinished_runs")
GONE_STATUSES = (404, 410)


class FetchStates:
    """Held by the crawl context (crawler.context); `now` is the schedule's clock."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        now: datetime,
        batch: WriteBatch,
        site_ids: dict[str, int] | None = None,
        *,
        max_unfinished_runs: int = 3,
    ) -> None:
        self.sessions = sessions
        self.now = now
        self.batch = batch
        self.max_unfinished_runs = max_unfinished_runs
        with self.sessions() as session:
            self.by_url: dict[str, dict[str, Any]] = load_states(session)
        # What the archive held when the run started: only these URLs can already have a
        # capture, only these payloads a stored document (one query per item saved on
        # everything new). Every capture's URL has a fetch state: both are written in the
        # same batch, the state first.
        self.known_urls = frozenset(self.by_url)
        self.known_payloads = frozenset(
            s["payload_sha256"] for s in self.by_url.values() if s.get("payload_sha256")
        )
        # code → site id: the crawl context's (its seeds, upserted at start), else looked up.
        self._site_ids: dict[str, int | None] = dict(site_ids or {})
        self._by_site: dict[str, list[dict[str, Any]]] | None = None
        self._present: set[Path] = set()

    # -- reading -------------------------------------------------------------------------------
    def get(self, url: str) -> dict[str, Any] | None:
        return self.by_url.get(url)

    def replayable(self, state: dict[str, Any] | None) -> bool:
        """A full response record to refer to (and replay on 304) exists on disk."""
        if not state or state.get("http_status") != 200 or not state.get("warc_file"):
            return False
        path = self.record_path(state)
        if path not in self._present:  # one stat per WARC file, not per request
            if not path.exists():
                return False
            self._present.add(path)
        return True

    @staticmethod
    def record_path(state: dict[str, Any]) -> Path:
        return Path(state.get("archive_dir") or ".") / state["warc_file"]

    def is_due(self, url: str) -> bool:
        state = self.by_url.get(url)
        return state is None or is_due(state.get("next_due_at"), self.now)

    def due_known(self, site_code: str) -> list[dict[str, Any]]:
        """Known report pages and attachments of a site that are due (gone ones included)."""
        if self._by_site is None:  # built once: the spider asks for every seeded site
            self._by_site = {}
            for s in self.by_url.values():
                if s.get("role") in SCHEDULED_ROLES and s.get("site_code"):
                    self._by_site.setdefault(s["site_code"], []).append(s)
        return [
            s for s in self._by_site.get(site_code, []) if is_due(s.get("next_due_at"), self.now)
        ]

    # -- writing -------------------------------------------------------------------------------
    def site_id(self, code: str | None) -> int | None:
        if not code:
            return None
        if code not in self._site_ids:
            with self.sessions() as session:
                self._site_ids[code] = session.query(Site.id).filter(Site.code == code).scalar()
        return self._site_ids[code]

    def write(self, url: str, meta: dict[str, Any], fetched_at: datetime, **fields: Any) -> None:
        """Merge `fields` into the URL's state and commit it (a failure only costs a refetch)."""
        state = self.by_url.get(url)
        if state is None:
            state = {
                "url": url,
                "first_seen_at": fetched_at,
                "fetches": 0,
                "revisits": 0,
                "site_code": meta.get("site"),
            }
        if meta.get("site") and not state.get("site_id"):
            state["site_id"] = self.site_id(meta.get("site"))
            state["site_code"] = meta.get("site")
        role = meta.get("role")
        if role and (state.get("role") not in SCHEDULED_ROLES or role in SCHEDULED_ROLES):
            state["role"] = role
        if meta.get("attachment_of") and role == "attachment":
            state["attachment_of"] = meta["attachment_of"]
        state["last_fetched_at"] = fetched_at
        state["fetches"] = int(state.get("fetches") or 0) + 1
        state.update(fields)
        self.by_url[url] = state
        self.batch.add(lambda session: self._save(session, state))

    def _save(self, session: Session, state: dict[str, Any]) -> None:
        # Saved as it is when the batch commits: a later change queued in the same batch is
        # then written twice, never lost or reordered. A URL unknown when the run started
        # has no row until its first save (this run holds the archive's lock).
        row = save_state(session, state, new=state["url"] not in self.known_urls)
        _restore_on_rollback(session, state, ("id",))
        state["id"] = row

    def settle(self, url: str, document_id: int | None, session: Session | None = None) -> None:
        """The URL's content is kept (stored, or known unchanged): give it a due time, in
        `session` (the transaction storing the item) or else in the next batch."""
        state = self.by_url.get(url)
        if state is None:
            return
        due = next_due(self.now, state.get("last_changed_at"))
        if session is not None:
            _restore_on_rollback(session, state, ("next_due_at", "document_id", "unfinished_runs"))
        state["next_due_at"] = due
        if document_id is not None:
            state["document_id"] = document_id
        state["unfinished_runs"] = 0
        if session is not None:
            settle(session, url, document_id=document_id, next_due_at=due)
        else:
            self.batch.add(lambda s: settle(s, url, document_id=document_id, next_due_at=due))

    def retry(self, url: str, session: Session) -> None:
        """The URL's item could not be ingested for a reason other than its content (a dead
        worker, the time limit): due at the next run, fetched there in full (no validators, no
        digest to compare: a revisit would point at the record of the unfinished capture) and
        ingested anew."""
        state = self.by_url.get(url)
        if state is None:
            return
        runs = int(state.get("unfinished_runs") or 0) + 1
        _restore_on_rollback(session, state, _RETRY_FIELDS)
        state.update(
            next_due_at=None,
            etag=None,
            last_modified=None,
            payload_sha256=None,
            unfinished_runs=runs,
        )
        self._save(session, state)

    def gives_up(self, url: str) -> bool:
        """Whether this run's unfinished ingest of the URL is its `max_unfinished_runs`-th in
        a row: then it is settled as failed instead of retried (a document that always times
        out or kills its worker would otherwise be fetched in full at every run, for ever)."""
        state = self.by_url.get(url)
        runs = int(state.get("unfinished_runs") or 0) if state else 0
        return 0 < self.max_unfinished_runs <= runs + 1

    def gone_due(self) -> datetime:
        return next_due(self.now, None, gone=True)


def _restore_on_rollback(session: Session, state: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Give `keys` of `state` their present values back if the batch's transaction rolls back
    (crawler.batch.on_rollback): the batch writes again item by item from the states."""
    before = {key: state[key] for key in keys if key in state}

    def restore() -> None:
        for key in keys:
            if key in before:
                state[key] = before[key]
            else:
                state.pop(key, None)

    on_rollback(session, restore)
