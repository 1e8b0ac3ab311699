"""Lists: named groups of followed accounts with their own timelines and streams.

As on Mastodon, only accounts the owner follows (or has asked to follow) can be added, and an
unfollow takes the account out of the owner's lists. A list's timeline is the members' part of
the owner's home feed, so visibility is what home already allows; an exclusive list's members
leave the home timeline.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from fedi.errors import NotFound, Unprocessable
from fedi.models.accounts import Account
from fedi.models.filters import FilterContext
from fedi.models.lists import RepliesPolicy, UserList
from fedi.models.statuses import Status
from fedi.services import filters
from fedi.store import lists as store
from fedi.store import relationships as relationship_store
from fedi.store.paging import Page
from fedi.store.views import StatusView, accounts_by_id, status_views

MAX_LISTS = 50
MAX_TITLE = 255


def all_of(session: Session, viewer: Account) -> list[UserList]:
    return store.of_account(session, viewer.id)


def get(session: Session, viewer: Account, list_id: int) -> UserList:
    found = store.get_for(session, viewer.id, list_id)
    if found is None:
        raise NotFound()
    return found


def _policy(value: str | None, default: str) -> str:
    if value is None:
        return default
    if value not in {p.value for p in RepliesPolicy}:
        raise Unprocessable("replies_policy must be followed, list or none", field="replies_policy")
    return value


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise Unprocessable("title can't be blank", field="title")
    return title


def create(
    session: Session, viewer: Account, *, title: str | None, replies_policy: str | None, exclusive: bool
) -> UserList:
    if store.count_of(session, viewer.id) >= MAX_LISTS:
        raise Unprocessable(f"You cannot have more than {MAX_LISTS} lists")
    item = UserList(
        account_id=viewer.id,
        title=_title(title),
        replies_policy=_policy(replies_policy, RepliesPolicy.LIST.value),
        exclusive=exclusive,
    )
    session.add(item)
    session.flush()
    return item


def update(
    session: Session,
    viewer: Account,
    list_id: int,
    *,
    title: str | None,
    replies_policy: str | None,
    exclusive: bool | None,
) -> UserList:
    item = get(session, viewer, list_id)
    if title is not None:
        item.title = _title(title)
    item.replies_policy = _policy(replies_policy, item.replies_policy)
    if exclusive is not None:
        item.exclusive = exclusive
    session.add(item)
    session.flush()
    return item


def delete(session: Session, viewer: Account, list_id: int) -> None:
    store.remove(session, get(session, viewer, list_id).id)


def members(session: Session, viewer: Account, list_id: int, page: Page | None) -> list[tuple[int, Account]]:
    """Members newest-added first, with the ids they page by; `page` None lists them all."""
    rows = store.members_page(session, get(session, viewer, list_id).id, page)
    accounts = accounts_by_id(session, {r.account_id for r in rows})
    return [(r.id, accounts[r.account_id]) for r in rows if r.account_id in accounts]


def add_members(session: Session, viewer: Account, list_id: int, account_ids: Sequence[int]) -> None:
    item = get(session, viewer, list_id)
    for account_id in account_ids:
        if relationship_store.follow(session, viewer.id, account_id) is None:
            raise Unprocessable("You can only add accounts you follow", field="account_ids")
    store.add_members(session, item.id, account_ids)


def remove_members(session: Session, viewer: Account, list_id: int, account_ids: Sequence[int]) -> None:
    store.remove_members(session, get(session, viewer, list_id).id, account_ids)


def holding(session: Session, viewer: Account, account_id: int) -> list[UserList]:
    """The viewer's lists that hold this account (`GET /api/v1/accounts/:id/lists`)."""
    return store.lists_with_member(session, viewer.id, account_id)


def timeline(session: Session, viewer: Account, list_id: int, page: Page) -> list[StatusView]:
    rows = store.timeline(session, get(session, viewer, list_id), page)
    hidden = relationship_store.blocked_or_muted_ids(session, viewer.id)
    shown = [
        v
        for v in status_views(session, rows, viewer)
        if v.account.id not in hidden and (v.reblog is None or v.reblog.account.id not in hidden)
    ]
    return filters.apply(session, viewer, shown, FilterContext.HOME)


def stream_targets(
    session: Session, status: Status, home_owner_ids: Sequence[int]
) -> tuple[list[int], set[int]]:
    """For a status reaching these home feeds: the lists it streams to, and the owners whose
    exclusive lists take it out of their home stream."""
    shown, excluded = [], set()
    for item in store.lists_with_author(session, status.account_id, home_owner_ids):
        if item.exclusive:
            excluded.add(item.account_id)
        if store.shows(session, item, status):
            shown.append(item.id)
    return shown, excluded


def unfollowed(session: Session, follower_id: int, target_id: int) -> None:
    store.remove_member_everywhere(session, follower_id, target_id)
