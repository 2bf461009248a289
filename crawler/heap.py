"""The crawl process's cyclic garbage collector: the start-up heap frozen, young objects
collected less often.

By the time the spider opens, the process holds every module it imports (Scrapy, Twisted,
SQLAlchemy, lxml, the parser's tables) and the crawl's settings and components: objects that
live as long as the crawl. CPython's full (generation 2) collections walked all of them again,
~120 ms each, about once every 270 pages at 200 sites. `gc.freeze()` moves what exists at the
spider's start to a permanent generation the collector skips; objects made later are
collected as before, and frozen ones are still freed when their last reference goes (only a
cycle among them would wait for `thaw`). A collection first keeps start-up garbage out.

The youngest generation is collected after YOUNG_THRESHOLD allocations instead of CPython's
700: a crawl makes ~300 container objects a page, so the default collected every two or three
pages, each time walking the requests, responses and deferreds in flight. Little of a crawl's
garbage is cyclic (Twisted makes a class per connection; pages no longer are, see the
spider's page selector), so collecting it later holds little memory: the 200-site benchmark's
peak RSS stayed at 265-267 MB with thresholds from 2,000 to 20,000 (docs/benchmarks.md,
"Seventh round").
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
_saved: tuple[int, int, int] | None = None


def freeze() -> None:
    """Collect once, keep every object alive now out of later collections, and collect the
    youngest generation less often (until `thaw`)."""
    global _saved
    gc.collect()
    gc.freeze()
    if _saved is None:
        _saved = gc.get_threshold()
        if _saved[0] > 0:  # 0: automatic collection turned off, and left off
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])


def thaw() -> None:
    """Give the frozen objects back to the collector and its thresholds back (the crawl is
    over)."""
    global _saved
    gc.unfreeze()
    if _saved is not None:
        gc.set_threshold(*_saved)
        _saved = None
