"""Trending tags, computed from recent public posts with an exponential time decay: each
author using a tag in a public post of the last 7 days adds 0.5^(hours since their latest use /
24), so a tag many people used today outranks one a single author repeats, and older uses fade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from fedi.models.statuses import Tag
from fedi.store import tag_trends as store
from fedi.store.tag_trends import Day

TAG_WINDOW = timedelta(days=7)
TAG_HALF_LIFE_HOURS = 24.0
TAG_USES = 20_000


def _decay(age: timedelta, half_life_hours: float) -> float:
    return float(0.5 ** (max(age.total_seconds(), 0.0) / 3600 / half_life_hours))


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
