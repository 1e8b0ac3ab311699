"""Queries on notifications and read markers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, exists, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from fedi import memo
from fedi.models.accounts import Account
from fedi.models.notifications import Marker, Notification
from fedi.models.relationships import AccountDomainBlock
from fedi.store.paging import Page, fetch_page, fetch_prepared_page


def shown() -> Any:
    """Notifications not held by the recipient's notification policy."""
    return col(Notification.filtered).is_(False)


def get_for(session: Session, account_id: int, notification_id: int) -> Notification | None:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.account_id != account_id or notification.filtered:
        return None
    return notification


def _selection(
    account_id: int, types: Sequence[str] | None, exclude_types: Sequence[str], from_account_id: int | None
) -> Any:
    stmt = select(Notification).where(Notification.account_id == account_id, shown())
    if types:
        stmt = stmt.where(col(Notification.type).in_(types))
    if exclude_types:
        stmt = stmt.where(col(Notification.type).not_in(exclude_types))
    if from_account_id is not None:
        stmt = stmt.where(Notification.from_account_id == from_account_id)
    # Nothing from a domain the recipient blocked.
    return stmt.where(
        ~exists().where(
            col(AccountDomainBlock.account_id) == account_id,
            col(Account.id) == col(Notification.from_account_id),
            col(Account.domain) == col(AccountDomainBlock.domain),
        )
    )


def page_for(
    session: Session,
    account_id: int,
    page: Page,
    *,
    types: Sequence[str] | None,
    exclude_types: Sequence[str],
    from_account_id: int | None,
) -> list[Notification]:
    if types or exclude_types or from_account_id is not None:
        stmt = _selection(account_id, types, exclude_types, from_account_id)
        return fetch_page(session, stmt, Notification.id, page)
    # The page every client polls: a statement built once, its rows remembered by id.
    ids = fetch_prepared_page(
        session, "notifications", _plain_ids, Notification.id, page, {"viewer": account_id}
    )
    found = memo.remembered_many(session, "notification", ids, lambda missing: _many(session, missing))
    return [found[i] for i in ids if i in found]


def _plain_ids() -> Any:
    viewer: Any = bindparam("viewer")
    return core_select(col(Notification.id)).where(
        col(Notification.account_id) == viewer,
        shown(),
        ~exists().where(
            col(AccountDomainBlock.account_id) == viewer,
            col(Account.id) == col(Notification.from_account_id),
            col(Account.domain) == col(AccountDomainBlock.domain),
        ),
    )


def _many(session: Session, ids: set[int]) -> dict[int, Notification]:
    return {n.id: n for n in session.exec(select(Notification).where(col(Notification.id).in_(ids))).all()}


def group_page_for(
    session: Session,
    account_id: int,
    page: Page,
    group_of: Callable[[Notification], str],
    *,
    types: Sequence[str] | None,
    exclude_types: Sequence[str],
    from_account_id: int | None,
) -> list[Notification]:
    """The newest notification of each of `page.limit` groups, newest first.

    Bounds apply to notifications, as in Mastodon: `min_id` asks for the groups just above it.
    Rows are read in batches until enough distinct groups are seen or the rows run out.
    """
    column = col(Notification.id)
    stmt = _selection(account_id, types, exclude_types, from_account_id)
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    upwards = page.min_id is not None
    if upwards:
        stmt = stmt.where(column > page.min_id)
    batch = max(page.limit * 2, 40)
    seen: set[str] = set()
    chosen: list[Notification] = []
    last: int | None = None
    while len(chosen) < page.limit:
        query = stmt if last is None else stmt.where(column > last if upwards else column < last)
        rows = session.exec(query.order_by(column.asc() if upwards else column.desc()).limit(batch)).all()
        for row in rows:
            key = group_of(row)
            if key not in seen and len(chosen) < page.limit:
                seen.add(key)
                chosen.append(row)
        if len(rows) < batch:
            break
        last = rows[-1].id
    return list(reversed(chosen)) if upwards else chosen


@dataclass(frozen=True)
class GroupFacts:
    """A group's notifications up to the page's newest (`count`, `newest_id`, `samples`) and
    those inside the page (`page_min_id`, `page_newest_at`)."""

    count: int
    newest_id: int
    page_min_id: int
    page_newest_at: datetime
    samples: list[int]


