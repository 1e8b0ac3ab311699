"""What is trending: posts ranked by recent favourites, boosts, replies and remixes.

Each interaction adds its weight to the post's score, and every score halves every
`HALF_LIFE` (exponential decay). Only posts from the last `WINDOW` take part.

    score(now) = sum over interactions i of weight(i) * 2 ** (-(now - t_i) / HALF_LIFE)

Kept incrementally and cheaply: each post stores log2 of the sum with every term measured
from a fixed epoch instead of from now, `key = log2(sum(weight(i) * 2 ** ((t_i - EPOCH) /
HALF_LIFE)))`. All scores decay by the same factor as time passes, so ordering by `key` is
ordering by the current score; an interaction updates one row (`key = log2(2**key + weight *
2**((t - EPOCH) / HALF_LIFE))`, computed without overflow), and the ranking is one walk of the
index on `key`. An hourly job forgets posts with no interaction within `WINDOW`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.store import statuses as status_store
from fedi.store import trends as store
from fedi.store.views import StatusView, status_views

HALF_LIFE = timedelta(hours=24)
WINDOW = timedelta(days=7)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Interaction(StrEnum):
    FAVOURITE = "favourite"
    REBLOG = "reblog"
    REPLY = "reply"
    REMIX = "remix"


WEIGHTS = {
    Interaction.FAVOURITE: 1.0,
    Interaction.REPLY: 1.5,
    Interaction.REBLOG: 2.0,
    # A remix is the strongest signal an image gallery has: someone made something from it.
    Interaction.REMIX: 3.0,
}


def term(interaction: Interaction, at: datetime, count: int = 1) -> float:
    """log2 of one interaction's weight, measured from the epoch."""
    return math.log2(WEIGHTS[interaction] * count) + (at - EPOCH) / HALF_LIFE


def combined(key: float | None, added: float) -> float:
    """log2(2**key + 2**added), without overflow."""
    if key is None:
        return added
    high, low = max(key, added), min(key, added)
    return high + math.log2(1.0 + 2.0 ** (low - high))


def record(
    session: Session, status_id: int, interaction: Interaction, *, count: int = 1, at: datetime | None = None
) -> None:
    """Add `count` interactions made `at` (default: now) to the post's score."""
    if count <= 0:
        return
    when = at or datetime.now(UTC)
    added = term(interaction, when, count)
    store.add(session, status_id, lambda key: combined(key, added), when)


def recount(session: Session, status_id: int) -> None:
    """Recompute a post's counters; what they grew by counts towards its trend score."""
    change = status_store.recount(session, status_id)
    record(session, status_id, Interaction.FAVOURITE, count=change.favourites)
    record(session, status_id, Interaction.REBLOG, count=change.reblogs)
    record(session, status_id, Interaction.REPLY, count=change.replies)


def trending(
    session: Session, viewer: Account | None, *, limit: int, offset: int = 0, only_media: bool = False
) -> list[StatusView]:
    found = status_store.trending(
        session,
        since=datetime.now(UTC) - WINDOW,
        limit=limit,
        offset=offset,
        only_media=only_media,
        viewer_id=viewer.id if viewer else None,
    )
    return status_views(session, found, viewer)


def prune(session: Session) -> int:
    return store.prune(session, datetime.now(UTC) - WINDOW)


def current_score(key: float, now: datetime | None = None) -> float:
    """The decayed score a key stands for at `now`: for display and tests."""
    return float(2.0 ** (key - ((now or datetime.now(UTC)) - EPOCH) / HALF_LIFE))
