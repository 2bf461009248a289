"""The Redis pieces of distributed crawling, against the machine's Redis (and PostgreSQL for
the lock per run): run keys and their removal, the per-site token shared by workers, counters
summed over workers, when a run is quiet, and who may join or wind up a run."""

from __future__ import annotations

import threading
import time
import warnings
from collections import Counter
from pathlib import Path

import pytest

from crawler.distributed import run as shared
from crawler.distributed.coordinator import require_postgres
from crawler.distributed.keys import RunKeys, current_key, remove_run, site_key
from crawler.distributed.ratelimit import SiteTokens
from storage.db import StorageError
from storage.lock import run_lock
from tests.cli import run_cli
from tests.pg import fresh_database
from tests.redis import REDIS_URL, redis_prefix


def test_a_runs_keys_are_its_own_and_all_go_when_it_ends() -> None:
    with redis_prefix("keys") as (r, prefix):
        mine, other = RunKeys("run-a", prefix), RunKeys("run-b", prefix)
        for keys in (mine, other):
            shared.publish(r, keys, {"crawl_id": keys.crawl_id, "seeds": [], "settings": {}})
            r.zadd(keys.queue, {"req": 0})
            r.sadd(keys.dupefilter, "fp")
            r.hset(keys.stats, "1|pages", 3)
        assert len(set(mine.all())) == len(mine.all())
        assert not set(mine.all()) & set(other.all())
        assert shared.current_run(r, prefix) == "run-b"  # the last one published
        remove_run(r, mine)
        assert not any(r.exists(k) for k in mine.all())
        assert r.exists(other.queue) and r.exists(other.dupefilter)
        assert shared.current_run(r, prefix) == "run-b"  # not this run's pointer: kept
        remove_run(r, other)
        assert not r.exists(current_key(prefix))
        assert list(r.scan_iter(match=f"{prefix}:*")) == []


def test_site_token_lets_one_request_per_interval_through_across_workers() -> None:
    """Six 'workers' (threads, each its own connection) hammer one host's token for 1.2 s."""
    interval, window = 0.1, 1.2
    with redis_prefix("tokens") as (r, prefix):
        taken: list[float] = []
        stop = time.monotonic() + window

        def worker() -> None:
            tokens = SiteTokens(r.__class__.from_url("redis://127.0.0.1:6379/0"), interval, prefix)
            while time.monotonic() < stop:
                if tokens.take("www.a.gov.cn") == 0:
                    taken.append(time.monotonic())
                else:
                    time.sleep(0.002)  # busy-poll on purpose: the worst case for the token

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # At most one take per interval (plus the first), and the token does not starve.
        assert len(taken) <= window / interval + 1
        assert len(taken) >= window / interval * 0.6
        # Another host is independent; the key frees itself.
        assert SiteTokens(r, interval, prefix).take("www.b.gov.cn") == 0
        assert 0 < r.pttl(site_key("www.b.gov.cn", prefix)) <= interval * 1000


def test_site_token_says_how_long_to_wait() -> None:
    with redis_prefix("wait") as (r, prefix):
        tokens = SiteTokens(r, 0.5, prefix)
        assert tokens.take("h") == 0
        left = tokens.take("h")
        assert 0.3 < left <= 0.5
        with pytest.raises(ValueError):
            SiteTokens(r, 0, prefix)


def test_counters_are_summed_over_workers_without_double_counting() -> None:
    with redis_prefix("stats") as (r, prefix):
        keys = RunKeys("run", prefix)
        one, two = shared.StatsPusher(r, keys), shared.StatsPusher(r, keys)
        stats_one = {"110101": Counter(pages=3, responses=4)}
        one.push(stats_one, {"110101": "trs"})
        stats_one["110101"]["pages"] += 2  # grows between pushes: only the growth is added
        one.push(stats_one, {})
        one.push(stats_one, {})
        two.push({"110101": Counter(pages=1), "110102": Counter(failed=1)}, {"110101": "vsb"})
        stats, cms = shared.summed_stats(r, keys)
        assert stats == {
            "110101": Counter(pages=6, responses=4),
            "110102": Counter(failed=1),
        }
        assert cms == {"110101": "trs"}  # the first worker's verdict stays


def test_a_run_is_quiet_only_when_seeded_empty_and_nobody_busy() -> None:
    with redis_prefix("quiet") as (r, prefix):
        keys = RunKeys("run", prefix)
        now = shared.server_time(r)
        assert not shared.quiet(r, keys, now)  # not seeded yet
        r.set(keys.seeded, "1")
        assert shared.quiet(r, keys, now)
        r.zadd(keys.queue, {"req": 0})
        assert not shared.quiet(r, keys, now)
        r.delete(keys.queue)
        now = shared.heartbeat(r, keys, "w1", True, {"host": "a", "pid": 1})
        assert not shared.quiet(r, keys, now, 10)  # w1 may still enqueue what it is parsing
        assert not shared.quiet(r, keys, now + 9, 10)  # stalled (a long parse): still busy
        assert shared.quiet(r, keys, now + 10.1, 10)  # silent too long: dead
        shared.heartbeat(r, keys, "w1", False, {"host": "a", "pid": 1})
        assert shared.quiet(r, keys, now, 10)  # idle now
        shared.heartbeat(r, keys, "w2", False, {"host": "b", "pid": 2})
        shared.mark_done(r, keys, "w2", "finished")
        assert [(w["id"], w["ended"]) for w in shared.worker_summary(r, keys)] == [
            ("w1", "lost"),
            ("w2", "finished"),
        ]


