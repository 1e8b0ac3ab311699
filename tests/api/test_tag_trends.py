"""Trending tags, from recent public posts with a time decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select

from fedi.models.statuses import Status
from fedi.runtime import Runtime
from tests.api.conftest import Caller
from tests.api.test_timelines import post


def _age(runtime: Runtime, status_id: str, hours: float) -> None:
    with runtime.db.session() as session:
        row = session.exec(select(Status).where(Status.id == int(status_id))).one()
        row.created_at = datetime.now(UTC) - timedelta(hours=hours)
        session.add(row)


async def test_trending_tags(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    for caller in (bob, carol):
        await post(client, caller, "#cats")
    for n in range(3):
        await post(client, alice, f"#dogs {n}")
    faded = [await post(client, caller, "#yesterday") for caller in (alice, bob, carol)]
    for status_id in faded:
        _age(runtime, status_id, 24 * 3)  # three people, three days ago: 3 * 1/8
    await post(client, alice, "#hidden", visibility="unlisted")

    trending = (await client.get("/api/v1/trends/tags")).json()
    assert [t["name"] for t in trending] == ["cats", "dogs", "yesterday"]
    cats, dogs, yesterday = trending
    assert (
        len(cats["history"]) == 7
        and cats["history"][0]["uses"] == "2"
        and cats["history"][0]["accounts"] == "2"
    )
    assert dogs["history"][0] == dogs["history"][0] | {"uses": "3", "accounts": "1"}
    assert [d["uses"] for d in yesterday["history"]][:4] == ["0", "0", "0", "3"]
    days = [int(d["day"]) for d in cats["history"]]
    assert days[0] - days[1] == 24 * 3600
    assert [t["name"] for t in (await client.get("/api/v1/trends?offset=1&limit=1")).json()] == ["dogs"]
    assert (await client.get("/api/v1/trends/links")).json() == []
