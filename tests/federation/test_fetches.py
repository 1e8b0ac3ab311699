"""The fetch pool's budgets: one fetch per document, a few per host, a bounded table, and failures
remembered for a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from fedi.services.federation import fetches
from fedi.services.federation.fetches import Fetches, FetchLimits, FetchPending, RemoteError


@pytest.fixture
def pool() -> Iterator[Fetches]:
    pool = Fetches(FetchLimits(workers=8, per_host=2, failure_ttl_s=0.3))
    yield pool
    pool.close()


def _blocked(gate: threading.Event, calls: list[str], name: str) -> str:
    calls.append(name)
    gate.wait(5)
    return name


def test_a_document_being_fetched_is_fetched_once_however_many_ask(pool: Fetches) -> None:
    gate, calls = threading.Event(), []
    futures = [pool.start("actor:a", "a.test", lambda: _blocked(gate, calls, "a")) for _ in range(20)]
    assert all(f is futures[0] for f in futures)
    gate.set()
    assert futures[0].result(5) == "a"
    assert calls == ["a"]
    assert pool.running() == 0


def test_a_host_gets_a_few_fetches_at_once_and_other_hosts_are_not_held_up(pool: Fetches) -> None:
    gate, calls = threading.Event(), []
    slow = [pool.start(f"actor:{n}", "slow.test", lambda n=n: _blocked(gate, calls, n)) for n in ("1", "2")]
    with pytest.raises(RemoteError) as refused:
        pool.start("actor:3", "slow.test", lambda: "never")
    assert refused.value.temporary and "slow.test" in refused.value.message
    # Another host is served at once, while slow.test's two fetches hang.
    assert pool.start("actor:x", "fast.test", lambda: "x").result(2) == "x"
    gate.set()
    assert [f.result(5) for f in slow] == ["1", "2"]
    assert pool.start("actor:3", "slow.test", lambda: "3").result(2) == "3"


def test_the_table_of_fetches_in_flight_is_bounded(pool: Fetches, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetches, "MAX_PENDING", 5)
    gate, calls = threading.Event(), []
    started = [pool.start(f"k{n}", f"h{n}.test", lambda n=n: _blocked(gate, calls, str(n))) for n in range(5)]
    with pytest.raises(RemoteError, match="too many remote fetches"):
        pool.start("k5", "h5.test", lambda: "never")
    assert pool.running() == 5
    gate.set()
    for future in started:
        future.result(5)
    assert pool.running() == 0


def test_a_failed_fetch_is_not_tried_again_until_its_failure_is_forgotten(pool: Fetches) -> None:
    calls: list[str] = []

    def failing() -> str:
        calls.append("try")
        raise RemoteError("gone", temporary=False)

    with pytest.raises(RemoteError, match="gone"):
        pool.start("actor:gone", "a.test", failing).result(2)
    for _ in range(5):
        with pytest.raises(RemoteError, match="gone"):
            pool.start("actor:gone", "a.test", failing)  # refused at once, no fetch
    assert calls == ["try"]
    time.sleep(0.35)  # failure_ttl_s
    with pytest.raises(RemoteError):
        pool.start("actor:gone", "a.test", failing).result(2)
    assert calls == ["try", "try"]


def test_an_unexpected_error_in_a_fetch_becomes_a_temporary_failure(pool: Fetches) -> None:
    def broken() -> str:
        raise KeyError("bug")

    future = pool.start("actor:b", "b.test", broken)
    with pytest.raises(RemoteError) as failed:
        future.result(2)
    assert failed.value.temporary


def test_waiting_gives_up_on_time_and_the_fetch_goes_on(pool: Fetches) -> None:
    gate, calls = threading.Event(), []
    future = pool.start("actor:w", "w.test", lambda: _blocked(gate, calls, "w"))
    started = time.monotonic()
    with pytest.raises(FetchPending) as pending:
        fetches.wait(future, 0.2)
    assert time.monotonic() - started < 1
    assert pending.value.future is future
    gate.set()
    assert future.result(5) == "w"
