"""The gallery's Trending tab shows the images people interact with, most first."""

from __future__ import annotations

import httpx

from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import interactions, statuses
from fedi.services.accounts import create_local_account


async def test_the_trending_tab_ranks_images_by_interactions(
    client: httpx.AsyncClient, runtime: Runtime, local_account: Account
) -> None:
    with runtime.db.session() as session:
        fans = [
            create_local_account(
                session,
                runtime.urls,
                username=n,
                email=f"{n}@x.org",
                password="12345678",
                passwords=runtime.passwords,
            )
            for n in ("f1", "f2")
        ]
    posted = []
    for prompt in ("a quiet harbour", "a loud market", "an empty room"):
        with runtime.db.session() as session:
            posted.append(
                statuses.create(
                    session, runtime, local_account, statuses.StatusDraft(text=f"/imagine {prompt}")
                )
            )
    harbour, market, _ = posted
    with runtime.db.session() as session:
        interactions.favourite(session, runtime, fans[0], harbour.id)
        for fan in fans:
            interactions.favourite(session, runtime, fan, market.id)
    page = await client.get("/", params={"feed": "trending"})
    assert page.status_code == 200
    assert 'aria-current="page">Trending' in page.text
    market_at = page.text.index(f'href="/@alice/{market.id}"')
    harbour_at = page.text.index(f'href="/@alice/{harbour.id}"')
    assert market_at < harbour_at
    assert f'href="/@alice/{posted[2].id}"' not in page.text  # nobody touched it
    empty = await client.get("/", params={"feed": "trending", "page": "2"})
    assert "Nothing is trending this week yet." in empty.text
