"""Filters v2 (keywords, statuses, contexts, actions, expiry), applied on every timeline and on
notifications, and filters v1 as a view of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select

from fedi.models.filters import Filter
from fedi.runtime import Runtime
from tests.api import entities
from tests.api.conftest import Caller
from tests.api.test_timelines import post

FILTER = {
    "id": "id",
    "title": "str",
    "context": ["str"],
    "expires_at": "time?",
    "filter_action": "str",
    "keywords": [{"id": "id", "keyword": "str", "whole_word": "bool"}],
    "statuses": [{"id": "id", "status_id": "id"}],
}


async def new_filter(client: httpx.AsyncClient, caller: Caller, **fields: object) -> dict:
    response = await client.post("/api/v2/filters", json=fields, headers=caller.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def timeline(client: httpx.AsyncClient, caller: Caller, path: str) -> dict[str, dict]:
    response = await client.get(path, headers=caller.auth)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()}


async def test_filters_are_created_changed_and_deleted(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    created = await new_filter(
        client,
        alice,
        title="Pets",
        context=["home", "public"],
        filter_action="hide",
        expires_in=3600,
        keywords_attributes=[{"keyword": "cat", "whole_word": False}, {"keyword": "dog"}],
    )
    entities.check(created, FILTER)
    assert created["filter_action"] == "hide" and created["expires_at"] is not None
    assert [(k["keyword"], k["whole_word"]) for k in created["keywords"]] == [("cat", False), ("dog", True)]
    cat, dog = created["keywords"]
    changed = await client.put(
        f"/api/v2/filters/{created['id']}",
        data={
            "title": "Animals",
            "context[]": ["notifications"],
            "expires_in": "",
            "keywords_attributes[0][id]": cat["id"],
            "keywords_attributes[0][_destroy]": "true",
            "keywords_attributes[1][id]": dog["id"],
            "keywords_attributes[1][keyword]": "hound",
            "keywords_attributes[2][keyword]": "parrot",
        },
        headers=alice.auth,
    )
    body = changed.json()
    assert body["title"] == "Animals" and body["context"] == ["notifications"] and body["expires_at"] is None
    assert [k["keyword"] for k in body["keywords"]] == ["hound", "parrot"]

    path = f"/api/v2/filters/{created['id']}"
    added = (await client.post(f"{path}/keywords", json={"keyword": "fish"}, headers=alice.auth)).json()
    assert (await client.get(f"/api/v2/filters/keywords/{added['id']}", headers=alice.auth)).json() == added
    await client.put(
        f"/api/v2/filters/keywords/{added['id']}", json={"whole_word": False}, headers=alice.auth
    )
    listed = (await client.get(f"{path}/keywords", headers=alice.auth)).json()
    assert [(k["keyword"], k["whole_word"]) for k in listed][-1] == ("fish", False)
    assert (await client.delete(f"/api/v2/filters/keywords/{added['id']}", headers=alice.auth)).json() == {}

    status_id = await post(client, bob, "filter me")
    entry = (await client.post(f"{path}/statuses", json={"status_id": status_id}, headers=alice.auth)).json()
    assert entry["status_id"] == status_id
    assert (await client.get(f"{path}/statuses", headers=alice.auth)).json() == [entry]
    assert (await client.get(f"/api/v2/filters/statuses/{entry['id']}", headers=bob.auth)).status_code == 404
    assert (await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=alice.auth)).json() == {}

    assert (await client.get(path, headers=bob.auth)).status_code == 404
    assert (await client.get("/api/v2/filters", headers=bob.auth)).json() == []
    for bad, field in (
        ({"title": "x"}, "context"),
        ({"title": "x", "context": ["everywhere"]}, "context"),
        ({"title": "x", "context": ["home"], "filter_action": "delete"}, "filter_action"),
        ({"title": "x", "context": ["home"], "expires_in": -5}, "expires_in"),
        ({"title": " ", "context": ["home"]}, "title"),
    ):
        refused = await client.post("/api/v2/filters", json=bad, headers=alice.auth)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert (await client.delete(path, headers=alice.auth)).json() == {}
    assert (await client.get("/api/v2/filters", headers=alice.auth)).json() == []


async def test_warn_marks_hide_removes_in_their_contexts(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    await client.post(f"/api/v1/accounts/{bob.account.id}/follow", headers=alice.auth)
    cats = await post(client, bob, "I love Cats")
    kitten = await post(client, bob, "a catalogue of kittens")
    dogs = await post(client, bob, "dogs are fine #pets")
    plain = await post(client, bob, "nothing to see")
    boost = (await client.post(f"/api/v1/statuses/{cats}/reblog", headers=bob.auth)).json()["id"]
    mine = await post(client, alice, "my cats")
    warn = await new_filter(
        client, alice, title="Cats", context=["home"], keywords_attributes=[{"keyword": "cats"}]
    )
    await new_filter(
        client,
        alice,
        title="Dogs",
        context=["home", "public"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "dog", "whole_word": False}],
    )

    home = await timeline(client, alice, "/api/v1/timelines/home")
    assert dogs not in home and {cats, kitten, plain, boost, mine} <= set(home)
    [result] = home[cats]["filtered"]
    assert result["filter"]["id"] == warn["id"] and result["filter"]["filter_action"] == "warn"
    assert result["keyword_matches"] == ["cats"] and result["status_matches"] is None
    assert "keywords" not in result["filter"]
    assert home[boost]["reblog"]["filtered"] == home[boost]["filtered"] == [result]
    assert home[kitten]["filtered"] == [] and home[plain]["filtered"] == []
    assert home[mine]["filtered"] == []  # one's own posts are never filtered

    public = await timeline(client, alice, "/api/v1/timelines/public")
    assert dogs not in public and public[cats]["filtered"] == []  # "Cats" warns at home only
    assert dogs not in await timeline(client, alice, "/api/v1/timelines/tag/pets")
    assert dogs in await timeline(client, alice, f"/api/v1/accounts/{bob.account.id}/statuses")
    assert dogs in await timeline(client, bob, "/api/v1/timelines/public")  # bob has no filters

    # A status filter matches that status alone; an expired filter matches nothing.
    by_status = await new_filter(client, alice, title="That one", context=["thread", "home"])
    await client.post(
        f"/api/v2/filters/{by_status['id']}/statuses", json={"status_id": plain}, headers=alice.auth
    )
    home = await timeline(client, alice, "/api/v1/timelines/home")
    assert home[plain]["filtered"][0]["status_matches"] == [plain]
    with runtime.db.session() as session:
        for row in session.exec(select(Filter)).all():
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
            session.add(row)
    home = await timeline(client, alice, "/api/v1/timelines/home")
    assert dogs in home and all(s["filtered"] == [] for s in home.values())


async def test_notifications_and_threads_are_filtered(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    root = await post(client, alice, "ask me anything")
    await new_filter(
        client,
        alice,
        title="Spam",
        context=["notifications", "thread"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "buy now"}],
    )
    spam = await post(client, bob, "@alice buy now!", in_reply_to_id=root)
    fine = await post(client, bob, "@alice a question", in_reply_to_id=root)
    v1 = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
    assert [n["status"]["id"] for n in v1] == [fine]
    v2 = (await client.get("/api/v2/notifications", headers=alice.auth)).json()
    assert [g["status_id"] for g in v2["notification_groups"]] == [fine]
    thread = (await client.get(f"/api/v1/statuses/{root}/context", headers=alice.auth)).json()
    assert [s["id"] for s in thread["descendants"]] == [fine]
    assert spam in [
        s["id"] for s in (await client.get(f"/api/v1/statuses/{root}/context")).json()["descendants"]
    ]


async def test_filters_v1_are_a_view_of_v2(client: httpx.AsyncClient, alice: Caller) -> None:
    created = await client.post(
        "/api/v1/filters",
        json={"phrase": "spoilers", "context": ["home", "public"], "irreversible": True, "whole_word": False},
        headers=alice.auth,
    )
    v1 = created.json()
    assert v1["phrase"] == "spoilers" and v1["irreversible"] is True and v1["whole_word"] is False
    [v2] = (await client.get("/api/v2/filters", headers=alice.auth)).json()
    assert v2["title"] == "spoilers" and v2["filter_action"] == "hide"
    assert [k["id"] for k in v2["keywords"]] == [v1["id"]]
    changed = await client.put(
        f"/api/v1/filters/{v1['id']}", json={"phrase": "leaks", "irreversible": False}, headers=alice.auth
    )
    assert changed.json()["phrase"] == "leaks" and changed.json()["irreversible"] is False
    assert (await client.get("/api/v1/filters", headers=alice.auth)).json() == [changed.json()]
    await client.post(f"/api/v2/filters/{v2['id']}/keywords", json={"keyword": "more"}, headers=alice.auth)
    assert len((await client.get("/api/v1/filters", headers=alice.auth)).json()) == 2
    refused = await client.put(f"/api/v1/filters/{v1['id']}", json={"phrase": "x"}, headers=alice.auth)
    assert refused.status_code == 422
    assert (await client.delete(f"/api/v1/filters/{v1['id']}", headers=alice.auth)).json() == {}
    [left] = (await client.get("/api/v2/filters", headers=alice.auth)).json()
    assert [k["keyword"] for k in left["keywords"]] == ["more"]
