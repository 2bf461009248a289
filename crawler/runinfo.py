"""The crawl id shared by the WARC middleware, the pipelines and the run report."""

from __future__ import annotations

import uuid
import weakref
from datetime import UTC, datetime
from typing import Any

_IDS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def new_crawl_id() -> str:
    """Sortable and unique: `YYYYMMDDTHHMMSSZ-<8 hex>`."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def crawl_id_for(crawler: Any) -> str:
    """`GOV_REPORTS_CRAWL_ID` if set, else one generated id per crawler."""
    configured = crawler.settings.get("GOV_REPORTS_CRAWL_ID")
    if configured:
        return str(configured)
    if crawler not in _IDS:
        _IDS[crawler] = new_crawl_id()
    return _IDS[crawler]
