"""Polls through the client API: creating them (Mastodon's limits), the Poll entity as each
viewer sees it, voting rules, and the `poll` notifications when one ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from fedi.models.polls import MAX_OPTIONS, MIN_EXPIRATION, Poll
from fedi.runtime import Runtime
from fedi.services import polls
from tests.api.conftest import Caller
from tests.api.entities import POLL, check

A_DAY = 86_400


async def _post_poll(client: httpx.AsyncClient, who: Caller, **poll: Any) -> dict[str, Any]:
    body = {"status": "which one?", "poll": {"options": ["tea", "coffee"], "expires_in": A_DAY, **poll}}
    answer = await client.post("/api/v1/statuses", json=body, headers=who.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _vote(client: httpx.AsyncClient, who: Caller, poll_id: str, *choices: int) -> httpx.Response:
    return await client.post(
        f"/api/v1/polls/{poll_id}/votes", data={"choices[]": [str(c) for c in choices]}, headers=who.auth
    )


async def test_a_poll_is_posted_as_a_form_and_shown_with_its_options(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    form = [
        ("status", "lunch?"),
        ("poll[options][]", "soup"),
        ("poll[options][]", "salad"),
        ("poll[options][]", "both"),
        ("poll[expires_in]", "3600"),
        ("poll[multiple]", "true"),
    ]
    headers = alice.auth | {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await client.post("/api/v1/statuses", content=urlencode(form), headers=headers)
    assert answer.status_code == 200, answer.text
    poll = answer.json()["poll"]
    assert [o["title"] for o in poll["options"]] == ["soup", "salad", "both"]
    assert [o["votes_count"] for o in poll["options"]] == [0, 0, 0]
    assert poll["multiple"] is True and poll["expired"] is False
    assert poll["votes_count"] == 0 and poll["voters_count"] == 0
    expires = datetime.fromisoformat(poll["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    assert poll["voted"] is True and poll["own_votes"] == []  # Mastodon: the author counts as voted
    assert poll["emojis"] == []
    check(poll, POLL)

    as_bob = (await client.get(f"/api/v1/polls/{poll['id']}", headers=bob.auth)).json()
    assert as_bob["voted"] is False and as_bob["own_votes"] == []
    anonymous = (await client.get(f"/api/v1/polls/{poll['id']}")).json()
    assert "voted" not in anonymous and "own_votes" not in anonymous


@pytest.mark.parametrize(
    ("poll", "problem"),
    [
        ({"options": ["only one"]}, "at least 2"),
        ({"options": [f"o{i}" for i in range(MAX_OPTIONS + 1)]}, f"more than {MAX_OPTIONS}"),
        ({"options": ["x" * 51, "y"]}, "longer than 50"),
        ({"options": ["same", "same"]}, "different"),
        ({"options": ["a", "b"], "expires_in": MIN_EXPIRATION - 1}, "too soon"),
        ({"options": ["a", "b"], "expires_in": 40 * A_DAY}, "too far"),
        ({"options": ["a", "b"], "expires_in": "soon"}, "whole number"),
    ],
)
async def test_a_poll_outside_the_limits_is_refused(
    client: httpx.AsyncClient, alice: Caller, poll: dict[str, Any], problem: str
) -> None:
    body = {"status": "bad poll", "poll": {"expires_in": A_DAY} | poll}
    answer = await client.post("/api/v1/statuses", json=body, headers=alice.auth)
    assert answer.status_code == 422
    assert problem in answer.json()["error"]
    mine = await client.get(f"/api/v1/accounts/{alice.account.id}/statuses", headers=alice.auth)
    assert mine.json() == []  # nothing half-stored


async def test_the_limits_are_advertised(client: httpx.AsyncClient) -> None:
    for path in ("/api/v2/instance", "/api/v1/instance"):
        limits = (await client.get(path)).json()["configuration"]["polls"]
        assert limits == {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": 300,
            "max_expiration": 2_629_746,
        }


async def test_voting_counts_once_and_follows_mastodons_rules(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    single = (await _post_poll(client, alice))["poll"]
    voted = await _vote(client, bob, single["id"], 1)
    assert voted.status_code == 200, voted.text
    entity = voted.json()
    assert entity["voted"] is True and entity["own_votes"] == [1]
    assert [o["votes_count"] for o in entity["options"]] == [0, 1]
    assert (entity["votes_count"], entity["voters_count"]) == (1, 1)

    refusals = [
        (bob, [0], "already voted"),
        (carol, [0, 1], "already voted"),  # two choices on a single-choice poll
        (carol, [2], "does not exist"),
        (alice, [0], "your own polls"),
    ]
    for who, choices, problem in refusals:
        answer = await _vote(client, who, single["id"], *choices)
        assert answer.status_code == 422 and problem in answer.json()["error"], (problem, answer.text)
    assert (await _vote(client, carol, "99999")).status_code == 404

    posted = await _post_poll(client, alice, multiple=True, options=["a", "b", "c"])
    multiple = posted["poll"]
    entity = (await _vote(client, bob, multiple["id"], 0, 2)).json()
    assert entity["own_votes"] == [0, 2] and entity["voters_count"] == 1 and entity["votes_count"] == 2
    assert (await _vote(client, bob, multiple["id"], 2)).status_code == 422
    entity = (await _vote(client, carol, multiple["id"], 2)).json()
    assert [o["votes_count"] for o in entity["options"]] == [1, 0, 2]
    assert (entity["votes_count"], entity["voters_count"]) == (3, 2)
    check(entity, POLL)

    # The vote shows on the status too, for the voter, and votes are no statuses of their own.
    status = (await client.get(f"/api/v1/statuses/{posted['id']}", headers=bob.auth)).json()
    assert status["poll"]["own_votes"] == [0, 2]
    assert [o["votes_count"] for o in status["poll"]["options"]] == [1, 0, 2]
    mine = await client.get(f"/api/v1/accounts/{bob.account.id}/statuses", headers=bob.auth)
    assert mine.json() == []


async def test_hidden_totals_show_only_once_the_poll_ended(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    posted = await _post_poll(client, alice, hide_totals=True)
    poll_id = posted["poll"]["id"]
    entity = (await _vote(client, bob, poll_id, 0)).json()
    assert [o["votes_count"] for o in entity["options"]] == [None, None]
    assert entity["votes_count"] == 1

    _end_now(runtime, int(poll_id))
    assert (await _vote(client, carol, poll_id, 1)).json()["error"] == "The poll has already ended"
    ended = (await client.get(f"/api/v1/polls/{poll_id}", headers=carol.auth)).json()
    assert ended["expired"] is True
    assert [o["votes_count"] for o in ended["options"]] == [1, 0]


def _end_now(runtime: Runtime, poll_id: int) -> None:
    with runtime.db.session() as session:
        poll = session.get(Poll, poll_id)
        assert poll is not None
        poll.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(poll)


async def test_the_end_of_a_poll_notifies_its_voters_and_author_once(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller, carol: Caller
) -> None:
    posted = await _post_poll(client, alice)
    poll_id = posted["poll"]["id"]
    assert (await _vote(client, bob, poll_id, 0)).status_code == 200

    polls.expire(runtime, int(poll_id))  # the job, run early: nothing happens yet
    assert await _poll_notifications(client, alice) == []

    _end_now(runtime, int(poll_id))
    polls.expire(runtime, int(poll_id))
    polls.expire(runtime, int(poll_id))  # run twice: still one notification each
    for who in (alice, bob):
        [note] = await _poll_notifications(client, who)
        assert note["status"]["id"] == posted["id"]
        assert note["account"]["id"] == str(alice.account.id)
        assert note["status"]["poll"]["expired"] is True
    assert await _poll_notifications(client, carol) == []  # did not vote


async def _poll_notifications(client: httpx.AsyncClient, who: Caller) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/notifications?types[]=poll", headers=who.auth)
    assert answer.status_code == 200
    return list(answer.json())


async def test_a_poll_cannot_carry_media_and_needs_a_scope(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller
) -> None:
    from tests.api.conftest import issue_token

    body = {"status": "x", "media_ids": ["1"], "poll": {"options": ["a", "b"], "expires_in": A_DAY}}
    answer = await client.post("/api/v1/statuses", json=body, headers=alice.auth)
    assert answer.status_code == 422
    poll_id = (await _post_poll(client, alice))["poll"]["id"]
    reader = {"Authorization": f"Bearer {issue_token(runtime, alice.account, 'read')}"}
    answer = await client.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [0]}, headers=reader)
    assert answer.status_code == 403


async def test_a_poll_one_cannot_see_is_not_found_and_goes_with_its_status(
    client: httpx.AsyncClient, alice: Caller, bob: Caller, carol: Caller
) -> None:
    body = {
        "status": "followers only",
        "visibility": "private",
        "poll": {"options": ["a", "b"], "expires_in": A_DAY},
    }
    private = (await client.post("/api/v1/statuses", json=body, headers=alice.auth)).json()
    assert private["visibility"] == "private"
    poll_id = private["poll"]["id"]
    assert (await client.get(f"/api/v1/polls/{poll_id}", headers=bob.auth)).status_code == 404
    assert (await _vote(client, bob, poll_id, 0)).status_code == 404

    public = await _post_poll(client, alice)
    assert (await _vote(client, carol, public["poll"]["id"], 0)).status_code == 200
    deleted = await client.delete(f"/api/v1/statuses/{public['id']}", headers=alice.auth)
    assert deleted.status_code == 200
    assert deleted.json()["poll"]["options"][0]["title"] == "tea"  # for delete-and-redraft
    assert (await client.get(f"/api/v1/polls/{public['poll']['id']}", headers=carol.auth)).status_code == 404


async def test_the_sweep_ends_a_poll_whose_job_was_lost(
    client: httpx.AsyncClient, runtime: Runtime, alice: Caller, bob: Caller
) -> None:
    posted = await _post_poll(client, alice)
    assert (await _vote(client, bob, posted["poll"]["id"], 1)).status_code == 200
    polls.sweep(runtime)  # not ended yet: nothing
    assert await _poll_notifications(client, bob) == []
    with runtime.db.session() as session:
        poll = session.get(Poll, int(posted["poll"]["id"]))
        assert poll is not None
        poll.expires_at = datetime.now(UTC) - polls.SWEEP_GRACE - timedelta(seconds=1)
        session.add(poll)
    polls.sweep(runtime)
    [note] = await _poll_notifications(client, bob)
    assert note["status"]["id"] == posted["id"]


async def test_the_post_page_shows_the_options_and_their_votes(
    client: httpx.AsyncClient, alice: Caller, bob: Caller
) -> None:
    posted = await _post_poll(client, alice, options=["<b>tea</b>", "coffee"])
    await _vote(client, bob, posted["poll"]["id"], 1)
    page = (await client.get(f"/@{alice.account.username}/{posted['id']}")).text
    assert '&lt;b&gt;tea&lt;/b&gt; <span class="muted">· 0 votes</span>' in page
    assert 'coffee <span class="muted">· 1 vote</span>' in page
    assert "1 person · Open: vote from your app" in page
