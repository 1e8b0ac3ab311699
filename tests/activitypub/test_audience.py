from __future__ import annotations

import pytest

from activitypub.audience import (
    Recipient,
    Visibility,
    addressing_for,
    delivery_inboxes,
    visibility_of,
)
from activitypub.vocab import PUBLIC

FOLLOWERS = "https://fedi.example/users/alice/followers"
BOB = "https://other.example/users/bob"
CAROL = "https://third.example/users/carol"


def test_addressing_matches_mastodon() -> None:
    mentions = [BOB, CAROL]
    assert addressing_for("public", followers_url=FOLLOWERS, mentioned_actor_ids=mentions) == (
        [PUBLIC],
        [FOLLOWERS, BOB, CAROL],
    )
    assert addressing_for("unlisted", followers_url=FOLLOWERS, mentioned_actor_ids=mentions) == (
        [FOLLOWERS],
        [PUBLIC, BOB, CAROL],
    )
    assert addressing_for("private", followers_url=FOLLOWERS, mentioned_actor_ids=mentions) == (
        [FOLLOWERS],
        [BOB, CAROL],
    )
    assert addressing_for("direct", followers_url=FOLLOWERS, mentioned_actor_ids=mentions) == (
        [BOB, CAROL],
        [],
    )


def test_duplicate_mentions_collapse() -> None:
    _, cc = addressing_for("public", followers_url=FOLLOWERS, mentioned_actor_ids=[BOB, BOB])
    assert cc == [FOLLOWERS, BOB]


def test_unknown_visibility() -> None:
    with pytest.raises(ValueError, match="limited"):
        addressing_for("limited", followers_url=FOLLOWERS)  # type: ignore[arg-type]


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
@pytest.mark.parametrize("mentions", [[], [BOB]])
def test_round_trip(visibility: Visibility, mentions: list[str]) -> None:
    to, cc = addressing_for(visibility, followers_url=FOLLOWERS, mentioned_actor_ids=mentions)
    assert visibility_of(to, cc, followers_url=FOLLOWERS) == visibility
    # Receivers that do not know the followers collection still classify it.
    assert visibility_of(to, cc, followers_url=None) == visibility


def test_visibility_of_tolerates_aliases_and_strangers() -> None:
    assert visibility_of(["as:Public"], [], followers_url=None) == "public"
    assert visibility_of([], ["Public"], followers_url=None) == "unlisted"
    # Another actor's followers collection does not make our reader's post private.
    assert visibility_of(["https://x.example/users/z/followers"], [], followers_url=FOLLOWERS) == "direct"
    assert visibility_of([], [], followers_url=FOLLOWERS) == "direct"


def test_delivery_inboxes_dedupes_shared_inboxes() -> None:
    recipients = [
        Recipient(BOB, f"{BOB}/inbox", "https://other.example/inbox"),
        Recipient(CAROL, f"{CAROL}/inbox", None),
        Recipient(
            "https://other.example/users/dan",
            "https://other.example/users/dan/inbox",
            "https://other.example/inbox",
        ),
        Recipient(CAROL, f"{CAROL}/inbox", None),
        Recipient("https://fourth.example/u/eve", "https://fourth.example/u/eve/inbox"),
    ]
    assert delivery_inboxes(recipients) == [
        "https://other.example/inbox",
        f"{CAROL}/inbox",
        "https://fourth.example/u/eve/inbox",
    ]
    assert delivery_inboxes([]) == []
