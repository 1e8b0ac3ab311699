"""GET /api/v1/instance/activity: twelve weeks of real figures, this week first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select

from fedi.models.statuses import Status
from fedi.runtime import Runtime
from tests.api.conftest import Caller
from tests.api.test_timelines import post


async def test_weekly_figures(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    for n in range(3):
        await post(client, alice, f"this week {n}")
    old = await post(client, bob, "three weeks ago")
    await client.post(f"/api/v1/statuses/{old}/reblog", headers=alice.auth)  # boosts are not posts
    with runtime.db.session() as session:
        row = session.exec(select(Status).where(Status.id == int(old))).one()
        row.created_at = datetime.now(UTC) - timedelta(weeks=3)
        session.add(row)
    weeks = (await client.get("/api/v1/instance/activity")).json()
    assert len(weeks) == 12 and all(set(w) == {"week", "statuses", "logins", "registrations"} for w in weeks)
    starts = [int(w["week"]) for w in weeks]
    assert starts == sorted(starts, reverse=True) and starts[0] - starts[1] == 7 * 24 * 3600
    monday = datetime.fromtimestamp(starts[0], UTC)
    assert monday.weekday() == 0 and monday <= datetime.now(UTC) < monday + timedelta(weeks=1)
    this_week = weeks[0]
    assert this_week["statuses"] == "3" and this_week["registrations"] == "2" and this_week["logins"] == "2"
    assert [w["statuses"] for w in weeks[1:4]] == ["0", "0", "1"]
