"""Featured tags: hashtags shown on a local profile with how often and how lately they were used.
They federate in the actor's `featuredTags` collection; a change sends an Update of the actor,
after which Mastodon fetches the collection again."""

from __future__ import annotations

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.featured_tags import FeaturedTag
from fedi.models.statuses import Tag
from fedi.runtime import Runtime
from fedi.services import tag_follows
from fedi.services.federation import outbox
from fedi.store import featured_tags as store
from fedi.store import statuses as status_store
from fedi.store.featured_tags import Featured

MAX_FEATURED = 10
SUGGESTIONS = 10


def of_account(session: Session, account: Account) -> list[Featured]:
    rows = store.of_account(session, account.id)
    usage = store.usage(session, account.id, [t.id for _, t in rows])
    return [Featured(f, t, *usage[t.id]) for f, t in rows]


def feature(session: Session, rt: Runtime, viewer: Account, name: str | None) -> Featured:
    clean = tag_follows.tag_name(name or "")
    if len(store.of_account(session, viewer.id)) >= MAX_FEATURED:
        raise Unprocessable(f"You can feature at most {MAX_FEATURED} hashtags", field="name")
    tag = status_store.tag_by_name(session, clean)
    if tag is None:
        tag = Tag(name=clean.lower(), display_name=clean)
        session.add(tag)
        session.flush()
    row = store.existing(session, viewer.id, tag.id)
    if row is not None:
        raise Unprocessable("This hashtag is already featured", field="name")
    row = FeaturedTag(account_id=viewer.id, tag_id=tag.id)
    session.add(row)
    session.flush()
    outbox.profile_updated(session, rt, viewer)
    return Featured(row, tag, *store.usage(session, viewer.id, [tag.id])[tag.id])


def unfeature(session: Session, rt: Runtime, viewer: Account, featured_id: int) -> None:
    row = store.get_for(session, viewer.id, featured_id)
    if row is None:
        raise NotFound()
    session.delete(row)
    session.flush()
    outbox.profile_updated(session, rt, viewer)


def suggestions(session: Session, viewer: Account) -> list[Tag]:
    """The hashtags the viewer uses most, not featured yet."""
    featured = {t.id for _, t in store.of_account(session, viewer.id)}
    return [
        t
        for t in store.most_used(session, viewer.id, limit=SUGGESTIONS + len(featured))
        if t.id not in featured
    ][:SUGGESTIONS]
