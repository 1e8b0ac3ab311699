"""The Redis job queue keeps a job until its worker is done with it, and gives the jobs of a
consumer that died back to the others (fedi/jobs/reliable.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fedi.jobs.reliable import ReliableRedisStorage, connection_pool
from tests.support import redis as redis_support


@pytest.fixture
def queue_name() -> Iterator[str]:
    url = redis_support.service_url()
    name = redis_support.unique_name()
    yield name
    redis_support.forget(url, f"huey.*{name}*")


def _storage(name: str, process: str) -> ReliableRedisStorage:
    storage = ReliableRedisStorage(name, connection_pool=connection_pool(redis_support.SERVICE_URL))
    # Two storages in one test process stand for two consumer processes.
    storage.processing_key = storage.processing_prefix + process
    storage.alive_key = storage.alive_prefix + process
    return storage


def test_a_taken_job_stays_until_its_worker_asks_for_the_next(queue_name: str) -> None:
    worker = _storage(queue_name, "one")
    worker.enqueue(b"job-1")
    worker.enqueue(b"job-2")
    assert worker.dequeue() == b"job-1"
    assert worker.conn.lrange(worker.processing_key, 0, -1) == [b"job-1"]
    assert worker.dequeue() == b"job-2"  # job-1 is over: forgotten
    assert worker.conn.lrange(worker.processing_key, 0, -1) == [b"job-2"]
    worker.finish_current()
    assert worker.conn.llen(worker.processing_key) == 0
    worker.stop_heartbeat()


def test_the_jobs_of_a_dead_consumer_go_back_to_the_queue_first(queue_name: str) -> None:
    dead, alive = _storage(queue_name, "dead"), _storage(queue_name, "alive")
    for job in (b"a", b"b", b"c"):
        dead.enqueue(job)
    assert dead.dequeue() == b"a"
    dead.stop_heartbeat()  # kill -9: the heartbeat key is gone (here at once, not after its TTL)
    dead.conn.delete(dead.alive_key)
    reclaimed: list[str] = []
    alive.on_reclaimed = reclaimed.append
    alive.conn.set(alive.alive_key, b"1", ex=10)
    assert alive.reclaim_dead() == 1
    assert reclaimed == ["dead"]
    assert alive.dequeue() == b"a"  # the lost job runs before the ones still waiting
    assert alive.dequeue() == b"b"
    # A consumer whose heartbeat is alive keeps its jobs.
    assert alive.reclaim_dead() == 0
    assert alive.conn.lrange(alive.processing_key, 0, -1) == [b"b"]
    alive.stop_heartbeat()
