"""Two fedi servers federating over real HTTP on loopback, driven by Mastodon.py as users would.

Instance one runs on this run's database (SQLite, then PostgreSQL); instance two on SQLite.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon import Mastodon, MastodonNotFoundError
from PIL import Image

from fedi.composition import build_runtime
from fedi.config import load_settings
from fedi.db import make_engine, migrate
from fedi.services import emojis
from fedi.services.accounts import create_local_account
from fedi.services.system import ensure_system_accounts
from tests.support import waiting
from tests.support.processes import Server, free_port, write_config

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


# A post or account not there yet answers 404 until it arrives.
eventually = partial(waiting.eventually, ignoring=(MastodonNotFoundError,), interval=0.2)


def _instance(
    directory: Path, database_url: str | None, users: list[str], **sections: dict[str, Any]
) -> tuple[Server, str]:
    port = free_port()
    url = database_url or f"sqlite:///{directory / 'data' / 'fedi.sqlite3'}"
    (directory / "data").mkdir(parents=True, exist_ok=True)
    config = write_config(directory, port, url, api={"password_grant": True}, jobs={"workers": 4}, **sections)
    settings = load_settings(config)
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(settings)
    ensure_system_accounts(runtime)
    with runtime.db.session() as session:
        for name in users:
            create_local_account(
                session,
                runtime.urls,
                username=name,
                email=f"{name}@example.org",
                password=PASSWORD,
                passwords=runtime.passwords,
            )
    runtime.close()
    return Server(config, port).start(), f"127.0.0.1:{port}"


def _client(server: Server, user: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app(
        "federation test", api_base_url=server.url, scopes=["read", "write", "follow"]
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server.url)
    api.log_in(
        username=f"{user}@example.org", password=PASSWORD, scopes=["read", "write", "follow"], allow_http=True
    )
    return api


@pytest.fixture
def two(tmp_path: Path, database_url: str) -> Iterator[dict[str, Any]]:
    one, one_domain = _instance(tmp_path / "one", database_url, ["alice", "carol"])
    two, two_domain = _instance(tmp_path / "two", None, ["bob"])
    try:
        yield {"one": one, "two": two, "one_domain": one_domain, "two_domain": two_domain}
    finally:
        one.stop()
        two.stop()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_two_instances_federate(two: dict[str, Any]) -> None:
    federation_scenario(two)


def federation_scenario(two: dict[str, Any]) -> None:
    """alice and carol on one, bob on two: follows, posts with media, replies, likes, boosts,
    edits, deletes and a locked account's follow requests, each seen on the other side.
    (tests/test_topology.py runs it with one being the multi-process topology.)"""
    alice = _client(two["one"], "alice")
    bob = _client(two["two"], "bob")
    bob_handle = f"bob@{two['two_domain']}"

    # alice@one follows bob@two by handle.
    found = alice.search_v2(f"@{bob_handle}", resolve=True)["accounts"]
    assert [a["acct"] for a in found] == [bob_handle]
    bob_there = found[0]
    alice.account_follow(bob_there["id"])
    eventually(lambda: alice.account_relationships(bob_there["id"])[0]["following"], what="the Accept")
    eventually(lambda: bob.me()["followers_count"] == 1, what="bob's follower")

    # bob posts an image with alt text and a content warning; it reaches alice's home timeline.
    media = bob.media_post(_png(), mime_type="image/png", description="an orange rectangle")
    posted = bob.status_post("look at this", media_ids=[media["id"]], spoiler_text="bright colours")

    def arrived() -> Any:
        return next((s for s in alice.timeline_home() if s["uri"] == posted["uri"]), None)

    copy = eventually(arrived, what="bob's post on one")
    assert copy["spoiler_text"] == "bright colours" and copy["sensitive"] is True
    [attachment] = copy["media_attachments"]
    assert attachment["description"] == "an orange rectangle"
    assert attachment["remote_url"].startswith(f"http://{two['two_domain']}/media/")
    assert attachment["blurhash"]

    # one copies the image into its own media storage: alice's app loads it from one, as on Mastodon.
    def cached() -> Any:
        [item] = alice.status(copy["id"])["media_attachments"]
        return item if item["url"].startswith(f"http://{two['one_domain']}/media/cache/") else None

    served_by_one = eventually(cached, what="the image cached on one")["url"]
    assert httpx.get(served_by_one, timeout=10).content[:8] == b"\x89PNG\r\n\x1a\n"

    # alice replies, likes and boosts: bob is notified of each.
    alice.status_post(f"@{bob_handle} lovely", in_reply_to_id=copy["id"])
    alice.status_favourite(copy["id"])
    alice.status_reblog(copy["id"])

    def notified() -> set[str]:
        kinds = {n["type"] for n in bob.notifications() if n["account"]["acct"].startswith("alice@")}
        return kinds if {"mention", "favourite", "reblog"} <= kinds else set()

    eventually(notified, what="bob's notifications")
    assert eventually(lambda: bob.status(posted["id"])["favourites_count"] == 1)

    # bob edits, then deletes: alice's copy follows.
    bob.status_update(posted["id"], status="look at this, edited", spoiler_text="bright colours")
    eventually(lambda: "edited" in alice.status(copy["id"])["content"], what="the edit")
    assert alice.status(copy["id"])["edited_at"] is not None
    bob.status_delete(posted["id"])

    def gone() -> bool:
        try:
            alice.status(copy["id"])
        except MastodonNotFoundError:
            return True
        return False

    eventually(gone, what="the delete")

    # bob locks his account: a new follower becomes a follow request that bob accepts.
    bob.account_update_credentials(locked=True)
    carol = _client(two["one"], "carol")
    bob_for_carol = carol.search_v2(f"@{bob_handle}", resolve=True)["accounts"][0]
    eventually(lambda: carol.account(bob_for_carol["id"])["locked"], what="the lock to federate")
    carol.account_follow(bob_for_carol["id"])
    requests = eventually(lambda: bob.follow_requests(), what="the follow request")
    assert [r["acct"] for r in requests] == [f"carol@{two['one_domain']}"]
    assert not carol.account_relationships(bob_for_carol["id"])[0]["following"]
    bob.follow_request_authorize(requests[0]["id"])
    eventually(lambda: carol.account_relationships(bob_for_carol["id"])[0]["following"], what="the accept")


def test_second_screens_across_instances(two: dict[str, Any]) -> None:
    """carol@one follows a hashtag and gets bob@two's tagged post once it reaches one (alice
    follows bob); alice's endorsement of bob is seen on two; bob's direct post to carol is a
    conversation on both sides; favourites of bob's post from one are one group in his grouped
    notifications."""
    alice, carol = _client(two["one"], "alice"), _client(two["one"], "carol")
    bob = _client(two["two"], "bob")
    bob_handle, carol_handle = f"bob@{two['two_domain']}", f"carol@{two['one_domain']}"
    bob_there = alice.search_v2(f"@{bob_handle}", resolve=True)["accounts"][0]
    alice.account_follow(bob_there["id"])
    eventually(lambda: alice.account_relationships(bob_there["id"])[0]["following"], what="the Accept")
    carol.tag_follow("knitting")
    # alice endorses bob; two reads her endorsements from one's `endorsements` collection.
    alice.account_endorse(bob_there["id"])
    alice_there = bob.search_v2(f"@alice@{two['one_domain']}", resolve=True)["accounts"][0]
    endorsements = f"{two['two'].url}/api/v1/accounts/{alice_there['id']}/endorsements"
    endorsed = eventually(lambda: httpx.get(endorsements).json(), what="alice's endorsements on two")
    assert [a["acct"] for a in endorsed] == ["bob"]

    # A custom emoji of two's (added as `fedi emoji add` does) travels as an Emoji tag.
    runtime_two = build_runtime(load_settings(two["two"].config))
    try:
        emojis.add_local(runtime_two, "yarn", _png())
    finally:
        runtime_two.close()
    posted = bob.status_post("a new scarf #Knitting :yarn:")
    copy = eventually(
        lambda: next((s for s in carol.timeline_home() if s["uri"] == posted["uri"]), None),
        what="the tagged post in carol's home",
    )
    assert not carol.account_relationships(bob_there["id"])[0]["following"]
    [yarn] = copy["emojis"]
    assert yarn["shortcode"] == "yarn" and yarn["url"].startswith(f"http://{two['two_domain']}/media/emojis/")
    assert yarn["url"] == bob.status(posted["id"])["emojis"][0]["url"]
    assert carol.custom_emojis() == []  # one's own set is not two's

    alice.status_favourite(copy["id"])
    carol.status_favourite(copy["id"])

    def grouped() -> Any:
        groups = bob.grouped_notifications(types=["favourite"], expand_accounts="full").notification_groups
        return groups if groups and groups[0].notifications_count == 2 else None

    [group] = eventually(grouped, what="one group of two favourites")
    assert group.status_id == posted["id"]

    secret = bob.status_post(f"@{carol_handle} just us", visibility="direct")
    [theirs] = eventually(lambda: carol.conversations(), what="carol's conversation")
    assert theirs["last_status"]["uri"] == secret["uri"] and theirs["unread"] is True
    assert [a["acct"] for a in theirs["accounts"]] == [bob_handle]
    [mine] = bob.conversations()
    assert [a["acct"] for a in mine["accounts"]] == [carol_handle]


def test_a_poll_is_voted_on_from_the_other_instance(two: dict[str, Any]) -> None:
    """alice@one asks; bob@two finds the post, votes from his server, carol@one votes at home:
    both servers end up showing the same totals, bob's vote counted once."""
    alice, carol = _client(two["one"], "alice"), _client(two["one"], "carol")
    bob = _client(two["two"], "bob")
    posted = alice.status_post("ship it?", poll=alice.make_poll(["yes", "no"], expires_in=3600))

    [there] = bob.search_v2(posted.uri, resolve=True)["statuses"]
    assert [o.title for o in there.poll.options] == ["yes", "no"] and there.poll.voted is False
    assert bob.poll_vote(there.poll.id, 1).own_votes == [1]
    carol.poll_vote(posted.poll.id, 0)

    def totals(api: Mastodon, poll_id: str) -> Any:
        poll = api.poll(poll_id)
        return [o.votes_count for o in poll.options], poll.voters_count

    eventually(lambda: totals(alice, posted.poll.id) == ([1, 1], 2), what="bob's vote on one")
    eventually(lambda: totals(bob, there.poll.id) == ([1, 1], 2), what="the new totals on two")
    assert bob.poll(there.poll.id).own_votes == [1]
    assert alice.status_context(posted.id).descendants == []  # the vote is no reply
