"""Batched database writes: items and fetch-state updates committed together, one transaction
per batch (GOV_REPORTS_STORE_BATCH_SIZE writes, or GOV_REPORTS_STORE_BATCH_SECONDS after the
oldest was queued, or when the crawl closes).

Crash safety is unchanged: a write is queued only after the WARC record it points to has been
written and flushed, and writes are committed in the order they were queued, so the database
still only ever points to complete records. A kill loses the queued writes; the next run
fetches those URLs again (they have no due time yet) and stores them from the archive.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.repository import refresh_deferred

logger = logging.getLogger(__name__)

Write = Callable[[Session], None]


class WriteBatch:
    def __init__(self, sessions: sessionmaker[Session], size: int, seconds: float) -> None:
        self.sessions = sessions
        self.size = max(1, size)
        self.seconds = seconds
        self._writes: list[tuple[Write, Callable[[], None] | None]] = []
        self._oldest = 0.0
        self.transactions = 0

    def add(self, write: Write, on_failure: Callable[[], None] | None = None) -> None:
        """Queue `write(session)`; `on_failure()` runs if it cannot be committed."""
        if not self._writes:
            self._oldest = time.monotonic()
        self._writes.append((write, on_failure))
        if len(self._writes) >= self.size:
            self.flush()

    def flush_if_old(self) -> None:
        if self._writes and time.monotonic() - self._oldest >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Commit every queued write in one transaction; if that fails, each in its own, so
        one bad write costs only itself."""
        writes, self._writes = self._writes, []
        if not writes:
            return
        try:
            with self.sessions.begin() as session:
                for write, _ in writes:
                    write(session)
                refresh_deferred(session)  # the read side, once for the whole batch
            self.transactions += 1
            return
        except SQLAlchemyError as exc:
            logger.warning("batch of %d writes failed (%s); retrying one by one", len(writes), exc)
        for write, on_failure in writes:
            try:
                with self.sessions.begin() as session:
                    write(session)
                    refresh_deferred(session)
            except SQLAlchemyError as exc:
                logger.error("could not store a write: %s", exc)
                if on_failure is not None:
                    on_failure()
