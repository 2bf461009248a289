"""One crawl at a time per archive: an OS lock the kernel releases when the process dies.

`fcntl.flock` on `<archive dir>.lock` (beside the WARC directory) and, for SQLite, on
`<database file>.lock`; on PostgreSQL also a session advisory lock (`pg_try_advisory_lock`) on
a connection held for the run, so two machines sharing one database exclude each other too.
Nothing is left to clean up after `kill -9`: the kernel drops the flock and the server drops
the advisory lock with the connection.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.db import StorageError, create_db_engine, database_url


class LockBusy(Exception):
    """Another run holds the lock; the message says which file or database."""


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory-lock key (signed 64-bit) for a name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """A PostgreSQL session advisory lock, on a connection of its own held until release().

    Shared or exclusive; the server drops it when the session ends (a killed process too).
    """

    def __init__(self, db_url: str, name: str) -> None:
        self.db_url = db_url
        self.key = advisory_key(name)
        self._engine: Any = None
        self._conn: Any = None

    def try_acquire(self, *, shared: bool = False) -> bool:
        if self._conn is not None:
            raise RuntimeError("this advisory lock is already held")
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        try:
            self._engine = create_db_engine(self.db_url)
            self._conn = self._engine.connect()
            got = bool(self._conn.execute(text(f"SELECT {function}(:k)"), {"k": self.key}).scalar())
            self._conn.commit()
        except SQLAlchemyError as exc:
            self.release()
            raise StorageError(
                f"cannot open database {self.db_url!r}: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        if not got:
            self.release()
        return got

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if self._engine is not None:
            # Close the pooled connection itself: ending the session drops the advisory lock.
            self._engine.dispose()
            self._engine = None


def run_lock(db_url: str, crawl_id: str) -> AdvisoryLock:
    """The lock per run of a distributed crawl: every worker holds it shared while it works;
    the coordinator winds the run up once it can take it exclusively (every worker has left,
    cleanly or killed), and a worker arriving after that cannot join."""
    return AdvisoryLock(db_url, f"gov-reports-run:{crawl_id}")


class CrawlLock:
    def __init__(self, archive_dir: str | Path, db_url: str | None = None) -> None:
        self.db_url = database_url(db_url)
        archive = Path(archive_dir).resolve()
        self.paths = [archive.parent / f"{archive.name}.lock"]
        try:
            parsed = make_url(self.db_url)
        except ArgumentError as exc:
            raise StorageError(f"bad database URL {self.db_url!r}: {exc}") from exc
        self.postgres = parsed.get_backend_name() == "postgresql"
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            self.paths.append(Path(f"{Path(parsed.database).resolve()}.lock"))
        self._files: list[IO[str]] = []
        self._pg: AdvisoryLock | None = None

    def acquire(self) -> None:
        try:
            for path in self.paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = path.open("a+")
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    fh.close()
                    raise LockBusy(f"another crawl is running ({holder} holds {path})") from None
                fh.seek(0)
                fh.truncate()
                fh.write(f"pid {os.getpid()}\n")
                fh.flush()
                self._files.append(fh)
            if self.postgres:
                self._advisory()
        except BaseException:
            self.release()
            raise

    def _advisory(self) -> None:
        self._pg = AdvisoryLock(self.db_url, f"gov-reports-crawl:{self.db_url}")
        if not self._pg.try_acquire():
            raise LockBusy("another crawl is running (it holds the database's advisory lock)")

    def release(self) -> None:
        if self._pg is not None:
            self._pg.release()
            self._pg = None
        for fh in self._files:
            try:
                fcntl.flock(fh, fcntl.LOCK_UN)
            finally:
                fh.close()
        self._files = []

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