def test_idle_clock_needs_an_unbroken_quiet_spell() -> None:
    clock = shared.IdleClock(timeout=2)
    assert not clock.over(True, 100)
    assert not clock.over(True, 101)
    assert not clock.over(False, 101.5)  # a worker picked something up: start again
    assert not clock.over(True, 102)
    assert clock.over(True, 104)


def test_run_opens_only_with_a_live_coordinator() -> None:
    with redis_prefix("open") as (r, prefix):
        keys = RunKeys("run", prefix)
        assert not shared.run_open(r, keys)
        shared.publish(r, keys, {"crawl_id": "run", "seeds": [], "settings": {}})
        assert shared.run_open(r, keys)
        assert shared.load_config(r, keys) == {"crawl_id": "run", "seeds": [], "settings": {}}
        r.delete(keys.coordinator)  # the coordinator died: its key expired
        assert not shared.run_open(r, keys)
        r.set(keys.coordinator, "alive")
        r.set(keys.state, "closing")
        assert not shared.run_open(r, keys)


def test_unreachable_redis_is_a_one_line_error() -> None:
    with pytest.raises(shared.RedisUnavailable, match=r"127\.0\.0\.1:1"):
        shared.redis_for("redis://127.0.0.1:1/0")


def test_lock_per_run_workers_share_it_the_coordinator_waits_for_them() -> None:
    with fresh_database("runlock") as db:
        w1, w2 = run_lock(db, "run-1"), run_lock(db, "run-1")
        coordinator = run_lock(db, "run-1")
        assert w1.try_acquire(shared=True) and w2.try_acquire(shared=True)
        assert not coordinator.try_acquire()  # workers are still in the run
        assert run_lock(db, "run-2").try_acquire()  # another run is another lock
        w1.release()
        assert not coordinator.try_acquire()
        w2.release()  # (a killed worker's session ends the same way)
        assert coordinator.try_acquire()
        late = run_lock(db, "run-1")
        assert not late.try_acquire(shared=True)  # the run is being wound up: too late to join
        coordinator.release()


def test_distributed_mode_refuses_sqlite_and_says_why() -> None:
    with pytest.raises(StorageError, match=r"PostgreSQL.*SQLite"):
        require_postgres("sqlite:///data/archive.sqlite")
    assert require_postgres("postgresql+psycopg://u@h/db").startswith("postgresql")


def test_cli_refuses_sqlite_in_distributed_mode_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    crawl = run_cli(
        "crawl", "--redis", REDIS_URL, "--db", f"sqlite:///{db}", "--archive", str(tmp_path / "w"),
    )  # fmt: skip
    worker = run_cli("worker", "--redis", REDIS_URL, "--db", f"sqlite:///{db}", "--wait", "1")
    for result in (crawl, worker):
        assert result.returncode == 2, result.stderr
        assert "PostgreSQL" in result.stderr and "SQLite" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists() and not (tmp_path / "w").exists()
    no_redis = run_cli("worker", "--redis", "redis://127.0.0.1:1/0", "--db", "postgresql://u@h/d")
    assert no_redis.returncode == 2 and "cannot reach Redis" in no_redis.stderr


def test_requests_cross_redis_whole_and_the_known_deprecations_show(tmp_path: Path) -> None:
    """A request put in the shared queue by one process comes out of it in another with its
    callback, errback and meta; the fingerprint set refuses it a second time. scrapy-redis
    0.9.1 calls Scrapy APIs that Scrapy 2.19 deprecates: they are asserted here, so an upgrade
    that turns them into errors (or removes them) fails this test."""
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy.http import Request
    from scrapy.utils.test import get_crawler

    from crawler.distributed.scheduler import WorkerScheduler
    from crawler.distributed.worker import WorkerSpider, write_seeds

    sites = tmp_path / "sites.csv"
    write_seeds([{"code": "110101", "name": "东城区", "host": "www.a.gov.cn", "url": ""}], sites)
    with redis_prefix("queue") as (_r, prefix):
        keys = RunKeys("run", prefix)
        settings = {
            "REDIS_URL": REDIS_URL,
            "SCHEDULER_QUEUE_KEY": keys.queue,
            "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,
        }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            seeder, taker = (get_crawler(WorkerSpider, settings) for _ in range(2))
            spiders = [WorkerSpider.from_crawler(c, sites=str(sites)) for c in (seeder, taker)]
            put, take = (WorkerScheduler.from_crawler(c) for c in (seeder, taker))
            put.open(spiders[0])
            meta = {"site": "110101", "role": "list", "hops": 2, "hanweb": {"per_page": 15}}
            request = Request(
                "http://www.a.gov.cn/col/1.html",
                callback=spiders[0].parse,
                errback=spiders[0].on_error,
                priority=10,
                meta=meta,
            )
            assert put.enqueue_request(request)
            assert not put.enqueue_request(request.replace())  # a fingerprint per run
            take.open(spiders[1])
            got = take.next_request()
            put.close("finished")
            take.close("finished")
        assert got is not None and got.url == request.url
        assert got.callback == spiders[1].parse and got.errback == spiders[1].on_error
        assert got.meta == meta and got.priority == 10
    deprecations = [w for w in caught if issubclass(w.category, ScrapyDeprecationWarning)]
    messages = {str(w.message).split(" is deprecated")[0] for w in deprecations}
    assert "Spider.log()" in messages
    assert any("inc_value" in m for m in messages), messages
