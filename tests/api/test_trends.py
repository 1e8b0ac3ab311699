"""Trending posts rank by recent favourites, boosts, replies and remixes with the documented
decay (fedi.services.trends); authors who opted out of being featured never trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.models.trends import TrendScore
from fedi.runtime import Runtime
from fedi.services import interactions, statuses, trends
from fedi.services.accounts import create_local_account


def _people(runtime: Runtime, *names: str) -> list[Account]:
    with runtime.db.session() as session:
        return [
            create_local_account(
                session,
                runtime.urls,
                username=n,
                email=f"{n}@x.org",
                password="12345678",
                passwords=runtime.passwords,
            )
            for n in names
        ]


def _post(runtime: Runtime, author: Account, text: str, **draft: object) -> Status:
    with runtime.db.session() as session:
        return statuses.create(session, runtime, author, statuses.StatusDraft(text=text, **draft))  # type: ignore[arg-type]


def _favourite(runtime: Runtime, who: Account, post: Status) -> None:
    with runtime.db.session() as session:
        interactions.favourite(session, runtime, who, post.id)


async def _trending(client: httpx.AsyncClient, **params: object) -> list[str]:
    found = await client.get("/api/v1/trends/statuses", params=params)
    assert found.status_code == 200, found.text
    return [item["content"] for item in found.json()]


async def test_posts_rank_by_weighted_interactions(client: httpx.AsyncClient, runtime: Runtime) -> None:
    author, *fans = _people(runtime, "author", "f1", "f2", "f3")
    three_favourites = _post(runtime, author, "three favourites")
    boost_and_reply = _post(runtime, author, "a boost and a reply")
    one_favourite = _post(runtime, author, "one favourite")
    _post(runtime, author, "nothing")
    for fan in fans:
        _favourite(runtime, fan, three_favourites)
    _favourite(runtime, fans[0], one_favourite)
    with runtime.db.session() as session:
        interactions.reblog(session, runtime, fans[1], boost_and_reply.id)
    _post(runtime, fans[2], "a reply", in_reply_to_id=boost_and_reply.id)
    # 2.0 + 1.5 = 3.5 > 3 x 1.0 > 1.0; posts nobody touched do not trend.
    assert await _trending(client) == [
        "<p>a boost and a reply</p>",
        "<p>three favourites</p>",
        "<p>one favourite</p>",
    ]
    with runtime.db.reader() as session:
        key = session.get(TrendScore, boost_and_reply.id)
        assert key is not None
    assert trends.current_score(key.key) == pytest.approx(3.5, rel=1e-3)


async def test_older_interactions_count_for_less_by_half_each_day(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    [author] = _people(runtime, "author")
    old = _post(runtime, author, "four favourites two days ago")
    fresh = _post(runtime, author, "one reply now")
    with runtime.db.session() as session:
        trends.record(
            session, old.id, trends.Interaction.FAVOURITE, count=4, at=datetime.now(UTC) - timedelta(days=2)
        )
        trends.record(session, fresh.id, trends.Interaction.REPLY)
    # 4 x 2^-2 = 1.0 < 1.5
    assert await _trending(client) == ["<p>one reply now</p>", "<p>four favourites two days ago</p>"]


async def test_authors_who_opted_out_and_old_posts_never_trend(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    shy, hidden, fan = _people(runtime, "shy", "hidden", "fan")
    with runtime.db.session() as session:
        for account, field in ((shy, "indexable"), (hidden, "discoverable")):
            row = session.get(Account, account.id)
            assert row is not None
            setattr(row, field, False)
            session.add(row)
    for account in (shy, hidden):
        _favourite(runtime, fan, _post(runtime, account, f"by {account.username}"))
    old = _post(runtime, fan, "last week's")
    with runtime.db.session() as session:
        row = session.get(Status, old.id)
        assert row is not None
        row.created_at = datetime.now(UTC) - timedelta(days=8)
        session.add(row)
        trends.record(session, old.id, trends.Interaction.REBLOG, count=50)
    assert await _trending(client) == []


async def test_trending_pages_by_offset(client: httpx.AsyncClient, runtime: Runtime) -> None:
    [author] = _people(runtime, "author")
    for number in range(5):
        post = _post(runtime, author, f"post {number}")
        with runtime.db.session() as session:
            trends.record(session, post.id, trends.Interaction.FAVOURITE, count=number + 1)
    first = await client.get("/api/v1/trends/statuses", params={"limit": 2})
    assert [s["content"] for s in first.json()] == ["<p>post 4</p>", "<p>post 3</p>"]
    assert 'offset=2>; rel="next"' in first.headers["link"]
    assert await _trending(client, limit=2, offset=2) == ["<p>post 2</p>", "<p>post 1</p>"]
    assert (await client.get("/api/v1/trends/statuses", params={"limit": "many"})).status_code == 422
