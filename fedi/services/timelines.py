"""Timelines: home, public, hashtag, an account's posts, favourites and bookmarks."""

from __future__ import annotations

from sqlmodel import Session

from fedi import memo
from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.filters import FilterContext
from fedi.models.statuses import Status
from fedi.services import filters, visibility
from fedi.store import accounts as account_store
from fedi.store import interactions as interaction_store
from fedi.store import lists as list_store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as store
from fedi.store.paging import Page
from fedi.store.views import StatusView, status_views


def home(session: Session, viewer: Account, page: Page) -> list[StatusView]:
    exclusive = memo.remembered(
        session, ("has-exclusive-lists", viewer.id), lambda: list_store.has_exclusive(session, viewer.id)
    )
    excluded = list_store.exclusive_members(viewer.id) if exclusive else None
    rows = store.home(session, viewer.id, page, hidden_authors=excluded)
    hidden = memo.remembered(
        session, ("hidden", viewer.id), lambda: relationship_store.blocked_or_muted_ids(session, viewer.id)
    )
    views = status_views(session, rows, viewer)
    shown = [
        v
        for v in views
        if v.account.id not in hidden
        and not v.account.suspended
        and (v.reblog is None or (v.reblog.account.id not in hidden and not v.reblog.account.suspended))
    ]
    return filters.apply(session, viewer, shown, FilterContext.HOME)


def public(
    session: Session,
    viewer: Account | None,
    page: Page,
    *,
    local: bool = False,
    remote: bool = False,
    only_media: bool = False,
) -> list[StatusView]:
    scope = True if local else False if remote else None
    rows = store.public(
        session, page, local=scope, only_media=only_media, viewer_id=viewer.id if viewer else None
    )
    return filters.apply(session, viewer, status_views(session, rows, viewer), FilterContext.PUBLIC)


def tag(
    session: Session,
    viewer: Account | None,
    name: str,
    page: Page,
    *,
    local: bool = False,
    only_media: bool = False,
) -> list[StatusView]:
    found = store.tag_by_name(session, name)
    if found is None:
        return []
    rows = store.by_tag(
        session, found.id, page, local=local, only_media=only_media, viewer_id=viewer.id if viewer else None
    )
    return filters.apply(session, viewer, status_views(session, rows, viewer), FilterContext.PUBLIC)


def account_statuses(
    session: Session,
    viewer: Account | None,
    account_id: int,
    page: Page,
    *,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    only_media: bool = False,
    pinned: bool = False,
    tagged: str | None = None,
) -> list[StatusView]:
    author = account_store.get(session, account_id)
    if author is None or author.deleted_at is not None:
        raise NotFound()
    if author.suspended or (viewer is not None and relationship_store.block(session, author.id, viewer.id)):
        return []
    if pinned:
        pins = interaction_store.pinned_statuses(session, author.id) if page.max_id is None else []
        views = status_views(session, visibility.visible_filter(session, viewer, pins), viewer)
        return filters.apply(session, viewer, views, FilterContext.ACCOUNT)
    own = viewer is not None and viewer.id == author.id
    visibilities: tuple[str, ...] = ("public", "unlisted")
    if own:
        visibilities = ("public", "unlisted", "private", "direct")
    elif viewer is not None:
        follow = relationship_store.follow(session, viewer.id, author.id)
        if follow is not None and follow.accepted:
            visibilities = ("public", "unlisted", "private")
    tag_row = store.tag_by_name(session, tagged) if tagged else None
    if tagged and tag_row is None:
        return []
    rows: list[Status] = store.by_account(
        session,
        author.id,
        page,
        visibilities=visibilities,
        include_processing=own,
        exclude_replies=exclude_replies,
        exclude_reblogs=exclude_reblogs,
        only_media=only_media,
        tagged=tag_row.id if tag_row else None,
    )
    views = status_views(session, visibility.visible_filter(session, viewer, rows), viewer)
    return filters.apply(session, viewer, views, FilterContext.ACCOUNT)


def favourites(session: Session, viewer: Account, page: Page) -> tuple[list[StatusView], list[int]]:
    """The viewer's favourites, newest favourited first, with the favourite ids for paging."""
    rows = interaction_store.favourites_of(session, viewer.id, page)
    return status_views(session, [s for _, s in rows], viewer), [f.id for f, _ in rows]


def bookmarks(session: Session, viewer: Account, page: Page) -> tuple[list[StatusView], list[int]]:
    rows = interaction_store.bookmarks_of(session, viewer.id, page)
    return status_views(session, [s for _, s in rows], viewer), [b.id for b, _ in rows]