def group_facts(
    session: Session,
    account_id: int,
    keys: Sequence[str],
    *,
    newest: int | None,
    oldest: int | None,
    samples: int,
) -> dict[str, GroupFacts]:
    """Counts, bounds and the most recent `samples` accounts of these groups, in three queries."""
    if not keys:
        return {}
    base: list[Any] = [
        col(Notification.account_id) == account_id,
        col(Notification.group_key).in_(keys),
        shown(),
    ]
    if newest is not None:
        base.append(col(Notification.id) <= newest)
    in_page = (
        col(Notification.id) if oldest is None else case((col(Notification.id) >= oldest, Notification.id))
    )
    totals = session.exec(
        select(Notification.group_key, func.count(), func.max(Notification.id), func.min(in_page))
        .where(*base)
        .group_by(Notification.group_key)
    ).all()
    rank = (
        func.row_number()
        .over(partition_by=Notification.group_key, order_by=col(Notification.id).desc())
        .label("rank")
    )
    ranked = select(Notification.group_key, Notification.from_account_id, rank).where(*base).subquery()
    sample_rows = session.exec(
        select(ranked.c.group_key, ranked.c.from_account_id)
        .where(ranked.c.rank <= samples)
        .order_by(ranked.c.group_key, ranked.c.rank)
    ).all()
    newest_ids = [row[2] for row in totals]
    times = dict(
        session.exec(
            select(Notification.id, Notification.created_at).where(col(Notification.id).in_(newest_ids))
        ).all()
    )
    by_key: dict[str, list[int]] = {}
    for key, from_id in sample_rows:
        by_key.setdefault(key, []).append(from_id)
    return {
        key: GroupFacts(
            count=count,
            newest_id=newest_id,
            page_min_id=page_min if page_min is not None else newest_id,
            page_newest_at=times[newest_id],
            samples=by_key.get(key, []),
        )
        for key, count, newest_id, page_min in totals
        if key is not None
    }


def existing_group_keys(session: Session, account_id: int, keys: Sequence[str]) -> list[str]:
    """Which of these group keys this account's notifications already use (index lookups)."""
    stmt = select(Notification.group_key).where(
        Notification.account_id == account_id, col(Notification.group_key).in_(keys)
    )
    return [key for key in session.exec(stmt.distinct()).all() if key is not None]


def _in_group(account_id: int, group_key: str) -> list[Any]:
    """Conditions for the notifications of one group (`ungrouped-<id>` names one notification)."""
    if group_key.startswith("ungrouped-"):
        number = group_key.removeprefix("ungrouped-")
        wanted = int(number) if number.isdigit() and len(number) < 19 else 0
        return [col(Notification.account_id) == account_id, col(Notification.id) == wanted, shown()]
    return [col(Notification.account_id) == account_id, col(Notification.group_key) == group_key, shown()]


def newest_in_group(session: Session, account_id: int, group_key: str) -> Notification | None:
    stmt = select(Notification).where(*_in_group(account_id, group_key))
    return session.exec(stmt.order_by(col(Notification.id).desc()).limit(1)).first()


def group_members(session: Session, account_id: int, group_key: str, page: Page) -> list[Notification]:
    stmt = select(Notification).where(*_in_group(account_id, group_key))
    return fetch_page(session, stmt, Notification.id, page)


def remove_group(session: Session, account_id: int, group_key: str) -> None:
    session.exec(delete(Notification).where(*_in_group(account_id, group_key)))


def exists_like(
    session: Session, account_id: int, type: str, from_id: int, status_id: int | None, report_id: int | None
) -> bool:
    stmt = select(Notification.id).where(
        Notification.account_id == account_id,
        Notification.type == type,
        Notification.from_account_id == from_id,
        Notification.status_id == status_id,
        Notification.report_id == report_id,
    )
    return session.exec(stmt).first() is not None


def remove_about(
    session: Session, *, type: str, from_id: int, status_id: int | None, account_id: int
) -> None:
    stmt = delete(Notification).where(
        col(Notification.account_id) == account_id,
        col(Notification.type) == type,
        col(Notification.from_account_id) == from_id,
        col(Notification.status_id) == status_id
        if status_id is not None
        else col(Notification.status_id).is_(None),
    )
    session.exec(stmt)


def clear(session: Session, account_id: int) -> None:
    session.exec(delete(Notification).where(col(Notification.account_id) == account_id, shown()))


def markers(session: Session, account_id: int, timelines: Sequence[str]) -> list[Marker]:
    stmt = select(Marker).where(Marker.account_id == account_id, col(Marker.timeline).in_(timelines))
    return list(session.exec(stmt).all())


def count_after(session: Session, account_id: int, after_id: int, *, limit: int) -> int:
    """Notifications newer than `after_id`, counted up to `limit`."""
    newer = (
        select(Notification.id)
        .where(Notification.account_id == account_id, col(Notification.id) > after_id, shown())
        .limit(limit)
        .subquery()
    )
    return session.exec(select(func.count()).select_from(newer)).one()


def save_marker(session: Session, account_id: int, timeline: str, last_read_id: int, now: datetime) -> Marker:
    marker = session.get(Marker, (account_id, timeline))
    if marker is None:
        marker = Marker(account_id=account_id, timeline=timeline, last_read_id=last_read_id, updated_at=now)
    elif marker.last_read_id != last_read_id:
        marker.last_read_id, marker.version, marker.updated_at = last_read_id, marker.version + 1, now
    session.add(marker)
    return marker
