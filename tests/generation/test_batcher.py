"""The dynamic batcher alone: grouping, waiting, fairness, withdrawal (no torch)."""

from __future__ import annotations

import threading

from generation.batcher import DynamicBatcher


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _batcher(max_batch: int = 4, max_wait_s: float = 1.0) -> tuple[DynamicBatcher[str], Clock]:
    clock = Clock()
    return DynamicBatcher(max_batch=lambda key: max_batch, max_wait_s=max_wait_s, clock=clock), clock


def test_full_batch_is_released_at_once_and_keys_never_mix() -> None:
    batcher, _ = _batcher(max_batch=2)
    for item, key in [("a1", "64"), ("a2", "32"), ("a3", "64")]:
        batcher.put(item, key=key, owner="a")
    assert batcher.next_batch(timeout=0) == ["a1", "a3"]
    assert batcher.next_batch(timeout=0) is None  # "32" alone waits for company
    assert len(batcher) == 1


def test_partial_batch_is_released_after_max_wait() -> None:
    batcher, clock = _batcher(max_batch=8, max_wait_s=0.5)
    batcher.put("a1", key="k", owner="a")
    assert batcher.next_batch(timeout=0) is None
    clock.now = 0.5
    assert batcher.next_batch(timeout=0) == ["a1"]


def test_round_robin_across_owners() -> None:
    batcher, clock = _batcher(max_batch=2)
    for i in range(10):
        batcher.put(f"a{i}", key="k", owner="a")
    batcher.put("b0", key="k", owner="b")
    batcher.put("c0", key="other", owner="c")
    clock.now = 10.0
    batches = [batcher.next_batch(timeout=0) for _ in range(4)]
    assert batches == [["a0", "b0"], ["c0"], ["a1", "a2"], ["a3", "a4"]]


def test_discard_and_close() -> None:
    batcher, _clock = _batcher()
    batcher.put("a0", key="k", owner="a")
    batcher.put("a1", key="k", owner="a")
    assert batcher.discard("a0")
    assert not batcher.discard("a0")
    assert batcher.close() == ["a1"]
    assert batcher.put("a2", key="k", owner="a") is False
    assert batcher.next_batch() is None


def test_waiting_consumer_wakes_on_put() -> None:
    batcher: DynamicBatcher[str] = DynamicBatcher(max_batch=lambda key: 1, max_wait_s=60)
    got: list[list[str] | None] = []
    consumer = threading.Thread(target=lambda: got.append(batcher.next_batch(timeout=10)))
    consumer.start()
    batcher.put("x", key="k", owner="a")
    consumer.join(10)
    assert got == [["x"]]
