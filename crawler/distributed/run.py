"""The shared state of a distributed run in Redis, without Scrapy: configuration, workers'
heartbeats and busy marks, counters summed over workers, and when the run is over.

The run is over when its seeds are in, the shared queue is empty and no live worker has said
it has work in progress, without a break for the idle timeout: a worker that is still parsing
a page may yet enqueue more, so an empty queue alone proves nothing. Each worker states busy
or idle every tick; a worker that stays busy while its process is stalled (a long parse) still
counts as busy, until it has been silent for the worker timeout: then it is taken for dead
(SIGKILL, a lost machine). Its in-flight requests are lost to this run and recovered by the
next one (their pages have no due time until an item is stored, crawler.schedule).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crawler.distributed.keys import RunKeys, current_key

DEFAULT_WORKER_TIMEOUT = 60.0  # a worker silent this long is dead
HEARTBEAT_TTL_MS = 15_000  # the coordinator key outlives a few missed ticks, not a dead process


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached; the message names the URL."""


def redis_for(url: str) -> Any:
    """A client for `url`, checked with a PING (a bad URL fails here, not mid-crawl)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url!r}: {exc}") from exc
    return client


def server_time(redis: Any) -> float:
    """Redis' clock: workers' clocks may disagree, the server's is the one they share."""
    seconds, micros = redis.time()
    return seconds + micros / 1e6


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# -- configuration ------------------------------------------------------------------------------
def publish(redis: Any, keys: RunKeys, config: dict[str, Any]) -> None:
    """Open the run: its configuration, state `open`, and the `current` pointer to it."""
    pipe = redis.pipeline()
    pipe.set(keys.config, json.dumps(config, ensure_ascii=False))
    pipe.set(keys.state, "open")
    pipe.set(keys.coordinator, "alive", px=HEARTBEAT_TTL_MS)
    pipe.set(current_key(keys.prefix), keys.crawl_id)
    pipe.execute()


def current_run(redis: Any, prefix: str) -> str | None:
    value = redis.get(current_key(prefix))
    return value.decode() if isinstance(value, bytes) else value


def load_config(redis: Any, keys: RunKeys) -> dict[str, Any] | None:
    raw = redis.get(keys.config)
    return json.loads(raw) if raw else None


def run_open(redis: Any, keys: RunKeys) -> bool:
    """Workers may work: state `open` and the coordinator alive."""
    state = redis.get(keys.state)
    return state in (b"open", "open") and bool(redis.exists(keys.coordinator))


# -- workers -------------------------------------------------------------------------------------
def heartbeat(redis: Any, keys: RunKeys, worker: str, busy: bool, info: dict[str, Any]) -> float:
    """Record that `worker` is alive and whether it has work in progress; the server time."""
    now = server_time(redis)
    redis.hset(keys.workers, worker, json.dumps({**info, "seen": now, "busy": busy}))
    return now


def busy_workers(redis: Any, keys: RunKeys, now: float, timeout: float) -> int:
    """Workers that said they are busy and were heard from within `timeout` seconds."""
    count = 0
    for raw in redis.hvals(keys.workers):
        state = json.loads(raw)
        count += bool(state.get("busy")) and state.get("seen", 0) > now - timeout
    return count


def queue_length(redis: Any, keys: RunKeys) -> int:
    return int(redis.zcard(keys.queue))


def quiet(redis: Any, keys: RunKeys, now: float, timeout: float = DEFAULT_WORKER_TIMEOUT) -> bool:
    """Seeded, nothing queued and no live worker working right now."""
    return (
        bool(redis.exists(keys.seeded))
        and queue_length(redis, keys) == 0
        and busy_workers(redis, keys, now, timeout) == 0
    )


@dataclass
class IdleClock:
    """How long the run has been quiet without a break; over once that reaches the timeout."""

    timeout: float
    since: float | None = None

    def over(self, is_quiet: bool, now: float) -> bool:
        if not is_quiet:
            self.since = None
            return False
        if self.since is None:
            self.since = now
        return now - self.since >= self.timeout


def mark_done(redis: Any, keys: RunKeys, worker: str, reason: str) -> None:
    redis.hset(keys.done, worker, reason)


def worker_summary(redis: Any, keys: RunKeys) -> list[dict[str, Any]]:
    """Every worker that joined: host, pid, and how it ended (`lost` if it never said)."""
    done = {_s(k): _s(v) for k, v in redis.hgetall(keys.done).items()}
    out = []
    for wid, raw in sorted(redis.hgetall(keys.workers).items()):
        wid = _s(wid)
        info = json.loads(raw)
        info.pop("busy", None)
        out.append({"id": wid, **info, "ended": done.get(wid, "lost")})
    return out


# -- counters summed over workers ---------------------------------------------------------------
@dataclass
class StatsPusher:
    """Push the growth of a process's per-site counters into the run's shared hash."""

    redis: Any
    keys: RunKeys
    sent: dict[tuple[str, str], int] = field(default_factory=dict)

    def push(self, site_stats: dict[str, Counter[str]], site_cms: dict[str, str]) -> None:
        pipe = self.redis.pipeline()
        for code, counter in list(site_stats.items()):
            for name, value in list(counter.items()):
                delta = value - self.sent.get((code, name), 0)
                if delta:
                    pipe.hincrby(self.keys.stats, f"{code}|{name}", delta)
                    self.sent[(code, name)] = value
        for code, cms in list(site_cms.items()):
            pipe.hsetnx(self.keys.cms, code, cms)
        pipe.execute()


def summed_stats(redis: Any, keys: RunKeys) -> tuple[dict[str, Counter[str]], dict[str, str]]:
    """Per-site counters summed over every worker, and the CMS each site was found to run."""
    stats: dict[str, Counter[str]] = {}
    for field_, value in redis.hgetall(keys.stats).items():
        code, _, name = _s(field_).partition("|")
        stats.setdefault(code, Counter())[name] += int(value)
    cms = {_s(k): _s(v) for k, v in redis.hgetall(keys.cms).items()}
    return stats, cms


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
