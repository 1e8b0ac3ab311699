"""Per-host budgets: how much one remote server may ask of us per minute.

Counted with `limits` (in memory, or in Redis when streaming uses Redis, so that every process of
an instance shares the count). A budget of 0 is no budget.

- Inbox POSTs per host per minute, counted once the signature is verified (a forger cannot
  spend another server's budget): over it, 429 with Retry-After.
- Accounts newly created per host per minute: a server cannot fill the accounts table with
  throw-away actors faster than this; the activities that named them are retried later.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter

from fedi.config import Settings
from fedi.security.counters import thread_counter_storage


class HostBudgets:
    def __init__(self, settings: Settings) -> None:
        federation = settings.federation
        self._limiter = FixedWindowRateLimiter(thread_counter_storage(settings))
        self._inbox = _per_minute(federation.inbox_posts_per_host_per_minute)
        self._actors = _per_minute(federation.new_actors_per_host_per_minute)

    def inbox_post(self, host: str) -> int | None:
        """Count one accepted POST from `host`; None while within budget, else the seconds to
        wait before the next one is taken (Retry-After)."""
        if self._inbox is None or self._limiter.hit(self._inbox, "inbox", host):
            return None
        reset = self._limiter.get_window_stats(self._inbox, "inbox", host).reset_time
        return max(math.ceil(reset - time.time()), 1)

    def new_actor(self, host: str) -> bool:
        """Whether one more account from `host` may be created now (and count it)."""
        return self._actors is None or self._limiter.hit(self._actors, "new-actor", host)


def _per_minute(amount: int) -> RateLimitItem | None:
    return RateLimitItemPerMinute(amount) if amount > 0 else None
