"""Exit codes, and the one place the project's exceptions become them (`exit_code_for`)."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_UNFINISHED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75
# sysexits.h: every site failed (EX_UNAVAILABLE); the archive could not be written (EX_IOERR).
EXIT_SITES_FAILED, EXIT_ARCHIVE_FAILED = 69, 74
# sysexits.h: extraction crashed on every document of the run (EX_SOFTWARE).
EXIT_EXTRACT_FAILED = 70
# A crawl's outcome (crawler.report.OUTCOMES) → its exit status.
EXIT_BY_OUTCOME = {
    "finished": EXIT_OK,
    "stopped": EXIT_UNFINISHED,
    "sites-failed": EXIT_SITES_FAILED,
    "archive-failed": EXIT_ARCHIVE_FAILED,
    "extract-failed": EXIT_EXTRACT_FAILED,
}

# (module, exception class, exit code, text after the message). Looked up in sys.modules
# only: an exception of a module never imported cannot have been raised, and `parse` keeps
# its fast start-up by not importing Scrapy or SQLAlchemy for this table.
_MAPPED = (
    ("storage.lock", "LockBusy", EXIT_LOCKED, "; not starting a second run"),
    ("storage.db", "StorageError", EXIT_USAGE, ""),
    ("storage.filters", "FilterError", EXIT_USAGE, ""),
    ("storage.fulltext", "QueryError", EXIT_USAGE, ""),
    ("storage.query", "NotFound", EXIT_USAGE, ""),
    ("storage.diff", "DiffError", EXIT_USAGE, ""),
    ("storage.warc", "ArchiveCorrupt", EXIT_USAGE, ""),
    ("service.options", "CommandError", EXIT_USAGE, ""),
    ("crawler.sites", "SitesError", EXIT_USAGE, ""),
    ("crawler.schedule", "ScheduleError", EXIT_USAGE, ""),
    ("crawler.run", "SettingsError", EXIT_USAGE, ""),
    ("crawler.distributed.run", "RedisUnavailable", EXIT_USAGE, ""),
    ("crawler.distributed.worker", "WorkerError", EXIT_USAGE, ""),
)


def exit_code_for(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for a project error; None for anything else (a bug)."""
    for module, name, code, tail in _MAPPED:
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None and isinstance(exc, cls):
            return code, f"{exc}{tail}"
    return None
