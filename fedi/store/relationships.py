"""Queries on follows, blocks and mutes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from fedi.models.accounts import Account
from fedi.models.relationships import AccountDomainBlock, AccountNote, Block, Endorsement, Follow, Mute
from fedi.store.paging import Page, fetch_page


def follow(session: Session, follower_id: int, target_id: int) -> Follow | None:
    return session.exec(
        select(Follow).where(Follow.account_id == follower_id, Follow.target_account_id == target_id)
    ).first()


def follow_by_uri(session: Session, uri: str) -> Follow | None:
    return session.exec(select(Follow).where(Follow.uri == uri)).first()


def block(session: Session, account_id: int, target_id: int) -> Block | None:
    return session.exec(
        select(Block).where(Block.account_id == account_id, Block.target_account_id == target_id)
    ).first()


def blocked_either_way(session: Session, a: int, b: int) -> bool:
    stmt = select(Block.id).where(
        ((col(Block.account_id) == a) & (col(Block.target_account_id) == b))
        | ((col(Block.account_id) == b) & (col(Block.target_account_id) == a))
    )
    return session.exec(stmt).first() is not None


def mute(session: Session, account_id: int, target_id: int) -> Mute | None:
    return session.exec(
        select(Mute).where(Mute.account_id == account_id, Mute.target_account_id == target_id)
    ).first()


def followers(session: Session, account_id: int, page: Page) -> list[tuple[Follow, Account]]:
    return _follow_page(session, page, target=account_id)


def following(session: Session, account_id: int, page: Page) -> list[tuple[Follow, Account]]:
    return _follow_page(session, page, follower=account_id)


def follow_requests(session: Session, account_id: int, page: Page) -> list[tuple[Follow, Account]]:
    return _follow_page(session, page, target=account_id, accepted=False)


def _follow_page(
    session: Session,
    page: Page,
    *,
    target: int | None = None,
    follower: int | None = None,
    accepted: bool = True,
) -> list[tuple[Follow, Account]]:
    other = Follow.account_id if target is not None else Follow.target_account_id
    stmt = select(Follow, Account).join(Account, col(Account.id) == col(other))
    stmt = stmt.where(Follow.accepted == accepted)
    if target is not None:
        stmt = stmt.where(Follow.target_account_id == target)
    if follower is not None:
        stmt = stmt.where(Follow.account_id == follower)
    return fetch_page(session, stmt, Follow.id, page)


def follower_inboxes(session: Session, account_id: int) -> list[tuple[str, str | None, str]]:
    """(inbox, shared inbox, actor uri) of every remote follower of a local account."""
    stmt = (
        select(Account.inbox_url, Account.shared_inbox_url, Account.uri)
        .join(Follow, col(Follow.account_id) == col(Account.id))
        .where(
            Follow.target_account_id == account_id,
            Follow.accepted == True,  # noqa: E712
            col(Account.domain).is_not(None),
            col(Account.deleted_at).is_(None),
        )
    )
    return [(inbox, shared, uri) for inbox, shared, uri in session.exec(stmt).all()]


def count_followers(session: Session, account_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Follow)
        .where(
            Follow.target_account_id == account_id,
            Follow.accepted == True,  # noqa: E712
        )
    )
    return session.exec(stmt).one()


def count_following(session: Session, account_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Follow)
        .where(
            Follow.account_id == account_id,
            Follow.accepted == True,  # noqa: E712
        )
    )
    return session.exec(stmt).one()


def flags_for(session: Session, viewer_id: int, target_ids: Iterable[int]) -> dict[str, set[int]]:
    """For one viewer and many targets: which they follow, are followed by, block... (by id)."""
    ids = set(target_ids)
    flags: dict[str, set[int]] = {
        name: set()
        for name in (
            "following",
            "requested",
            "followed_by",
            "requested_by",
            "blocking",
            "blocked_by",
            "muting",
            "muting_notifications",
            "notifying",
            "hiding_reblogs",
            "endorsed",
        )
    }
    if not ids:
        return flags
    for f in session.exec(
        select(Follow).where(Follow.account_id == viewer_id, col(Follow.target_account_id).in_(ids))
    ).all():
        flags["following" if f.accepted else "requested"].add(f.target_account_id)
        if f.notify:
            flags["notifying"].add(f.target_account_id)
        if not f.show_reblogs:
            flags["hiding_reblogs"].add(f.target_account_id)
    for f in session.exec(
        select(Follow).where(Follow.target_account_id == viewer_id, col(Follow.account_id).in_(ids))
    ).all():
        flags["followed_by" if f.accepted else "requested_by"].add(f.account_id)
    for b in session.exec(
        select(Block).where(Block.account_id == viewer_id, col(Block.target_account_id).in_(ids))
    ).all():
        flags["blocking"].add(b.target_account_id)
    for b in session.exec(
        select(Block).where(Block.target_account_id == viewer_id, col(Block.account_id).in_(ids))
    ).all():
        flags["blocked_by"].add(b.account_id)
    for m in session.exec(
        select(Mute).where(Mute.account_id == viewer_id, col(Mute.target_account_id).in_(ids))
    ).all():
        flags["muting"].add(m.target_account_id)
        if m.notifications:
            flags["muting_notifications"].add(m.target_account_id)
    flags["endorsed"] = set(
        session.exec(
            select(Endorsement.target_account_id).where(
                Endorsement.account_id == viewer_id, col(Endorsement.target_account_id).in_(ids)
            )
        ).all()
    )
    return flags


def delete_follows_between(session: Session, a: int, b: int) -> list[Follow]:
    """Remove follows both ways (a block severs them); returns what was removed."""
    removed = list(
        session.exec(
            select(Follow).where(
                ((col(Follow.account_id) == a) & (col(Follow.target_account_id) == b))
                | ((col(Follow.account_id) == b) & (col(Follow.target_account_id) == a))
            )
        ).all()
    )
    for f in removed:
        session.delete(f)
    return removed


def count_follow_requests(session: Session, account_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Follow)
        .where(Follow.target_account_id == account_id, Follow.accepted == False)  # noqa: E712
    )
    return session.exec(stmt).one()


def blocks_of(session: Session, account_id: int, page: Page) -> list[tuple[Block, Account]]:
    stmt = (
        select(Block, Account)
        .join(Account, col(Account.id) == col(Block.target_account_id))
        .where(Block.account_id == account_id)
    )
    return fetch_page(session, stmt, Block.id, page)


def mutes_of(session: Session, account_id: int, page: Page) -> list[tuple[Mute, Account]]:
    stmt = (
        select(Mute, Account)
        .join(Account, col(Account.id) == col(Mute.target_account_id))
        .where(Mute.account_id == account_id)
    )
    return fetch_page(session, stmt, Mute.id, page)


def blocked_or_muted_ids(session: Session, account_id: int) -> set[int]:
    """Accounts this one blocks or mutes."""
    blocked = session.exec(select(Block.target_account_id).where(Block.account_id == account_id)).all()
    muted = session.exec(select(Mute.target_account_id).where(Mute.account_id == account_id)).all()
    return {*blocked, *muted}


def notes_about(session: Session, account_id: int, target_ids: Iterable[int]) -> dict[int, AccountNote]:
    ids = set(target_ids)
    if not ids:
        return {}
    stmt = select(AccountNote).where(
        AccountNote.account_id == account_id, col(AccountNote.target_account_id).in_(ids)
    )
    return {note.target_account_id: note for note in session.exec(stmt).all()}


def familiar_followers(session: Session, viewer_id: int, target_id: int, *, limit: int) -> list[Account]:
    """Followers of the target whom the viewer follows (both follows accepted)."""
    followed = select(Follow.target_account_id).where(
        Follow.account_id == viewer_id,
        Follow.accepted == True,  # noqa: E712
    )
    stmt = (
        select(Account)
        .join(Follow, col(Follow.account_id) == col(Account.id))
        .where(
            Follow.target_account_id == target_id,
            Follow.accepted == True,  # noqa: E712
            col(Follow.account_id).in_(followed),
            col(Account.deleted_at).is_(None),
            Account.suspended == False,  # noqa: E712
        )
        .order_by(col(Follow.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def endorsement(session: Session, account_id: int, target_id: int) -> Endorsement | None:
    stmt = select(Endorsement).where(
        Endorsement.account_id == account_id, Endorsement.target_account_id == target_id
    )
    return session.exec(stmt).first()


def endorsements(session: Session, account_id: int, page: Page) -> list[tuple[Endorsement, Account]]:
    stmt = (
        select(Endorsement, Account)
        .join(Account, col(Account.id) == col(Endorsement.target_account_id))
        .where(Endorsement.account_id == account_id, col(Account.deleted_at).is_(None))
    )
    return [(e, a) for e, a in fetch_page(session, stmt, Endorsement.id, page)]


def count_endorsements(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).where(Endorsement.account_id == account_id)).one()


def friends_of_friends(session: Session, viewer_id: int, *, limit: int) -> list[Account]:
    """Accounts followed by those the viewer follows, most followed among them first; not the
    viewer, not anyone it follows, asked to follow, blocks or mutes, and only discoverable ones."""
    followed = select(Follow.target_account_id).where(
        Follow.account_id == viewer_id,
        Follow.accepted == True,  # noqa: E712
    )
    asked = select(Follow.target_account_id).where(Follow.account_id == viewer_id)
    blocked = select(Block.target_account_id).where(Block.account_id == viewer_id)
    blockers = select(Block.account_id).where(Block.target_account_id == viewer_id)
    muted = select(Mute.target_account_id).where(Mute.account_id == viewer_id)
    stmt = (
        select(Account)
        .join(Follow, col(Follow.target_account_id) == col(Account.id))
        .where(
            col(Follow.account_id).in_(followed),
            Follow.accepted == True,  # noqa: E712
            Account.id != viewer_id,
            col(Account.id).not_in(asked),
            col(Account.id).not_in(blocked),
            col(Account.id).not_in(blockers),
            col(Account.id).not_in(muted),
            Account.discoverable == True,  # noqa: E712
            Account.suspended == False,  # noqa: E712
            col(Account.deleted_at).is_(None),
        )
        .group_by(col(Account.id))
        .order_by(func.count().desc(), col(Account.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def domain_blocks_of(session: Session, account_id: int, page: Page) -> list[AccountDomainBlock]:
    stmt = select(AccountDomainBlock).where(AccountDomainBlock.account_id == account_id)
    return list(fetch_page(session, stmt, AccountDomainBlock.id, page))


def domain_block(session: Session, account_id: int, domain: str) -> AccountDomainBlock | None:
    stmt = select(AccountDomainBlock).where(
        AccountDomainBlock.account_id == account_id, AccountDomainBlock.domain == domain
    )
    return session.exec(stmt).first()


def followers_on_domain(session: Session, account_id: int, domain: str) -> list[Follow]:
    """Follows of `account_id` (accepted or asked) by accounts on `domain`."""
    stmt = (
        select(Follow)
        .join(Account, col(Account.id) == col(Follow.account_id))
        .where(Follow.target_account_id == account_id, Account.domain == domain)
    )
    return list(session.exec(stmt).all())
