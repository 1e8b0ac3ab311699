"""Dynamic batching with round-robin fairness across owners. Stdlib only.

Items wait in one FIFO per owner. The next batch is led by the owner whose turn it is: its oldest
item fixes the batch key, and compatible items (same key) are then taken one per owner in turn,
starting with the leader, up to the key's size limit. A batch is released when it is full or
`max_wait_s` after its leading item arrived, whichever comes first; the leader then moves to the
back of the line. So one owner with fifty queued items delays another's single item by at most
one batch, and items with different keys never share a batch.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["DynamicBatcher"]

T = TypeVar("T")


@dataclass(eq=False)
class _Entry(Generic[T]):
    item: T
    key: Hashable
    owner: str
    arrived: float = field(default=0.0)


class DynamicBatcher(Generic[T]):
    """A thread-safe queue that hands out batches of compatible items, fairly across owners."""

    def __init__(
        self,
        *,
        max_batch: Callable[[Hashable], int],
        max_wait_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._clock = clock
        self._cond = threading.Condition()
        # Insertion order of this dict is the round-robin order; the first owner leads next.
        self._queues: dict[str, deque[_Entry[T]]] = {}
        self._closed = False

    def __len__(self) -> int:
        with self._cond:
            return sum(len(queue) for queue in self._queues.values())

    def put(self, item: T, *, key: Hashable, owner: str) -> bool:
        """Queue `item`; False (and nothing queued) once the batcher is closed."""
        with self._cond:
            if self._closed:
                return False
            entry = _Entry(item, key, owner, self._clock())
            self._queues.setdefault(owner, deque()).append(entry)
            self._cond.notify_all()
            return True

    def discard(self, item: T) -> bool:
        """Remove a queued item (compared by identity); False if it is not queued."""
        with self._cond:
            for owner, queue in self._queues.items():
                for entry in queue:
                    if entry.item is item:
                        queue.remove(entry)
                        if not queue:
                            del self._queues[owner]
                        self._cond.notify_all()
                        return True
            return False

    def next_batch(self, timeout: float | None = None) -> list[T] | None:
        """Block until a batch is due and return it; None when closed or after `timeout`."""
        give_up = None if timeout is None else self._clock() + timeout
        with self._cond:
            while not self._closed:
                wait = None
                if self._queues:
                    leader = next(iter(self._queues))
                    head = self._queues[leader][0]
                    batch = self._gather(head.key)
                    due = head.arrived + self._max_wait_s
                    if len(batch) >= self._max_batch(head.key) or self._clock() >= due:
                        self._take(leader, batch)
                        return [entry.item for entry in batch]
                    wait = due - self._clock()
                if give_up is not None:
                    left = give_up - self._clock()
                    if left <= 0:
                        return None
                    wait = left if wait is None else min(wait, left)
                self._cond.wait(wait)
            return None

    def close(self) -> list[T]:
        """Stop handing out batches; return the items still queued, for the caller to fail."""
        with self._cond:
            self._closed = True
            left = [entry.item for queue in self._queues.values() for entry in queue]
            self._queues.clear()
            self._cond.notify_all()
            return left

    def _gather(self, key: Hashable) -> list[_Entry[T]]:
        limit = self._max_batch(key)
        matching = [[e for e in queue if e.key == key] for queue in self._queues.values()]
        batch: list[_Entry[T]] = []
        for turn in range(limit):
            for entries in matching:
                if turn < len(entries) and len(batch) < limit:
                    batch.append(entries[turn])
        return batch

    def _take(self, leader: str, batch: list[_Entry[T]]) -> None:
        for entry in batch:
            self._queues[entry.owner].remove(entry)
        # Rotate the leader to the back, then drop owners with nothing left.
        self._queues[leader] = self._queues.pop(leader)
        for owner in [owner for owner, queue in self._queues.items() if not queue]:
            del self._queues[owner]
