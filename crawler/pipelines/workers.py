"""Run CPU work (extraction, parsing) in the crawl context's process pool, beside the reactor.

The pool belongs to the crawl context (crawler.context); GOV_REPORTS_EXTRACT_WORKERS sets its
size (default: CPU count, at most 4; 0 = everything in-process). Each worker is bounded:

- it dies with the crawl: after a `kill -9` of the crawl nothing else would end it (the
  forkserver and the workers wait on each other for good, ~230 MB a killed crawl), so a
  thread in every worker waits on the crawl's pid and then kills the forkserver and itself;
- its address space is capped (GOV_REPORTS_WORKER_MEMORY_MB): a bomb a parser did not
  foresee becomes a MemoryError for that document, not a machine out of memory;
- every task has a time limit (GOV_REPORTS_EXTRACT_TIMEOUT): a SIGALRM in the worker turns a
  runaway document into an ExtractTimeout; a document stuck in C code, where the alarm's
  handler never runs, ends the worker a few seconds later (the context starts a new pool).
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, NamedTuple, TypeVar

from parsers.errors import ExtractTimeout
from parsers.ingest import Ingested, ingest
from storage.fulltext import entry_content, entry_terms
from storage.records import ReportRows, report_rows

T = TypeVar("T")


class Prepared(NamedTuple):
    """A report's rows, ready for the store stage: the (content, terms) of the full-text entry
    its document gets if stored with this version (the terms cost the crawl process ~0.5 ms a
    page in the store's refresh), and its version's cells, checks and hazards as tuples
    (`storage.records.report_rows`: 0.7 M of the 4.0 M instructions a report cost there)."""

    fulltext: tuple[str, str]
    rows: ReportRows


async def run(pool: Executor | None, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`func(*args, **kwargs)` in the pool (awaited on the asyncio reactor), or inline without
    a pool. In the pool it runs under the worker's time limit."""
    if pool is None:
        return func(*args, **kwargs)
    return await asyncio.wrap_future(pool.submit(_limited, func, args, kwargs))


def ingest_indexed(
    body: bytes, url: str, *, postgres: bool, **kwargs: Any
) -> tuple[Ingested, Prepared | None]:
    """`parsers.ingest.ingest`, and for a report what the store stage writes beside the record
    (`Prepared`), computed here beside the reactor rather than in the crawl's serial store."""
    ingested = ingest(body, url, **kwargs)
    if ingested.record is None:
        return ingested, None
    rows = report_rows(ingested.record)
    title = rows.columns["title"] or ingested.extracted.title
    content = entry_content(title, ingested.extracted.text)
    return ingested, Prepared((content, entry_terms(content, postgres=postgres)), rows)


# What a worker imports to extract and parse: loaded once in the forkserver, which forks every
# worker with them already in memory, instead of once in each worker (a fresh worker spent
# ~0.6 s of CPU on these imports and on its first PDF and DOCX, a tenth of the extraction CPU
# of a 20-site crawl with two workers).
WORKER_MODULES = (
    "crawler.pipelines.workers",
    "parsers.ingest",
    "parsers.extract.html",
    "parsers.extract.pdf",
    "parsers.extract.docx",
    "parsers.extract.doc",
    "pypdfium2",
    "pdfplumber",
    "pdfplumber.table",
    "pypdf",
    "docx",
)


def forkserver_preload() -> list[str]:
    """The modules for `set_forkserver_preload`: `__main__` (multiprocessing's default) and
    the workers' own. A module that fails to import is skipped by the forkserver.

    multiprocessing also re-runs the program's main module in each worker (as
    `__mp_main__`), so a main module should import what only the parent needs lazily
    (bench.crawl does); preloading it under its own name would make runpy warn on stderr."""
    return ["__main__", *WORKER_MODULES]


# ----- inside a worker ---------------------------------------------------------------------

_TIME_LIMIT = 0.0
# How long past its time limit a task may run before the watchdog ends the worker.
BACKSTOP_SECONDS = 5.0
_backstop_at: float | None = None  # when the running task's backstop fires (monotonic)


def init_worker(crawl_pid: int, memory_mb: int, time_limit: float) -> None:
    """The pool's initializer: runs once in every worker process."""
    global _TIME_LIMIT
    _TIME_LIMIT = time_limit
    threading.Thread(target=_die_with, args=(crawl_pid,), daemon=True).start()
    if time_limit > 0:
        threading.Thread(target=_watchdog, daemon=True).start()
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _die_with(crawl_pid: int) -> None:
    """Wait until the crawl process is gone, then take the forkserver (our parent) and this
    worker down with it."""
    try:
        handle = os.pidfd_open(crawl_pid)  # Linux ≥ 5.3: readable once the process exits
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(crawl_pid):
            time.sleep(1.0)
    parent = os.getppid()
    if parent not in (1, crawl_pid):
        os.kill(parent, signal.SIGKILL)  # the forkserver
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watchdog() -> None:
    """End this worker when a task runs BACKSTOP_SECONDS past its time limit. SIGALRM's
    handler runs only between Python bytecodes, so a document stuck inside C code (PDFium's
    calls release the GIL, so this thread still runs) never sees the alarm. The pool breaks;
    the crawl context starts a new one, as after any dead worker, and the documents in flight
    are stored as unfinished and fetched again by the next run."""
    while True:
        time.sleep(1.0)
        deadline = _backstop_at
        if deadline is not None and time.monotonic() > deadline:
            os.kill(os.getpid(), signal.SIGKILL)


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractTimeout(f"took longer than {_TIME_LIMIT:.0f} s: refused")


def _limited(func: Callable[..., T], args: tuple, kwargs: dict) -> T:
    """`func` under the time limit (SIGALRM; tasks run in the worker's main thread)."""
    global _backstop_at
    if _TIME_LIMIT <= 0:
        return func(*args, **kwargs)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, _TIME_LIMIT)
    _backstop_at = time.monotonic() + _TIME_LIMIT + BACKSTOP_SECONDS
    try:
        return func(*args, **kwargs)
    finally:
        _backstop_at = None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
