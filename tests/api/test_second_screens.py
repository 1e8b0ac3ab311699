"""What clients open after the home timeline, on a real `fedi serve`, driven by Mastodon.py where
it has the call and by plain httpx where it does not (issue 12, "Must show" 1)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, StreamListener
from PIL import Image
from websockets.sync.client import connect as ws_connect

from tests.api.live import Server, running_server, sign_in

pytestmark = pytest.mark.slow
PEOPLE = {name: f"{name}@example.org" for name in ("alice", "bob", "carol")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server"), PEOPLE) as running:
        yield running


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, Mastodon]:
    return {name: sign_in(server, name) for name in PEOPLE}


def bearer(api: Mastodon) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.access_token}"}


def test_favourites_of_one_post_are_one_group(server: Server, people: dict[str, Mastodon]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    liked = alice.status_post("liked by two")
    other = alice.status_post("liked by one")
    bob.status_favourite(liked)
    carol.status_favourite(liked)
    bob.status_favourite(other)

    found = alice.grouped_notifications(types=["favourite"], expand_accounts="full")
    groups = found.notification_groups
    assert [(g.status_id, g.notifications_count) for g in groups] == [(other.id, 1), (liked.id, 2)]
    names = {a.id: a.username for a in found.accounts}
    assert [names[a] for a in groups[1].sample_account_ids] == ["carol", "bob"]
    assert {s.id for s in found.statuses} == {liked.id, other.id}
    assert [a.username for a in alice.grouped_notification_accounts(groups[1].group_key)] == ["carol", "bob"]

    page = httpx.get(
        f"{server.base}/api/v2/notifications?types[]=favourite&limit=1", headers=bearer(alice), timeout=10
    )
    assert [g["status_id"] for g in page.json()["notification_groups"]] == [other.id]
    assert 'rel="next"' in page.headers["link"]
    older = httpx.get(page.links["next"]["url"], headers=bearer(alice), timeout=10).json()
    assert [(g["status_id"], g["notifications_count"]) for g in older["notification_groups"]] == [
        (liked.id, 2)
    ]

    alice.dismiss_grouped_notification(groups[0].group_key)
    left = alice.grouped_notifications(types=["favourite"]).notification_groups
    assert [g.status_id for g in left] == [liked.id]


class Conversations(StreamListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.conversations: queue.Queue[dict] = queue.Queue()
        self.live = threading.Event()

    def on_conversation(self, conversation: dict) -> None:
        self.conversations.put(conversation)

    def handle_heartbeat(self) -> None:
        self.live.set()


def test_a_direct_post_is_a_conversation_and_streams(server: Server, people: dict[str, Mastodon]) -> None:
    alice, bob = people["alice"], people["bob"]
    listener = Conversations()
    handle = bob.stream_direct(listener, run_async=True)
    url = server.base.replace("http://", "ws://") + "/api/v1/streaming?stream=direct"
    try:
        assert listener.live.wait(10), "the stream never said hello"
        with ws_connect(url, subprotocols=[alice.access_token]) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "subscribe", "stream": "direct"}))
            ws.send("sync")
            assert "error" in json.loads(ws.recv(timeout=5))  # the socket is subscribed by now
            sent = alice.status_post("@bob just between us", visibility="direct")
            event = json.loads(ws.recv(timeout=5))
        assert event["event"] == "conversation" and event["stream"] == ["direct"]
        assert json.loads(event["payload"])["last_status"]["id"] == sent.id
        streamed = listener.conversations.get(timeout=10)
        assert streamed.last_status.id == sent.id and streamed.unread is True
    finally:
        handle.close()
    [listed] = [c for c in bob.conversations() if c.last_status.id == sent.id]
    assert [a.username for a in listed.accounts] == ["alice"]
    assert bob.conversations_read(listed).unread is False


def test_a_list_timeline_shows_a_members_post(people: dict[str, Mastodon]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    for someone in (bob, carol):
        alice.account_follow(someone.account_verify_credentials().id)
    friends = alice.list_create("Friends", replies_policy="followed")
    alice.list_accounts_add(friends, [bob.account_verify_credentials().id])
    assert [a.username for a in alice.list_accounts(friends)] == ["bob"]
    posted = bob.status_post("for my listeners")
    carol.status_post("not a member")
    assert [s.id for s in alice.timeline_list(friends)] == [posted.id]
    assert [item.title for item in alice.lists()] == ["Friends"]
    alice.list_delete(friends)
    assert alice.lists() == []


def test_hide_filters_remove_and_warn_filters_mark(people: dict[str, Mastodon]) -> None:
    alice, bob = people["alice"], people["bob"]
    alice.account_follow(bob.account_verify_credentials().id)
    hidden = alice.create_filter_v2(
        "Weather", ["home"], "hide", keywords_attributes=[{"keyword": "rain", "whole_word": True}]
    )
    warned = alice.create_filter_v2("Sport", ["home"], "warn", keywords_attributes=[{"keyword": "football"}])
    rainy = bob.status_post("more rain today")
    sporty = bob.status_post("football tonight")
    home = {s.id: s for s in alice.timeline_home(limit=40)}
    assert rainy.id not in home
    [result] = home[sporty.id].filtered
    assert result.filter.id == warned.id and result.keyword_matches == ["football"]
    assert [f.title for f in alice.filters_v2()] == ["Weather", "Sport"]
    alice.delete_filter_v2(hidden)
    alice.delete_filter_v2(warned)
    assert rainy.id in {s.id for s in alice.timeline_home(limit=40)}


def test_a_followed_tag_brings_in_an_unfollowed_authors_post(people: dict[str, Mastodon]) -> None:
    carol, bob = people["carol"], people["bob"]
    assert carol.tag_follow("Knitting").following is True
    assert [t.name for t in carol.followed_tags()] == ["Knitting"]
    posted = bob.status_post("a scarf #knitting")
    assert posted.id in [s.id for s in carol.timeline_home(limit=40)]
    assert carol.tag_unfollow("knitting").following is False


def test_a_poll_is_voted_on_and_shows_the_vote(people: dict[str, Mastodon]) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    poll = alice.make_poll(["red", "green", "blue"], expires_in=3600, multiple=True)
    posted = alice.status_post("favourite colours?", poll=poll)
    assert [o.title for o in posted.poll.options] == ["red", "green", "blue"]

    voted = bob.poll_vote(posted.poll.id, [0, 2])
    assert voted.voted is True and voted.own_votes == [0, 2]
    carol.poll_vote(posted.poll, 2)
    seen = carol.status(posted.id).poll
    assert [o.votes_count for o in seen.options] == [1, 0, 2]
    assert (seen.votes_count, seen.voters_count, seen.own_votes) == (3, 2, [2])
    assert alice.poll(posted.poll.id).voted is True  # the author counts as voted
    with pytest.raises(MastodonAPIError):
        carol.poll_vote(posted.poll, 2)  # once per option


def test_a_scheduled_status_is_listed_and_cancelled(people: dict[str, Mastodon]) -> None:
    alice = people["alice"]
    scheduled = alice.status_post("posted tomorrow", scheduled_at=datetime.now(UTC) + timedelta(days=1))
    assert scheduled.params.text == "posted tomorrow"
    assert [s.id for s in alice.scheduled_statuses()] == [scheduled.id]
    alice.scheduled_status_delete(scheduled)
    assert alice.scheduled_statuses() == []
    assert "posted tomorrow" not in [s.content for s in alice.account_statuses(alice.me())]


def test_a_push_subscription_is_created(server: Server, people: dict[str, Mastodon]) -> None:
    bob = people["bob"]
    _, public = bob.push_subscription_generate_keys()
    made = bob.push_subscription_set(
        "https://push.example/device/1", public, mention_events=True, favourite_events=False
    )
    shown = bob.push_subscription()
    assert shown.id == made.id and shown.endpoint == "https://push.example/device/1"
    assert shown.alerts.mention is True and shown.alerts.favourite is False
    instance = httpx.get(f"{server.base}/api/v2/instance", timeout=10).json()
    assert shown.server_key == instance["configuration"]["vapid"]["public_key"]
    bob.push_subscription_delete()  # nothing is pushed to push.example by the tests after this


def test_an_emoji_added_with_the_cli_is_offered_and_shown(
    server: Server, people: dict[str, Mastodon], tmp_path_factory: pytest.TempPathFactory
) -> None:
    image = tmp_path_factory.mktemp("emoji") / "blobcat.png"
    Image.new("RGBA", (64, 64), "orange").save(image)
    assert ":blobcat:" in server.fedi("emoji", "add", "blobcat", str(image), "--category", "Blobs")
    alice = people["alice"]
    (offered,) = alice.custom_emojis()
    assert (offered.shortcode, offered.category, offered.visible_in_picker) == ("blobcat", "Blobs", True)
    assert httpx.get(offered.url, timeout=10).content.startswith(b"\x89PNG")
    posted = alice.status_post("hello :blobcat:")
    assert [e.shortcode for e in alice.status(posted.id).emojis] == ["blobcat"]
