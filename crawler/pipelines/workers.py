"""Run CPU work (extraction, parsing) in the crawl context's process pool, beside the reactor.

The pool belongs to the crawl context (crawler.context); GOV_REPORTS_EXTRACT_WORKERS sets its
size (default: CPU count, at most 4; 0 = everything in-process). Each worker is bounded by
`parsers.limits`: it dies with the crawl (a `kill -9` of the crawl would otherwise leave the
forkserver and its workers, ~230 MB, waiting on each other for good), its address space is
capped (GOV_REPORTS_WORKER_MEMORY_MB), and every task has a time limit
(GOV_REPORTS_EXTRACT_TIMEOUT), past which a document stuck in C code ends its worker (the
context starts a new pool, and the documents in flight are stored as unfinished).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import suppress
from typing import Any, NamedTuple, TypeVar

from parsers.ingest import Ingested, ingest
from parsers.limits import run_limited
from storage.fulltext import Ranking, entry_content, entry_index
from storage.records import ReportRows, report_rows

T = TypeVar("T")


class Prepared(NamedTuple):
    """A report's rows, ready for the store stage: the (content, terms, ranking) of the
    full-text entry its document gets if stored with this version (the terms cost the crawl
    process ~0.5 ms a page in the store's refresh, the ranking's runs,
    `storage.fulltext.entry_runs`, ~2% of its CPU), and its version's cells, checks and
    hazards as tuples (`storage.records.report_rows`: 0.7 M of the 4.0 M instructions a
    report cost there)."""

    fulltext: tuple[str, str, Ranking]
    rows: ReportRows


def abandon_broken(pool: ProcessPoolExecutor, wait: float = 10.0) -> None:
    """Let a broken pool go: kill the workers it has left, let its manager thread end, and
    fail the futures it left pending.

    The manager thread fails the pending futures, terminates the workers and joins them. But
    CPython 3.11's `terminate_broken` marks the pool broken without the lock `submit` holds:
    a task submitted meanwhile gets a fresh worker that is never terminated (idle, waiting for
    a task for ever, so the join never ends) and a future that is never failed. Waiting for
    that pool (`shutdown(wait=True)`) hung the crawl's reactor thread, 1 run in 3-5 with
    workers that could not allocate. The private fields read here are the ones the manager
    thread uses; the futures are failed only once it has ended, so that no future is set
    twice."""
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import BrokenProcessPool

    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive():
            process.kill()
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(wait)  # it ends once it has joined the workers just killed
    if manager is None or not manager.is_alive():
        broken = BrokenProcessPool("the extraction pool broke before this task started")
        for work in list(getattr(pool, "_pending_work_items", {}).values()):
            with suppress(InvalidStateError):  # it finished or failed already
                work.future.set_exception(broken)
    pool.shutdown(wait=False)


async def run(pool: Executor | None, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`func(*args, **kwargs)` in the pool (awaited on the asyncio reactor), or inline without
    a pool. In the pool it runs under the worker's time limit."""
    if pool is None:
        return func(*args, **kwargs)
    return await asyncio.wrap_future(pool.submit(run_limited, func, args, kwargs))


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
    terms, ranking = entry_index(content, postgres=postgres)
    return ingested, Prepared((content, terms, ranking), rows)


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
