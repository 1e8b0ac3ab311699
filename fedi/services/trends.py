"""Trends, computed from recent public activity with an exponential time decay.

Statuses: public posts of the last 48 hours, scored by their favourites + twice the boosts + replies,
halved for every 6 hours of the post's age. Tags: each author using a tag in a public post of
the last 7 days adds 0.5^(hours since their latest use / 24), so a tag many people used today
outranks one a single author repeats, and yesterday's tags fade. Blocked and muted authors,
and statuses the viewer's `public` filters hide, are left out for that viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.models.filters import FilterContext
from fedi.models.statuses import Status, Tag
from fedi.services import filters
from fedi.store import relationships as relationship_store
from fedi.store import trends as store
from fedi.store.trends import Day
from fedi.store.views import StatusView, status_views

STATUS_WINDOW = timedelta(hours=48)
STATUS_HALF_LIFE_HOURS = 6.0
TAG_WINDOW = timedelta(days=7)
TAG_HALF_LIFE_HOURS = 24.0
CANDIDATES = 500
TAG_USES = 20_000


def _decay(age: timedelta, half_life_hours: float) -> float:
    return float(0.5 ** (max(age.total_seconds(), 0.0) / 3600 / half_life_hours))


def statuses(
    session: Session, viewer: Account | None, *, offset: int, limit: int, now: datetime | None = None
) -> list[StatusView]:
    moment = now or datetime.now(UTC)
    rows = store.interacted_statuses(session, moment - STATUS_WINDOW, limit=CANDIDATES)

    def score(status: Status) -> float:
        weight = status.favourites_count + 2 * status.reblogs_count + status.replies_count
        return weight * _decay(moment - status.created_at, STATUS_HALF_LIFE_HOURS)

    ranked = sorted(rows, key=score, reverse=True)
    if viewer is not None:
        hidden = relationship_store.blocked_or_muted_ids(session, viewer.id)
        ranked = [s for s in ranked if s.account_id not in hidden]
    views = status_views(session, ranked[offset : offset + limit], viewer)
    return filters.apply(session, viewer, views, FilterContext.PUBLIC)


@dataclass(frozen=True)
class TrendingTag:
    tag: Tag
    score: float
    history: list[Day]  # today first, seven days


def tags(session: Session, *, offset: int, limit: int, now: datetime | None = None) -> list[TrendingTag]:
    moment = now or datetime.now(UTC)
    uses = store.tag_uses(session, moment - TAG_WINDOW, limit=TAG_USES)
    latest: dict[tuple[int, int], datetime] = {}
    for tag_id, author_id, at in uses:
        latest.setdefault((tag_id, author_id), at)  # newest first: the first seen is the latest
    scores: dict[int, float] = {}
    for (tag_id, _), at in latest.items():
        scores[tag_id] = scores.get(tag_id, 0.0) + _decay(moment - at, TAG_HALF_LIFE_HOURS)
    chosen = sorted(scores, key=lambda t: scores[t], reverse=True)[offset : offset + limit]
    found = store.tags(session, chosen)
    today = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    wanted = set(chosen)
    counts: dict[tuple[int, int], int] = {}
    authors: dict[tuple[int, int], set[int]] = {}
    for tag_id, author_id, at in uses:
        back = (today - at.replace(hour=0, minute=0, second=0, microsecond=0)).days
        if tag_id in wanted and 0 <= back < 7:
            counts[tag_id, back] = counts.get((tag_id, back), 0) + 1
            authors.setdefault((tag_id, back), set()).add(author_id)
    return [
        TrendingTag(
            found[tag_id],
            scores[tag_id],
            [
                Day(today - timedelta(days=n), counts.get((tag_id, n), 0), len(authors.get((tag_id, n), ())))
                for n in range(7)
            ],
        )
        for tag_id in chosen
        if tag_id in found
    ]
