"""Batched database writes: items and fetch-state updates committed together, one transaction
per batch (GOV_REPORTS_STORE_BATCH_SIZE writes, or GOV_REPORTS_STORE_BATCH_SECONDS after the
oldest was queued, or when the crawl closes), on a writer thread of their own.

Why a thread: the database's own work (SQLite's inserts, its full-text index, the commit)
runs in C without the GIL, so on the writer thread it overlaps the reactor's work instead of
stopping it. Batches are committed one at a time in the order they were handed over, and at
most `MAX_PENDING` wait at once (the reactor then waits: memory stays bounded). A write's
`after` and `on_failure` callbacks run back on the thread that queued it (at its next `add`,
`flush` or `drain`), so Scrapy's stats are only ever touched from the reactor.

Crash safety is unchanged: a write is queued only after the WARC record it points to has been
written and flushed, and writes are committed in the order they were queued, so the database
still only ever points to complete records. A kill loses the queued writes; the next run
fetches those URLs again (they have no due time yet) and stores them from the archive.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
from typing import NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from storage.repository import refresh_deferred

logger = logging.getLogger(__name__)

Write = Callable[[Session], None]
Callback = Callable[[], None]
MAX_PENDING = 2
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
    def __init__(
        self, sessions: sessionmaker[Session], size: int, seconds: float, *, threaded: bool = True
    ) -> None:
        self.sessions = sessions
        self.size = max(1, size)
        self.seconds = seconds
        self._writes: list[Queued] = []
        self._oldest = 0.0
        self.transactions = 0
        self._writer = (
            ThreadPoolExecutor(1, thread_name_prefix="gov-reports-writer") if threaded else None
        )
        self._pending: deque[Future[None]] = deque()
        self._callbacks: SimpleQueue[Callback] = SimpleQueue()

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
        else:
            self.run_callbacks()

    def flush_if_old(self) -> None:
        if self._writes and time.monotonic() - self._oldest >= self.seconds:
            self.flush()
        else:
            self.run_callbacks()

    def flush(self) -> None:
        """Hand the queued writes to the writer (without waiting for their commit)."""
        writes, self._writes = self._writes, []
        if writes:
            if self._writer is None:
                self._commit(writes)
            else:
                while len(self._pending) >= MAX_PENDING:
                    self._pending.popleft().result()
                self._pending.append(self._writer.submit(self._commit, writes))
        self.run_callbacks()

    def drain(self) -> None:
        """Commit everything queued and wait for it: after this the database holds every write
        queued so far, and their callbacks have run."""
        self.flush()
        while self._pending:
            self._pending.popleft().result()
        self.run_callbacks()

    def close(self) -> None:
        """Drain, then stop the writer thread."""
        try:
            self.drain()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)

    def run_callbacks(self) -> None:
        """Run the callbacks of the writes committed (or failed) since the last call."""
        while not self._callbacks.empty():
            self._callbacks.get_nowait()()

    def _commit(self, writes: list[Queued]) -> None:
        """Commit `writes` in one transaction; if that fails, each in its own, so one bad
        write costs only itself. Any error is caught: on the writer thread nobody else would
        see it, so it is logged and the write's `on_failure` reports it."""
        try:
            self._transaction(writes)
            self.transactions += 1
            self._settled(writes)
            return
        except Exception as exc:  # noqa: BLE001 - each write is retried, and logged if it fails
            logger.warning("batch of %d writes failed (%s); retrying one by one", len(writes), exc)
        for queued in writes:
            try:
                self._transaction([queued])
            except Exception:
                logger.exception("could not store a write")
                if queued.on_failure is not None:
                    self._callbacks.put(queued.on_failure)
            else:
                self._settled([queued])

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

    def _settled(self, writes: list[Queued]) -> None:
        for queued in writes:
            if queued.after is not None:
                self._callbacks.put(queued.after)
