"""The Redis keys of a distributed crawl run: all under `<prefix>:run:<crawl id>:`, removed at
the end of the run, so a fingerprint set never outlives its run (the next run must fetch the
same URLs again to revalidate them).

Per-site politeness keys are not per run (`<prefix>:site:<host>`): they expire by themselves
after one interval, and two runs must not hit one site twice as hard either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PREFIX = "gov-reports"


@dataclass(frozen=True)
class RunKeys:
    crawl_id: str
    prefix: str = DEFAULT_PREFIX

    def _key(self, name: str) -> str:
        return f"{self.prefix}:run:{self.crawl_id}:{name}"

    @property
    def queue(self) -> str:
        """scrapy-redis priority queue (sorted set of serialized requests)."""
        return self._key("requests")

    @property
    def dupefilter(self) -> str:
        """scrapy-redis request fingerprints (set)."""
        return self._key("dupefilter")

    @property
    def config(self) -> str:
        """The run's configuration (JSON) that workers start from."""
        return self._key("config")

    @property
    def state(self) -> str:
        """`open` while workers may work, `closing` once the coordinator winds the run up."""
        return self._key("state")

    @property
    def coordinator(self) -> str:
        """Present while the coordinator is alive (expires a few seconds after it dies)."""
        return self._key("coordinator")

    @property
    def seeded(self) -> str:
        return self._key("seeded")

    @property
    def workers(self) -> str:
        """Hash worker id → JSON {host, pid, seen (Redis clock), busy}."""
        return self._key("workers")

    @property
    def done(self) -> str:
        """Hash worker id → why it closed (a worker killed with SIGKILL never gets here)."""
        return self._key("done")

    @property
    def stats(self) -> str:
        """Hash `<site code>|<counter>` → count, summed over workers."""
        return self._key("stats")

    @property
    def cms(self) -> str:
        """Hash site code → the CMS family a worker recognised."""
        return self._key("cms")

    def all(self) -> list[str]:
        return [
            self.queue,
            self.dupefilter,
            self.config,
            self.state,
            self.coordinator,
            self.seeded,
            self.workers,
            self.done,
            self.stats,
            self.cms,
        ]


def current_key(prefix: str = DEFAULT_PREFIX) -> str:
    """The crawl id of the run workers should join."""
    return f"{prefix}:current"


def site_key(host: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}:site:{host}"


def remove_run(redis: Any, keys: RunKeys) -> None:
    """Delete every key of the run, and the `current` pointer if it still names this run."""
    redis.delete(*keys.all())
    current = current_key(keys.prefix)
    if _text(redis.get(current)) == keys.crawl_id:
        redis.delete(current)


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value
