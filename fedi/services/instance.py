"""What the instance endpoints report: who runs it, how big it is, whom it knows.

Clients ask for the instance at every start; the counts are cached for a minute.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.store import instance as store

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Stats:
    user_count: int
    status_count: int
    domain_count: int
    active_month: int


class StatsCache:
    """The last counts and when they were made: one per runtime (`rt.instance_stats`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[float, Stats] | None = None

    def fresh(self) -> Stats | None:
        with self._lock:
            last = self._last
        if last is not None and time.monotonic() - last[0] < CACHE_SECONDS:
            return last[1]
        return None

    def keep(self, stats: Stats) -> None:
        with self._lock:
            self._last = (time.monotonic(), stats)


def stats(session: Session, cache: StatsCache) -> Stats:
    cached = cache.fresh()
    if cached is not None:
        return cached
    fresh = Stats(
        user_count=store.local_users(session),
        status_count=store.local_statuses(session),
        domain_count=len(store.known_domains(session)),
        active_month=store.active_local_authors(session, datetime.now(UTC) - timedelta(days=30)),
    )
    cache.keep(fresh)
    return fresh


WEEKS = 12


@dataclass(frozen=True)
class Week:
    start: datetime
    statuses: int
    logins: int
    registrations: int


def activity(session: Session, now: datetime | None = None) -> list[Week]:
    """The last twelve weeks (Monday to Monday, UTC), this one first, as Mastodon reports them:
    local posts (not boosts), sign-ups, and logins, counted as the people whose app tokens were
    issued or last used that week (a lower bound for earlier weeks: a token remembers only its
    latest use)."""
    today = (now or datetime.now(UTC)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    weeks = []
    for back in range(WEEKS):
        start = monday - timedelta(weeks=back)
        end = start + timedelta(weeks=1)
        weeks.append(
            Week(
                start,
                store.local_posts_between(session, start, end),
                store.users_with_tokens_between(session, start, end),
                store.registrations_between(session, start, end),
            )
        )
    return weeks


def contact(session: Session) -> Account | None:
    """The account people should write to: the first administrator's."""
    return store.first_admin(session)


def peers(session: Session) -> list[str]:
    return store.known_domains(session)
