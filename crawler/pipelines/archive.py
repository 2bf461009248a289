"""The database handle the pipelines share (one per crawler), opened and migrated on first use."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from storage.db import open_database

_HANDLES: weakref.WeakKeyDictionary[Any, sessionmaker[Session]] = weakref.WeakKeyDictionary()


def sessions_for(crawler: Any) -> sessionmaker[Session]:
    if crawler not in _HANDLES:
        _HANDLES[crawler] = open_database(crawler.settings.get("GOV_REPORTS_DB") or None)
    return _HANDLES[crawler]
