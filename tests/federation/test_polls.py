"""Polls over ActivityPub, as Mastodon federates them: a local poll is a `Question` whose totals
go out in an `Update`; votes arrive and leave as a `Create` of a contentless `Note` named after
the option; remote `Question`s are stored as polls, voted on, and refreshed by their updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.models.accounts import Account
from fedi.models.polls import Poll
from fedi.models.relationships import Follow
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import polls
from fedi.store import accounts as account_store
from tests.api.conftest import issue_token
from tests.federation.helpers import create, post_activity

BOB = "https://remote.test/users/bob"
CARL = "https://remote.test/users/carl"


@pytest.fixture
def auth(runtime: Runtime, local_account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(runtime, local_account)}"}


@pytest.fixture
def bob(remote: FakeRemote) -> str:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    remote.add_actor("carl", key=STATIC_KEYS[1])
    return BOB


def _vote(voter: str, question: str, name: str, n: int, author: str) -> dict[str, Any]:
    note = {
        "id": f"{voter}#votes/{n}",
        "type": "Note",
        "name": name,
        "attributedTo": voter,
        "inReplyTo": question,
        "to": [author],
    }
    return create(voter, note)


def _status_count(runtime: Runtime) -> int:
    with runtime.db.reader() as session:
        return int(session.exec(select(func.count()).select_from(Status)).one())


async def test_remote_votes_on_a_local_poll_are_counted_once_and_the_totals_go_out(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    local_account: Account,
    auth: dict[str, str],
) -> None:
    # A post of bob's makes him known here; then he follows alice, so her posts reach him.
    await post_activity(client, create(BOB, _hello()), remote.key_pair(bob))
    with runtime.db.session() as session:
        bob_here = account_store.by_uri(session, BOB)
        assert bob_here is not None
        session.add(
            Follow(account_id=bob_here.id, target_account_id=local_account.id, uri=f"{BOB}#f", accepted=True)
        )
    body = {"status": "tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 3600}}
    posted = (await client.post("/api/v1/statuses", json=body, headers=auth)).json()
    [created] = remote.inbox
    assert created["type"] == "Create" and created["object"]["type"] == "Question"
    assert [(o["name"], o["replies"]["totalItems"]) for o in created["object"]["oneOf"]] == [
        ("tea", 0),
        ("coffee", 0),
    ]
    assert created["object"]["endTime"] == posted["poll"]["expires_at"][:19] + "Z"
    assert "closed" not in created["object"] and "anyOf" not in created["object"]
    statuses_before = _status_count(runtime)

    alice_uri = local_account.uri
    for activity in (
        _vote(BOB, posted["uri"], "coffee", 1, alice_uri),
        _vote(BOB, posted["uri"], "coffee", 1, alice_uri),  # delivered twice
        _vote(BOB, posted["uri"], "tea", 2, alice_uri),  # a second vote on a single-choice poll
        _vote(CARL, posted["uri"], "milk", 3, alice_uri),  # no such option
    ):
        signer = remote.key_pair(activity["actor"])
        assert (await post_activity(client, activity, signer)).status_code == 202
    poll = (await client.get(f"/api/v1/polls/{posted['poll']['id']}", headers=auth)).json()
    assert [o["votes_count"] for o in poll["options"]] == [0, 1]
    assert (poll["votes_count"], poll["voters_count"]) == (1, 1)
    assert _status_count(runtime) == statuses_before  # a vote is never a post

    polls.send_totals(runtime, int(posted["poll"]["id"]))  # the debounced job
    [update] = [a for a in remote.inbox if a["type"] == "Update"]
    question = update["object"]
    assert question["type"] == "Question" and question["id"] == posted["uri"]
    assert [(o["name"], o["replies"]["totalItems"]) for o in question["oneOf"]] == [("tea", 0), ("coffee", 1)]
    assert question["votersCount"] == 1 and "endTime" in question
    assert "updated" not in question  # new totals are no edit

    with runtime.db.session() as session:
        row = session.get(Poll, int(posted["poll"]["id"]))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
    await post_activity(client, _vote(CARL, posted["uri"], "tea", 4, alice_uri), remote.key_pair(CARL))
    poll = (await client.get(f"/api/v1/polls/{posted['poll']['id']}", headers=auth)).json()
    assert poll["votes_count"] == 1  # too late
    polls.expire(runtime, int(posted["poll"]["id"]))
    final = [a for a in remote.inbox if a["type"] == "Update"][-1]["object"]
    assert "closed" in final


def _hello() -> dict[str, Any]:
    return {
        "id": f"{BOB}/statuses/hello",
        "type": "Note",
        "attributedTo": BOB,
        "content": "<p>hello</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }


def _question(**extra: Any) -> dict[str, Any]:
    return {
        "id": f"{BOB}/statuses/q1",
        "type": "Question",
        "attributedTo": BOB,
        "content": "<p>cats or dogs?</p>",
        "published": "2026-11-20T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{BOB}/followers"],
        "endTime": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "oneOf": [
            {"type": "Note", "name": "cats", "replies": {"type": "Collection", "totalItems": 3}},
            {"type": "Note", "name": "dogs", "replies": {"type": "Collection", "totalItems": 1}},
        ],
        "votersCount": 4,
        **extra,
    }


async def test_a_remote_question_is_a_poll_that_can_be_voted_on_and_refreshed(
    client: httpx.AsyncClient,
    runtime: Runtime,
    remote: FakeRemote,
    bob: str,
    local_account: Account,
    auth: dict[str, str],
) -> None:
    key = remote.key_pair(bob)
    assert (await post_activity(client, create(BOB, _question()), key)).status_code == 202
    with runtime.db.reader() as session:
        stored = session.exec(select(Status).where(Status.uri == f"{BOB}/statuses/q1")).one()
    status = (await client.get(f"/api/v1/statuses/{stored.id}", headers=auth)).json()
    poll = status["poll"]
    assert [(o["title"], o["votes_count"]) for o in poll["options"]] == [("cats", 3), ("dogs", 1)]
    assert (poll["votes_count"], poll["voters_count"], poll["voted"]) == (4, 4, False)

    voted = await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"choices": [1]}, headers=auth)
    assert voted.status_code == 200, voted.text
    assert voted.json()["own_votes"] == [1] and voted.json()["options"][1]["votes_count"] == 2
    [sent] = [a for a in remote.inbox if a["type"] == "Create"]
    assert sent["object"]["type"] == "Note" and sent["object"]["name"] == "dogs"
    assert sent["object"]["inReplyTo"] == f"{BOB}/statuses/q1"
    assert sent["object"]["to"] == [BOB] and sent["to"] == [BOB]
    assert "content" not in sent["object"]
    assert sent["actor"] == local_account.uri

    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{BOB}/statuses/q1#updates/1",
        "type": "Update",
        "actor": BOB,
        "object": _question(
            oneOf=[
                {"type": "Note", "name": "cats", "replies": {"type": "Collection", "totalItems": 3}},
                {"type": "Note", "name": "dogs", "replies": {"type": "Collection", "totalItems": 5}},
            ],
            votersCount=8,
        ),
    }
    assert (await post_activity(client, update, key)).status_code == 202
    status = (await client.get(f"/api/v1/statuses/{stored.id}", headers=auth)).json()
    assert [o["votes_count"] for o in status["poll"]["options"]] == [3, 5]
    assert status["poll"]["voters_count"] == 8 and status["poll"]["own_votes"] == [1]
    assert status["edited_at"] is None  # new totals are not an edit

    with runtime.db.session() as session:
        row = session.get(Poll, int(poll["id"]))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
    polls.expire(runtime, int(poll["id"]))
    notes = (await client.get("/api/v1/notifications?types[]=poll", headers=auth)).json()
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("poll", str(stored.id))]


async def test_named_notes_on_a_remote_poll_are_posts_only_with_content(
    client: httpx.AsyncClient, runtime: Runtime, remote: FakeRemote, bob: str
) -> None:
    await post_activity(client, create(BOB, _question()), remote.key_pair(BOB))
    before = _status_count(runtime)
    stray_vote = _vote(CARL, f"{BOB}/statuses/q1", "cats", 1, BOB)
    reply = create(
        CARL,
        {
            "id": f"{CARL}/statuses/r1",
            "type": "Note",
            "name": "cats",
            "attributedTo": CARL,
            "inReplyTo": f"{BOB}/statuses/q1",
            "content": "<p>cats, obviously</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    )
    for activity in (stray_vote, reply):
        assert (await post_activity(client, activity, remote.key_pair(CARL))).status_code == 202
    with runtime.db.reader() as session:
        stored = session.exec(select(Status.uri).where(Status.in_reply_to_uri == f"{BOB}/statuses/q1")).all()
    assert list(stored) == [f"{CARL}/statuses/r1"]
    assert _status_count(runtime) == before + 1
