"""A lock per crawl run in PostgreSQL, for distributed crawls.

Every worker of a run holds the run's advisory lock in shared mode on a connection kept open
for as long as it works; the coordinator winds the run up only once it can take the same lock
exclusively, i.e. once every worker has left (cleanly, or killed: the server drops a dead
session's locks). A worker that arrives after that cannot take the shared lock and does not
join. Locks are per database, so one PostgreSQL server can hold many archives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import StorageError, create_db_engine, database_url
from storage.lock import advisory_key


class RunLock:
    def __init__(self, db_url: str, crawl_id: str) -> None:
        self.db_url = database_url(db_url)
        if make_url(self.db_url).get_backend_name() != "postgresql":
            raise StorageError("a lock per run needs a PostgreSQL database")
        self.key = advisory_key(f"gov-reports-run:{crawl_id}")
        self._engine: Any = None
        self._conn: Any = None

    def _try(self, function: str) -> bool:
        if self._conn is not None:
            raise RuntimeError("this RunLock is already held")
        try:
            self._engine = create_db_engine(self.db_url)
            self._conn = self._engine.connect()
            got = bool(self._conn.execute(text(f"SELECT {function}(:k)"), {"k": self.key}).scalar())
            self._conn.commit()
        except SQLAlchemyError as exc:
            self.release()
            raise StorageError(
                f"cannot open database {self.db_url!r}: {str(exc).splitlines()[0]}"
            ) from exc
        if not got:
            self.release()
        return got

    def try_shared(self) -> bool:
        """A worker joins the run (False: the run is being wound up)."""
        return self._try("pg_try_advisory_lock_shared")

    def try_exclusive(self) -> bool:
        """The coordinator: True once no worker holds the run."""
        return self._try("pg_try_advisory_lock")

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        if self._engine is not None:
            self._engine.dispose()  # closing the session drops the advisory lock
            self._engine = None
