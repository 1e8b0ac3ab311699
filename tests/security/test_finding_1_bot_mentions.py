"""Finding 1: the image bot could be made to mention anyone, and so notify chosen local users
and deliver to chosen remote inboxes (through a hostile username, a full-width @ in the prompt,
and refusals posted without limit)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from activitypub.vocab import PUBLIC
from fedi.models.accounts import Account, acct_key
from fedi.models.notifications import Notification
from fedi.runtime import Runtime
from fedi.services import generations
from tests.federation.helpers import create, note, post_activity

HOSTILE_NAME = "x @alice @vic@victim.test"
MAL = "https://remote.test/users/mal"
BOT_MENTION = {"type": "Mention", "href": "https://fedi.test/users/imagine", "name": "@imagine@fedi.test"}


def _asking(number: int, prompt: str) -> dict[str, Any]:
    content = (
        '<p><span class="h-card"><a href="https://fedi.test/@imagine" class="u-url mention">'
        f"@imagine</a></span> {prompt}</p>"
    )
    return create(MAL, note(MAL, f"{MAL}/statuses/{number}", content, tag=[BOT_MENTION]))


def _serve_mal(remote: FakeRemote, username: str) -> None:
    document = remote.add_actor("mal", key=STATIC_KEYS[1])
    remote.add_object(MAL, {**document, "preferredUsername": username})
    remote.add_actor("vic", host="victim.test", key=STATIC_KEYS[2])


def _store_legacy_row(runtime: Runtime, username: str) -> None:
    """An actor stored before usernames were checked: the bot must still mention only it."""
    with runtime.db.session() as session:
        session.add(
            Account(
                username=username,
                domain="remote.test",
                acct_key=acct_key(username, "remote.test"),
                uri=MAL,
                url="https://remote.test/@mal",
                inbox_url=f"{MAL}/inbox",
                shared_inbox_url="https://remote.test/inbox",
                followers_url=f"{MAL}/followers",
                public_key_id=f"{MAL}#main-key",
                public_key_pem=STATIC_KEYS[1].public_key_pem,
                actor_type="Person",
            )
        )


def _replies(remote: FakeRemote) -> list[dict[str, Any]]:
    return [
        a
        for a in remote.inbox
        if a.get("type") == "Create" and str(a["object"].get("inReplyTo", "")).startswith(MAL)
    ]


def _notifications(runtime: Runtime) -> list[Notification]:
    with runtime.db.reader() as session:
        return list(session.exec(select(Notification)).all())


def _victim_contacted(remote: FakeRemote) -> list[str]:
    return [str(r.url) for r in remote.requests if r.url.host == "victim.test"]


async def test_finding_1_a_remote_actor_with_a_hostile_username_is_refused(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient, local_account: Account
) -> None:
    _serve_mal(remote, HOSTILE_NAME)
    response = await post_activity(client, _asking(1, "a cat"), remote.key_pair(MAL))
    assert response.status_code == 401
    with runtime.db.reader() as session:
        assert session.exec(select(Account).where(Account.uri == MAL)).first() is None
    assert _replies(remote) == []
    assert _notifications(runtime) == [] and _victim_contacted(remote) == []


async def test_finding_1_the_bot_mentions_only_the_asker_whatever_its_name_and_prompt(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient, local_account: Account
) -> None:
    # Must-show 2: the hostile name (a row from before names were checked) and a full-width @.
    _serve_mal(remote, "mal")
    _store_legacy_row(runtime, HOSTILE_NAME)
    response = await post_activity(client, _asking(1, "＠vic＠victim.test a cat"), remote.key_pair(MAL))
    assert response.status_code == 202
    [reply] = _replies(remote)
    mentions = [t["href"] for t in reply["object"].get("tag", []) if t.get("type") == "Mention"]
    assert mentions == [MAL]
    assert set(reply["object"]["to"]) | set(reply["object"]["cc"]) <= {MAL, PUBLIC, "https://fedi.test/users/imagine/followers"}
    delivered_to = {str(r.url) for r in remote.inbox_requests}
    assert delivered_to == {"https://remote.test/inbox"}
    assert _notifications(runtime) == [] and _victim_contacted(remote) == []


async def test_finding_1_twenty_refusals_in_a_row_produce_at_most_one_direct_reply(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    runtime.settings.generation.deny = ["volcano"]
    generations._policy.cache_clear()
    _serve_mal(remote, "mal")
    for number in range(20):
        response = await post_activity(client, _asking(number, "a volcano"), remote.key_pair(MAL))
        assert response.status_code == 202
    replies = _replies(remote)
    assert len(replies) == 1
    reply = replies[0]["object"]
    assert reply["to"] == [MAL] and reply["cc"] == []  # direct: to the asker alone
    assert "refused" in reply["content"]
