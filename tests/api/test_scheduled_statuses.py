"""Scheduled statuses: kept with their parameters and reserved media, listed, moved, cancelled,
and published on time by the job engine (or by the sweep after a lost job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from activitypub.testing import FakeRemote
from fedi.models.scheduled_statuses import ScheduledStatus
from fedi.runtime import Runtime
from fedi.services import scheduled_statuses
from tests.api import entities
from tests.api.conftest import Caller, image_bytes


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def schedule(
    client: httpx.AsyncClient, caller: Caller, text: str, at: str, **extra: object
) -> httpx.Response:
    return await client.post(
        "/api/v1/statuses", json={"status": text, "scheduled_at": at, **extra}, headers=caller.auth
    )


async def upload(client: httpx.AsyncClient, caller: Caller) -> str:
    answer = await client.post(
        "/api/v2/media", files={"file": ("a.png", image_bytes(), "image/png")}, headers=caller.auth
    )
    assert answer.status_code in (200, 202), answer.text
    return str(answer.json()["id"])


def make_due(runtime: Runtime, scheduled_id: str) -> None:
    """As if its time had come."""
    with runtime.db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(ScheduledStatus)
            .where(ScheduledStatus.id == int(scheduled_id))  # type: ignore[arg-type]
            .values(scheduled_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def own_statuses(client: httpx.AsyncClient, caller: Caller) -> list[dict[str, object]]:
    answer = await client.get(f"/api/v1/accounts/{caller.account.id}/statuses", headers=caller.auth)
    return list(answer.json())


async def test_a_scheduled_status_is_kept_listed_moved_and_cancelled(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    pending = runtime.jobs.pending()
    made = await schedule(
        client, alice, "tomorrow's news", later(days=1), visibility="unlisted", spoiler_text="cw"
    )
    assert made.status_code == 200, made.text
    entity = made.json()
    entities.check(entity, entities.SCHEDULED_STATUS)
    assert entity["params"]["text"] == "tomorrow's news"
    assert entity["params"]["visibility"] == "unlisted" and entity["params"]["spoiler_text"] == "cw"
    assert entity["media_attachments"] == []
    assert runtime.jobs.pending() == pending + 1  # the delayed job that will publish it
    assert await own_statuses(client, alice) == []  # not posted yet

    others = [(await schedule(client, alice, f"n{n}", later(days=2))).json()["id"] for n in range(2)]
    first = await client.get("/api/v1/scheduled_statuses?limit=2", headers=alice.auth)
    assert [s["id"] for s in first.json()] == others[::-1]
    assert 'rel="next"' in first.headers["link"]
    rest = await client.get(first.links["next"]["url"], headers=alice.auth)
    assert [s["id"] for s in rest.json()] == [entity["id"]]

    moved = await client.put(
        f"/api/v1/scheduled_statuses/{entity['id']}", json={"scheduled_at": later(days=3)}, headers=alice.auth
    )
    assert moved.status_code == 200
    assert moved.json()["scheduled_at"] > entity["scheduled_at"]
    shown = await client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.auth)
    assert shown.json()["scheduled_at"] == moved.json()["scheduled_at"]

    cancelled = await client.delete(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.auth)
    assert cancelled.status_code == 200 and cancelled.json() == {}
    gone = await client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.auth)
    assert gone.status_code == 404
    scheduled_statuses.publish(runtime, int(entity["id"]))  # its job, run anyway: nothing happens
    assert await own_statuses(client, alice) == []


async def test_a_repeated_idempotency_key_schedules_once(client: httpx.AsyncClient, alice: Caller) -> None:
    body = {"status": "once", "scheduled_at": later(days=1)}
    headers = alice.auth | {"Idempotency-Key": "k-1"}
    first = await client.post("/api/v1/statuses", json=body, headers=headers)
    again = await client.post("/api/v1/statuses", json=body, headers=headers)
    assert first.json()["id"] == again.json()["id"]
    assert len((await client.get("/api/v1/scheduled_statuses", headers=alice.auth)).json()) == 1


async def test_too_soon_is_refused_and_the_past_posts_now(client: httpx.AsyncClient, alice: Caller) -> None:
    soon = await schedule(client, alice, "soon", later(minutes=2))
    assert soon.status_code == 422 and "5 minutes" in soon.json()["error"]
    bad = await schedule(client, alice, "when?", "next tuesday")
    assert bad.status_code == 422
    moved = await client.put(
        "/api/v1/scheduled_statuses/1", json={"scheduled_at": later(days=1)}, headers=alice.auth
    )
    assert moved.status_code == 404
    kept = (await schedule(client, alice, "kept", later(days=1))).json()
    too_soon = await client.put(
        f"/api/v1/scheduled_statuses/{kept['id']}",
        json={"scheduled_at": later(minutes=1)},
        headers=alice.auth,
    )
    assert too_soon.status_code == 422
    past = await schedule(client, alice, "right away", later(minutes=-1))
    assert past.status_code == 200 and past.json()["content"] == "<p>right away</p>"  # a Status


async def test_the_job_publishes_it_with_its_reserved_media(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    media_id = await upload(client, alice)
    made = (await schedule(client, alice, "with a picture", later(hours=1), media_ids=[media_id])).json()
    entities.check(made, entities.SCHEDULED_STATUS)
    assert [m["id"] for m in made["media_attachments"]] == [media_id]
    assert made["params"]["media_ids"] == [media_id]
    taken = await client.post(
        "/api/v1/statuses", json={"status": "x", "media_ids": [media_id]}, headers=alice.auth
    )
    assert taken.status_code == 422  # reserved by the scheduled post
    deleted = await client.delete(f"/api/v1/media/{media_id}", headers=alice.auth)
    assert deleted.status_code == 422

    scheduled_statuses.publish(runtime, int(made["id"]))  # too early: it stays
    assert await own_statuses(client, alice) == []
    make_due(runtime, made["id"])
    scheduled_statuses.publish(runtime, int(made["id"]))  # the delayed job, its time come
    scheduled_statuses.publish(runtime, int(made["id"]))  # and run twice: one post

    [status] = await own_statuses(client, alice)
    assert status["content"] == "<p>with a picture</p>"
    assert [m["id"] for m in status["media_attachments"]] == [media_id]  # type: ignore[index]
    assert (await client.get("/api/v1/scheduled_statuses", headers=alice.auth)).json() == []


async def test_the_sweep_publishes_what_a_lost_job_left(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    made = (await schedule(client, alice, "missed", later(hours=1))).json()
    make_due(runtime, made["id"])
    scheduled_statuses.publish_due(runtime)
    assert [s["content"] for s in await own_statuses(client, alice)] == ["<p>missed</p>"]


async def test_a_scheduled_poll_is_kept_and_opens_when_published(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    poll = {"options": ["tea", "coffee"], "expires_in": 3600, "multiple": True}
    made = (await schedule(client, alice, "which?", later(hours=1), poll=poll)).json()
    assert made["params"]["poll"] == {
        "options": ["tea", "coffee"],
        "expires_in": "3600",
        "multiple": True,
        "hide_totals": False,
    }
    make_due(runtime, made["id"])
    scheduled_statuses.publish(runtime, int(made["id"]))
    [status] = await own_statuses(client, alice)
    shown = status["poll"]
    assert [o["title"] for o in shown["options"]] == ["tea", "coffee"]  # type: ignore[index]
    assert shown["multiple"] is True and shown["expired"] is False  # type: ignore[index]


async def test_a_remote_mention_is_looked_up_when_it_is_published(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, alice: Caller
) -> None:
    made = (await schedule(client, alice, "hello @carol@remote.test", later(hours=1))).json()
    remote.add_actor("carol", host="remote.test")  # known to nobody here yet
    make_due(runtime, made["id"])
    scheduled_statuses.publish(runtime, int(made["id"]))
    [status] = await own_statuses(client, alice)
    assert [m["acct"] for m in status["mentions"]] == ["carol@remote.test"]  # type: ignore[union-attr]


async def test_cancelling_releases_the_media(client: httpx.AsyncClient, alice: Caller) -> None:
    media_id = await upload(client, alice)
    made = (await schedule(client, alice, "later", later(hours=1), media_ids=[media_id])).json()
    await client.delete(f"/api/v1/scheduled_statuses/{made['id']}", headers=alice.auth)
    posted = await client.post(
        "/api/v1/statuses", json={"status": "now", "media_ids": [media_id]}, headers=alice.auth
    )
    assert posted.status_code == 200


async def test_limits_per_day_and_in_all(client: httpx.AsyncClient, runtime: Runtime, alice: Caller) -> None:
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=2)
    with runtime.db.session() as session:
        for n in range(scheduled_statuses.DAILY_LIMIT):
            session.add(
                ScheduledStatus(
                    account_id=alice.account.id, scheduled_at=day + timedelta(minutes=n), params={}
                )
            )
    full = await schedule(client, alice, "one more", (day + timedelta(hours=1)).isoformat())
    assert full.status_code == 422 and "25" in full.json()["error"]
    next_day = await schedule(client, alice, "one more", (day + timedelta(days=1)).isoformat())
    assert next_day.status_code == 200

    with runtime.db.session() as session:
        for n in range(scheduled_statuses.TOTAL_LIMIT - scheduled_statuses.DAILY_LIMIT - 1):
            at = day + timedelta(days=10 + n // 20, minutes=n)
            session.add(ScheduledStatus(account_id=alice.account.id, scheduled_at=at, params={}))
    over = await schedule(client, alice, "too many", later(days=400))
    assert over.status_code == 422 and "300" in over.json()["error"]


async def test_others_cannot_see_or_touch_it(client: httpx.AsyncClient, alice: Caller, bob: Caller) -> None:
    made = (await schedule(client, alice, "mine", later(hours=1))).json()
    assert (await client.get(f"/api/v1/scheduled_statuses/{made['id']}", headers=bob.auth)).status_code == 404
    assert (
        await client.delete(f"/api/v1/scheduled_statuses/{made['id']}", headers=bob.auth)
    ).status_code == 404
    assert (await client.get("/api/v1/scheduled_statuses", headers=bob.auth)).json() == []
