"""Finding 1: the image bot could be made to mention anyone, and so notify chosen local users
and deliver to chosen remote inboxes (through a hostile username, a full-width @ in the prompt,
and refusals posted without limit)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from activitypub.testing import STATIC_KEYS, FakeRemote
from activitypub.vocab import PUBLIC
from fedi.models.accounts import Account, acct_key
from fedi.models.notifications import Notification
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import generations
from tests.federation.helpers import create, note, post_activity

HOSTILE_NAME = "x @alice @vic@victim.test"
FULLWIDTH_AT = "\uff20"  # NFKC makes it "@"
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


def _notifications(runtime: Runtime, recipient: Account) -> list[Notification]:
    with runtime.db.reader() as session:
        return list(session.exec(select(Notification).where(Notification.account_id == recipient.id)).all())


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
    assert _notifications(runtime, local_account) == [] and _victim_contacted(remote) == []


async def test_finding_1_the_bot_mentions_only_the_asker_whatever_its_name_and_prompt(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient, local_account: Account
) -> None:
    # Must-show 2: the hostile name (a row from before names were checked) and a full-width @.
    _serve_mal(remote, "mal")
    _store_legacy_row(runtime, HOSTILE_NAME)
    response = await post_activity(
        client, _asking(1, f"{FULLWIDTH_AT}vic{FULLWIDTH_AT}victim.test a cat"), remote.key_pair(MAL)
    )
    assert response.status_code == 202
    [reply] = _replies(remote)
    mentions = [t["href"] for t in reply["object"].get("tag", []) if t.get("type") == "Mention"]
    assert mentions == [MAL]
    assert set(reply["object"]["to"]) | set(reply["object"]["cc"]) <= {
        MAL,
        PUBLIC,
        "https://fedi.test/users/imagine/followers",
    }
    delivered_to = {str(r.url) for r in remote.inbox_requests}
    assert delivered_to == {"https://remote.test/inbox"}
    assert _notifications(runtime, local_account) == [] and _victim_contacted(remote) == []


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


async def test_finding_1_bot_replies_are_limited_per_asker_and_per_remote_domain(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = runtime.jobs.after_commit

    def hold_images(session: object, name: str, *args: object, **kwargs: object) -> None:
        if name != "generate_image":  # images stay queued; everything else runs
            queue(session, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime.jobs, "after_commit", hold_images)
    runtime.settings.generation.bot_replies_per_asker_per_hour = 2
    runtime.settings.generation.bot_replies_per_domain_per_hour = 3
    askers = []
    for name, host in (("a", "one.spam.test"), ("b", "two.spam.test")):
        remote.add_actor(name, host=host, key=STATIC_KEYS[1])
        askers.append(f"https://{host}/users/{name}")
    for asker in askers:
        for number in range(3):
            activity = create(
                asker, note(asker, f"{asker}/statuses/{number}", "<p>@imagine a cat</p>", tag=[BOT_MENTION])
            )
            assert (await post_activity(client, activity, remote.key_pair(asker))).status_code == 202
    with runtime.db.reader() as session:
        bot = session.exec(select(Account).where(Account.username == "imagine")).one()
        replies = session.exec(select(Status).where(Status.account_id == bot.id)).all()
    answered = sorted(str(r.in_reply_to_uri) for r in replies)
    # Two for the first asker (its own budget), one for the second (spam.test's budget of 3).
    assert answered == [f"{askers[0]}/statuses/0", f"{askers[0]}/statuses/1", f"{askers[1]}/statuses/0"]
