"""`gov-reports crawl --redis URL`: the coordinator's side of a distributed run.

The crawl command runs as usual (the archive lock, the run record, the spider's own seeding),
with these settings on top: its scheduler only seeds the shared queue, and the DistributedRun
extension keeps it open until the workers are done, then writes the run report of them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.distributed import run as shared
from crawler.distributed.extension import apply_distributed
from crawler.distributed.keys import DEFAULT_PREFIX, RunKeys, remove_run
from storage.db import StorageError, database_url

SQLITE_REFUSED = (
    "distributed mode needs a PostgreSQL archive (--db postgresql+psycopg://user@host/db): "
    "workers on several machines write to it at once, and SQLite is a local file with a "
    "single writer that cannot be shared over the network"
)


def require_postgres(db_url: str | None) -> str:
    url = database_url(db_url)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise StorageError(f"bad database URL {url!r}: {exc}") from exc
    if backend != "postgresql":
        raise StorageError(f"{SQLITE_REFUSED}; got {url!r}")
    return url


def prepare(settings: Any, redis_url: str, crawl_id: str) -> None:
    """Check the database and Redis, and make this crawl the coordinator of run `crawl_id`."""
    require_postgres(settings.get("GOV_REPORTS_DB"))
    shared.redis_for(redis_url)  # unreachable: fail now, before the archive is touched
    prefix = settings.get("GOV_REPORTS_REDIS_PREFIX") or DEFAULT_PREFIX
    apply_distributed(settings, "coordinator", redis_url, crawl_id, prefix)
    # The coordinator fetches nothing: the extension prints the run's progress instead.
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions.pop("crawler.progress.Progress", None)
    settings.set("EXTENSIONS", extensions, priority="cmdline")


def forget(settings: Any, crawl_ids: list[str]) -> None:
    """Remove what runs that died (now marked interrupted) left in Redis."""
    redis = shared.redis_for(settings.get("GOV_REPORTS_REDIS"))
    prefix = settings.get("GOV_REPORTS_REDIS_PREFIX") or DEFAULT_PREFIX
    for crawl_id in crawl_ids:
        remove_run(redis, RunKeys(crawl_id, prefix))
