"""The process pool that extraction and parsing share (one per crawler).

Extraction (PDF layout analysis above all) and parsing are CPU work; in worker processes they
run beside the reactor, which keeps fetching. GOV_REPORTS_EXTRACT_WORKERS sets the size
(default: CPU count, at most 4; 0 = everything in-process).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import weakref
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_POOLS: weakref.WeakKeyDictionary[Any, Executor | None] = weakref.WeakKeyDictionary()


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def pool_for(crawler: Any) -> Executor | None:
    if crawler not in _POOLS:
        raw = crawler.settings.get("GOV_REPORTS_EXTRACT_WORKERS")
        workers = default_workers() if raw in (None, "") else int(raw)
        # forkserver: forking a process that runs a reactor and threads is unsafe.
        ctx = multiprocessing.get_context("forkserver")
        _POOLS[crawler] = (
            ProcessPoolExecutor(max_workers=workers, mp_context=ctx) if workers > 0 else None
        )
    return _POOLS[crawler]


async def run(crawler: Any, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in the pool (awaited on the asyncio reactor), or inline without a pool."""
    pool = pool_for(crawler)
    if pool is None:
        return func(*args)
    return await asyncio.wrap_future(pool.submit(func, *args))


def shutdown(crawler: Any) -> None:
    pool = _POOLS.pop(crawler, None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
