"""Followed hashtags: public posts carrying a followed tag, local or received, reach the
follower's home timeline (unless the follower blocks or mutes their author), as on Mastodon."""

from __future__ import annotations

import re

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.statuses import Status, Tag
from fedi.models.tag_follows import TagFollow
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store import tag_follows as store
from fedi.store.paging import Page

# A hashtag name as fedi/content/text.py finds them in posts.
NAME = re.compile(r"^\w*[^\W\d_]\w*$")
MAX_NAME = 255


def tag_name(value: str) -> str:
    """A hashtag name as typed (with or without `#`), or 422."""
    name = value.strip().lstrip("#")
    if len(name) > MAX_NAME or not NAME.match(name):
        raise Unprocessable("Not a hashtag name", field="name")
    return name


def follow(session: Session, viewer: Account, value: str) -> Tag:
    name = tag_name(value)
    tag = status_store.tag_by_name(session, name)
    if tag is None:
        tag = Tag(name=name.lower(), display_name=name)
        session.add(tag)
        session.flush()
    if store.get(session, viewer.id, tag.id) is None:
        session.add(TagFollow(account_id=viewer.id, tag_id=tag.id))
        session.flush()
    return tag


def unfollow(session: Session, viewer: Account, value: str) -> Tag:
    tag = status_store.tag_by_name(session, tag_name(value))
    if tag is None:
        raise NotFound()
    store.remove(session, viewer.id, tag.id)
    return tag


def following(session: Session, viewer: Account | None, tag: Tag) -> bool:
    return viewer is not None and store.get(session, viewer.id, tag.id) is not None


def followed(session: Session, viewer: Account, page: Page) -> list[tuple[int, Tag]]:
    return [(f.id, t) for f, t in store.page_of(session, viewer.id, page)]


def readers(session: Session, status: Status, tag_ids: list[int]) -> list[int]:
    """Local followers of the status's tags whose home timeline it reaches."""
    if status.visibility != "public" or status.reblog_of_id is not None:
        return []
    return [
        account_id
        for account_id in store.local_followers(session, tag_ids)
        if relationship_store.block(session, account_id, status.account_id) is None
        and relationship_store.block(session, status.account_id, account_id) is None
        and relationship_store.mute(session, account_id, status.account_id) is None
    ]
