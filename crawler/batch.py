"""Batched database writes: items and fetch-state updates committed together, one transaction
per batch (GOV_REPORTS_STORE_BATCH_SIZE writes, or GOV_REPORTS_STORE_BATCH_SECONDS after the
oldest was queued, or when the crawl closes).

On the reactor's thread: a writer thread was tried (SQLite's C work runs without the GIL) and
measured 3-6 % slower at 200 sites on 2 cores, the two threads handing the GIL to each other at
every statement (docs/crawl.md, "Eighth round").

Crash safety is unchanged: a write is queued only after the WARC record it points to has been
written and flushed, and writes are committed in the order they were queued, so the database
still only ever points to complete records. A kill loses the queued writes; the next run
fetches those URLs again (they have no due time yet) and stores them from the archive.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.repository import refresh_deferred

logger = logging.getLogger(__name__)

Write = Callable[[Session], None]
Callback = Callable[[], None]
_UNDO = "gov_reports.batch.undo"


def on_rollback(session: Session, undo: Callback) -> None:
    """Call `undo()` if the batch's transaction in `session` does not commit. The batch then
    retries its writes one by one, so what a write changed outside the database (an id it
    remembered, a state it advanced) must go back with its rows, or the retry would build on
    rows that no longer exist."""
    steps = session.info.get(_UNDO)
    if steps is not None:  # else not a batch's transaction: its owner rolls back on its own
        steps.append(undo)


class Queued(NamedTuple):
    write: Write
    on_failure: Callback | None  # the write could not be committed
    after: Callback | None  # the write was committed


class WriteBatch:
    def __init__(self, sessions: sessionmaker[Session], size: int, seconds: float) -> None:
        self.sessions = sessions
        self.size = max(1, size)
        self.seconds = seconds
        self._writes: list[Queued] = []
        self._oldest = 0.0
        self.transactions = 0

    def add(
        self, write: Write, on_failure: Callback | None = None, after: Callback | None = None
    ) -> None:
        """Queue `write(session)`; `on_failure()` runs if it cannot be committed, `after()`
        once it is."""
        if not self._writes:
            self._oldest = time.monotonic()
        self._writes.append(Queued(write, on_failure, after))
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
            self._transaction(writes)
        except SQLAlchemyError as exc:
            logger.warning("batch of %d writes failed (%s); retrying one by one", len(writes), exc)
        else:
            self.transactions += 1
            _settled(writes)
            return
        for queued in writes:
            try:
                self._transaction([queued])
            except SQLAlchemyError as exc:
                logger.error("could not store a write: %s", exc)
                if queued.on_failure is not None:
                    queued.on_failure()
            else:
                _settled([queued])

    def _transaction(self, writes: list[Queued]) -> None:
        undo: list[Callback] = []
        try:
            with self.sessions.begin() as session:
                session.info[_UNDO] = undo
                for queued in writes:
                    queued.write(session)
                refresh_deferred(session)  # the read side, once for the whole batch
        except BaseException:
            for step in reversed(undo):
                step()
            raise


def _settled(writes: list[Queued]) -> None:
    for queued in writes:
        if queued.after is not None:
            queued.after()
