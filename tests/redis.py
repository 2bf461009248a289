"""Redis for tests (127.0.0.1:6379): a client and a key prefix of the test's own.

Skips with a reason when the server is absent, but fails when CI sets
GOV_REPORTS_REQUIRE_SERVICES=1. Every key under the prefix is deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from tests.required import missing

REDIS_URL = "redis://127.0.0.1:6379/0"


@contextmanager
def redis_prefix(name: str) -> Iterator[tuple[Any, str]]:
    """(client, unique key prefix); the prefix's keys are removed on exit."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing(
            f"Redis at 127.0.0.1:6379 unavailable: {type(exc).__name__}",
            required=f"Redis at 127.0.0.1:6379 is required but unavailable: {exc}",
        )
    prefix = f"test-{name}-{uuid.uuid4().hex[:10]}"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
