"""Grouped notifications, as Mastodon 4.3 groups them (`/api/v2/notifications`).

Favourites and boosts of one status, and follows, share a group key
`<type>[-<status id>]-<hour bucket>`. A new notification joins the newest group of its kind
unless that group began twelve or more hours earlier; the key is stored on the row, so groups
never change once formed. Pages hold one entry per group, each represented by its newest
notification in the page, and paging bounds are notification ids, as in Mastodon.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.notifications import GROUPABLE_TYPES, Notification
from fedi.services import filters
from fedi.store import notifications as store
from fedi.store.paging import Page
from fedi.store.views import Group, GroupPage, accounts_by_id, notification_views

SAMPLE_ACCOUNTS = 8
MAX_GROUP_SPAN_HOURS = 12


def key_for(
    session: Session, recipient_id: int, type: str, status_id: int | None, now: datetime
) -> str | None:
    """The group a new notification joins, or None for a type that is never grouped."""
    if type not in GROUPABLE_TYPES:
        return None
    prefix = type if type == "follow" else f"{type}-{status_id}"
    bucket = int(now.timestamp()) // 3600
    # A group joined must have begun less than MAX_GROUP_SPAN_HOURS ago; at most one can have
    # (a later one starts only once the span is over), so a dozen exact keys are looked up.
    recent = [f"{prefix}-{b}" for b in range(bucket - MAX_GROUP_SPAN_HOURS + 1, bucket + 1)]
    found = store.existing_group_keys(session, recipient_id, recent)
    return max(found, key=lambda k: int(k.rsplit("-", 1)[1])) if found else f"{prefix}-{bucket}"


def _grouper(grouped_types: Sequence[str] | None) -> tuple[str, ...]:
    if not grouped_types:
        return GROUPABLE_TYPES
    return tuple(t for t in grouped_types if t in GROUPABLE_TYPES)


def _key_of(item: Notification, grouped: tuple[str, ...]) -> str:
    return item.group_key if item.group_key and item.type in grouped else f"ungrouped-{item.id}"


def page(
    session: Session,
    viewer: Account,
    paging: Page,
    *,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] = (),
    from_account_id: int | None = None,
    grouped_types: Sequence[str] | None = None,
) -> GroupPage:
    grouped = _grouper(grouped_types)
    rows = store.group_page_for(
        session,
        viewer.id,
        paging,
        lambda n: _key_of(n, grouped),
        types=types,
        exclude_types=exclude_types,
        from_account_id=from_account_id,
    )
    if not rows:
        return GroupPage([], {}, [])
    # The page covers the ids between its oldest and newest rows; a short page is the last one
    # in its direction, so it reaches the request's own bound (or the end).
    newest: int | None = rows[0].id
    oldest: int | None = rows[-1].id
    if len(rows) < paging.limit:
        if paging.min_id is not None:
            newest = paging.max_id - 1 if paging.max_id is not None else None
        else:
            oldest = paging.since_id + 1 if paging.since_id is not None else None
    groups = _groups(session, viewer, rows, grouped, newest=newest, oldest=oldest)
    return GroupPage(groups, _accounts(session, groups), [n.id for n in rows])


def _groups(
    session: Session,
    viewer: Account,
    rows: list[Notification],
    grouped: tuple[str, ...],
    *,
    newest: int | None,
    oldest: int | None,
) -> list[Group]:
    keys = [k for k in (_key_of(n, grouped) for n in rows) if not k.startswith("ungrouped-")]
    facts = store.group_facts(session, viewer.id, keys, newest=newest, oldest=oldest, samples=SAMPLE_ACCOUNTS)
    groups = []
    for view in filters.apply_to_notifications(session, viewer, notification_views(session, rows, viewer)):
        item = view.notification
        key = _key_of(item, grouped)
        found = facts.get(key)
        if found is None:
            groups.append(
                Group(key, item, view.status, 1, item.id, item.id, item.created_at, [item.from_account_id])
            )
        else:
            groups.append(
                Group(
                    key,
                    item,
                    view.status,
                    found.count,
                    found.newest_id,
                    found.page_min_id,
                    found.page_newest_at,
                    found.samples,
                )
            )
    return groups


def _accounts(session: Session, groups: list[Group]) -> dict[int, Account]:
    wanted = {a for g in groups for a in g.sample_ids}
    wanted |= {g.status.account.id for g in groups if g.status is not None}
    return accounts_by_id(session, wanted)


def group(session: Session, viewer: Account, group_key: str) -> GroupPage:
    """One group whole, as `GET /api/v2/notifications/:group_key` shows it."""
    newest = store.newest_in_group(session, viewer.id, group_key)
    if newest is None:
        raise NotFound()
    groups = _groups(session, viewer, [newest], GROUPABLE_TYPES, newest=None, oldest=None)
    if not groups:
        raise NotFound()
    return GroupPage(groups, _accounts(session, groups), [newest.id])


def group_accounts(
    session: Session, viewer: Account, group_key: str, paging: Page
) -> list[tuple[int, Account]]:
    """Who caused a group's notifications, newest first, paged by notification id."""
    if store.newest_in_group(session, viewer.id, group_key) is None:
        raise NotFound()
    members = store.group_members(session, viewer.id, group_key, paging)
    accounts = accounts_by_id(session, {n.from_account_id for n in members})
    return [(n.id, accounts[n.from_account_id]) for n in members if n.from_account_id in accounts]


def dismiss(session: Session, viewer: Account, group_key: str) -> None:
    store.remove_group(session, viewer.id, group_key)


def unread_count(
    session: Session,
    viewer: Account,
    *,
    limit: int,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] = (),
    from_account_id: int | None = None,
    grouped_types: Sequence[str] | None = None,
) -> int:
    """Groups with a notification newer than the notifications marker, counted up to `limit`."""
    marker = next(iter(store.markers(session, viewer.id, ["notifications"])), None)
    grouped = _grouper(grouped_types)
    rows = store.group_page_for(
        session,
        viewer.id,
        Page(limit=limit, min_id=marker.last_read_id if marker else 0),
        lambda n: _key_of(n, grouped),
        types=types,
        exclude_types=exclude_types,
        from_account_id=from_account_id,
    )
    return len(rows)
