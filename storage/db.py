"""Engines and sessions: SQLite (WAL) by default, any SQLAlchemy URL via `GOV_REPORTS_DB`.

`open_database(url)` creates the engine and brings the schema to the newest Alembic revision
on first use, so neither the crawler nor the CLI needs a separate migrate step. Read commands
use `open_existing(url)` instead: it never creates a database (a missing SQLite file or an
empty database is an error naming it) and only migrates an archive that is already there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///data/archive.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
# pg_advisory_xact_lock's key for migrations (any constant the crawl's own locks do not use).
MIGRATION_LOCK_KEY = 0x676F7672_6D696772 & 0x7FFFFFFFFFFFFFFF


# Every PostgreSQL statement is planned with its values (a custom plan). psycopg prepares a
# statement run five times, and PostgreSQL may then keep a generic plan, made without the
# values: for a search that plan walks the newest entries testing each one's tsvector, as
# if every word were common, and a word no report holds took ~1 s at 100,000 reports
# instead of ~1 ms (docs/benchmarks.md, "Tenth round").
POSTGRES_OPTIONS = "-c plan_cache_mode=force_custom_plan"


class StorageError(Exception):
    """The database cannot be opened or migrated; the message names the URL."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else `GOV_REPORTS_DB`, else the SQLite default.

    A plain path (no `scheme://`) to a `.sqlite`/`.sqlite3`/`.db` file, or one with a
    directory in it, means that SQLite file: `data/archive.sqlite`.
    """
    url = url or os.environ.get("GOV_REPORTS_DB") or DEFAULT_DB_URL
    if "://" not in url and (url.endswith(SQLITE_SUFFIXES) or os.sep in url):
        return f"sqlite:///{url}"
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets `verify`/`export` read while a crawl writes; NORMAL sync is safe under WAL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: the read side's indexes
    cur.close()


def _parsed(url: str | None) -> tuple[str, URL]:
    """The URL to use (see `database_url`) and its parts; StorageError if malformed."""
    url = database_url(url)
    try:
        return url, make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"bad database URL {url!r}: {exc}") from exc


def create_db_engine(url: str | None = None) -> Engine:
    """An engine for `url` (see `database_url`); SQLite gets WAL and its directory created."""
    url, parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return _postgres_engine(parsed)
    except Exception as exc:  # a missing driver and the like
        raise StorageError(f"cannot open database {url!r}: {exc}") from exc


def _postgres_engine(parsed: URL, *options: str) -> Engine:
    """An engine whose sessions start with POSTGRES_OPTIONS, then `options`, then the
    URL's own `options` (the last of a setting given twice wins: the user's)."""
    given = parsed.query.get("options")
    given = [given] if isinstance(given, str) else list(given or ())
    args = {"options": " ".join([POSTGRES_OPTIONS, *options, *given])}
    url = parsed.difference_update_query(["options"])
    return create_engine(url, pool_pre_ping=True, connect_args=args)


def upgrade(engine: Engine) -> None:
    """Run `alembic upgrade head` on `engine` (idempotent).

    The whole upgrade is one transaction that holds the database's write lock (SQLite
    `BEGIN IMMEDIATE`, a PostgreSQL advisory lock): a process killed mid-migration leaves the
    schema as it was, not half-built, and two processes opening a new archive at once
    migrate it one after the other (the second finds it at head) instead of both creating
    its tables.
    """
    from alembic import command
    from alembic.config import Config

    if _at_head(engine):  # the usual case: no write lock taken to find nothing to do
        return
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    migrator = _migration_engine(engine)
    try:
        with migrator.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except Exception as exc:
        raise StorageError(f"cannot migrate database {engine.url!r}: {exc}") from exc
    finally:
        if migrator is not engine:
            migrator.dispose()


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return _current_revision(conn) == _head_revision()
    except SQLAlchemyError:  # not a database yet, say: the upgrade reports what is wrong
        return False


def _migration_engine(engine: Engine) -> Engine:
    """`engine` itself, or for SQLite an engine whose transactions are real ones: Python's
    sqlite3 driver begins a transaction only before INSERT/UPDATE/DELETE, so each CREATE or
    ALTER of a migration would commit by itself (the recipe of SQLAlchemy's pysqlite
    documentation, "Serializable isolation / Savepoints / Transactional DDL")."""
    if engine.dialect.name != "sqlite":
        return engine
    migrator = create_engine(engine.url)

    def on_connect(dbapi_conn: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_conn, record)
        dbapi_conn.isolation_level = None  # the driver leaves BEGIN/COMMIT to us

    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, waiting busy_timeout

    event.listen(migrator, "connect", on_connect)
    event.listen(migrator, "begin", on_begin)
    return migrator


def open_database(url: str | None = None) -> sessionmaker[Session]:
    """Engine + migrations + a session factory: the one entry point for callers."""
    engine = create_db_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


def open_existing(url: str | None = None) -> sessionmaker[Session]:
    """Open an archive that must already exist (for read commands): never creates one.

    A SQLite path that does not exist, or a database without the archive's tables, raises
    StorageError naming it; an existing archive is brought to the newest schema first.
    """
    url, _ = _existing(url)
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception as exc:  # unreachable server, unknown database, not a database file
        engine.dispose()
        raise StorageError(f"cannot open database {_shown(url)}: {_first_line(exc)}") from exc
    if "alembic_version" not in tables:
        engine.dispose()
        raise StorageError(f"{_shown(url)} is not a gov-reports archive (no archive tables)")
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _existing(url: str | None) -> tuple[str, URL]:
    """The URL to open and its parts; StorageError when it is malformed or names a SQLite
    file that does not exist (a read command never creates one)."""
    url, parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).is_file():
            raise StorageError(f"no archive at {path or url!r}: the database file does not exist")
    return url, parsed


def _shown(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return repr(parsed.database)
    return repr(parsed.render_as_string(hide_password=True))


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def open_readonly(url: str | None = None) -> sessionmaker[Session]:
    """Open an existing archive so that nothing through it can write (for `serve`).

    SQLite is opened with `mode=ro` and `query_only`; PostgreSQL sessions default to read-only
    transactions. Nothing is created or migrated: a missing file, a database without the
    archive's tables or one at an older schema revision is a StorageError naming it.
    """
    url, parsed = _existing(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        ro = f"sqlite:///file:{Path(path).resolve().as_posix()}?mode=ro&uri=true"
        engine = create_engine(ro)
        event.listen(engine, "connect", _sqlite_readonly_pragmas)
    else:
        engine = _postgres_engine(parsed, "-c default_transaction_read_only=on")
    try:
        with engine.connect() as conn:
            current = _current_revision(conn)
    except Exception as exc:  # unreachable server, unknown database, not a database file
        engine.dispose()
        raise StorageError(f"cannot open database {_shown(url)}: {_first_line(exc)}") from exc
    head = _head_revision()
    if current is None:
        engine.dispose()
        raise StorageError(f"{_shown(url)} is not a gov-reports archive (no archive tables)")
    if current != head:
        engine.dispose()
        raise StorageError(
            f"{_shown(url)} is at schema revision {current}, this version reads {head}: "
            "run a writing command once (e.g. `gov-reports verify`) to migrate it"
        )
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_readonly_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # as _sqlite_pragmas: the read side's indexes
    cur.close()


def _current_revision(conn: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return MigrationContext.configure(conn).get_current_revision()


def _head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()
