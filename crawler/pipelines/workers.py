"""Run CPU work (extraction, parsing) in the crawl context's process pool, beside the reactor.

The pool belongs to the crawl context (crawler.context); GOV_REPORTS_EXTRACT_WORKERS sets its
size (default: CPU count, at most 4; 0 = everything in-process).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


async def run(pool: Executor | None, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`func(*args, **kwargs)` in the pool (awaited on the asyncio reactor), or inline."""
    if pool is None:
        return func(*args, **kwargs)
    return await asyncio.wrap_future(pool.submit(func, *args, **kwargs))
