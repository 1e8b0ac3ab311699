"""Statuses with everything needed to show them, loaded in a fixed number of queries.

A page of statuses becomes StatusViews with about eight queries whatever its length (authors,
boosted statuses, media, mentions, tags, the viewer's favourites/boosts/bookmarks/pins). The
Mastodon API, the ActivityPub documents and the web pages are all rendered from these views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from fedi import memo
from fedi.models.accounts import Account
from fedi.models.conversations import Conversation
from fedi.models.emojis import CustomEmoji
from fedi.models.federation import Report
from fedi.models.filters import Filter, FilterKeyword, FilterStatus
from fedi.models.media import MediaAttachment
from fedi.models.notifications import Notification
from fedi.models.polls import Poll
from fedi.models.statuses import Status, Tag
from fedi.store import conversation_mutes
from fedi.store import emojis as emoji_store
from fedi.store import interactions as interaction_store
from fedi.store import media as media_store
from fedi.store import polls as poll_store
from fedi.store import statuses as status_store


@dataclass(frozen=True)
class FilterView:
    filter: Filter
    keywords: list[FilterKeyword]
    statuses: list[FilterStatus]


@dataclass(frozen=True)
class FilterMatch:
    """Mastodon's FilterResult: which of a filter's keywords and statuses matched."""

    filter: Filter
    keyword_matches: list[str] | None
    status_matches: list[int] | None


@dataclass(frozen=True)
class PollView:
    """A poll as one viewer sees it: whether they voted, and for what."""

    poll: Poll
    own_votes: list[int]
    # Mastodon counts the author as having voted (they see the totals, and cannot vote).
    voted: bool


@dataclass
class StatusParts:
    """What every viewer sees of a status: it, its author, media, mentions, tags, custom emoji
    and poll.

    Remembered between read-only requests while the database does not change
    (fedi/memo.py), so shared: never changed once built. `rendered` keeps the convert
    layer's viewer-independent entity once it is made (fedi/convert/to_mastodon.py)."""

    status: Status
    account: Account
    media: list[MediaAttachment]
    mentions: list[Account]
    tags: list[Tag]
    emojis: list[CustomEmoji]
    poll: Poll | None = None
    rendered: dict[str, Any] | None = None


@dataclass
class StatusView:
    status: Status
    account: Account
    media: list[MediaAttachment] = field(default_factory=list)
    mentions: list[Account] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    emojis: list[CustomEmoji] = field(default_factory=list)
    reblog: StatusView | None = None
    favourited: bool = False
    reblogged: bool = False
    bookmarked: bool = False
    pinned: bool = False
    muted: bool = False  # the viewer muted the status's conversation
    # The viewer's filters this status matches in the context it is shown in.
    filtered: list[FilterMatch] = field(default_factory=list)
    poll: PollView | None = None
    # The viewer-independent parts this view was made from (None: made by hand).
    parts: StatusParts | None = None


def accounts_by_id(session: Session, ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    return {a.id: a for a in session.exec(select(Account).where(col(Account.id).in_(ids))).all()}


def remembered_accounts(session: Session, ids: set[int]) -> dict[int, Account]:
    return memo.remembered_many(session, "account", ids, lambda missing: accounts_by_id(session, missing))


def remembered_statuses(session: Session, ids: set[int]) -> dict[int, Status]:
    return memo.remembered_many(session, "status", ids, lambda missing: status_store.many(session, missing))


def status_parts(session: Session, statuses: dict[int, Status]) -> dict[int, StatusParts]:
    """The parts of these statuses, in five queries for those not remembered."""

    def load(missing: set[int]) -> dict[int, StatusParts]:
        media = media_store.of_statuses(session, missing)
        mentions = status_store.mentions_of(session, missing)
        tags = status_store.tags_of(session, missing)
        polls = poll_store.of_statuses(session, missing)
        emojis = emoji_store.of_statuses(session, missing)
        account_ids = {statuses[i].account_id for i in missing}
        account_ids |= {a for i in missing for a in mentions.get(i, [])}
        accounts = remembered_accounts(session, account_ids)
        return {
            i: StatusParts(
                status=statuses[i],
                account=accounts[statuses[i].account_id],
                media=media.get(i, []),
                mentions=[accounts[a] for a in mentions.get(i, []) if a in accounts],
                tags=tags.get(i, []),
                emojis=emojis.get(i, []),
                poll=polls.get(i),
            )
            for i in missing
            if statuses[i].account_id in accounts
        }

    return memo.remembered_many(session, "status-parts", statuses, load)


def status_views(session: Session, statuses: list[Status], viewer: Account | None) -> list[StatusView]:
    if not statuses:
        return []
    boosted = remembered_statuses(session, {s.reblog_of_id for s in statuses if s.reblog_of_id})
    everything = {s.id: s for s in statuses} | boosted
    parts = status_parts(session, everything)
    ids = set(everything)
    flags = (
        interaction_store.viewer_flags(session, viewer.id, ids)
        if viewer is not None
        else {"favourited": set(), "bookmarked": set(), "pinned": set(), "reblogged": set()}
    )
    muted_threads = (
        memo.remembered(
            session,
            ("muted-threads", viewer.id),
            lambda: conversation_mutes.threads_muted_by(session, viewer.id),
        )
        if viewer is not None
        else set()
    )
    threads: dict[int, str] = {}
    poll_ids = tuple(sorted(p.poll.id for p in parts.values() if p.poll is not None))
    chosen = (
        memo.remembered(
            session,
            ("poll-choices", viewer.id, poll_ids),
            lambda: poll_store.choices_of(session, viewer.id, poll_ids),
        )
        if viewer is not None and poll_ids
        else {}
    )

    def poll_of(found: StatusParts) -> PollView | None:
        # Whether it is over is decided when shown (fedi/convert/to_mastodon.py), not here.
        poll = found.poll
        if poll is None:
            return None
        own = chosen.get(poll.id, [])
        voted = bool(own) or (viewer is not None and viewer.id == poll.account_id)
        return PollView(poll=poll, own_votes=own, voted=voted)

    def build(status_id: int) -> StatusView:
        found = parts[status_id]
        return StatusView(
            status=found.status,
            account=found.account,
            media=found.media,
            mentions=found.mentions,
            tags=found.tags,
            emojis=found.emojis,
            favourited=status_id in flags["favourited"],
            reblogged=status_id in flags["reblogged"],
            bookmarked=status_id in flags["bookmarked"],
            pinned=status_id in flags["pinned"],
            muted=bool(muted_threads)
            and conversation_mutes.thread_of(session, found.status, threads) in muted_threads,
            poll=poll_of(found),
            parts=found,
        )

    views: list[StatusView] = []
    for status in statuses:
        if status.id not in parts:
            continue  # its author is gone
        view = build(status.id)
        if status.reblog_of_id is not None:
            if status.reblog_of_id not in parts:
                continue  # the boosted status is gone: so is the boost
            view.reblog = build(status.reblog_of_id)
        views.append(view)
    return views


def status_view(session: Session, status: Status, viewer: Account | None) -> StatusView:
    return status_views(session, [status], viewer)[0]


@dataclass
class ReportView:
    """A report with the accounts it names and the reported posts still stored."""

    report: Report
    target: Account
    reporter: Account | None
    statuses: list[Status]
    assigned: Account | None = None
    action_taken_by: Account | None = None


def report_views(session: Session, reports: list[Report]) -> list[ReportView]:
    ids = {
        i
        for r in reports
        for i in (
            r.target_account_id,
            r.reporter_account_id,
            r.assigned_account_id,
            r.action_taken_by_account_id,
        )
        if i is not None
    }
    accounts = accounts_by_id(session, ids)
    uris = {uri for r in reports for uri in r.status_uris}
    found = (
        {s.uri: s for s in session.exec(select(Status).where(col(Status.uri).in_(uris))).all()}
        if uris
        else {}
    )
    return [
        ReportView(
            report=r,
            target=accounts[r.target_account_id],
            reporter=accounts.get(r.reporter_account_id) if r.reporter_account_id else None,
            statuses=[found[uri] for uri in r.status_uris if uri in found],
            assigned=accounts.get(r.assigned_account_id) if r.assigned_account_id else None,
            action_taken_by=(
                accounts.get(r.action_taken_by_account_id) if r.action_taken_by_account_id else None
            ),
        )
        for r in reports
        if r.target_account_id in accounts
    ]


@dataclass
class NotificationView:
    notification: Notification
    account: Account
    status: StatusView | None = None
    report: ReportView | None = None


def notification_views(
    session: Session, items: list[Notification], viewer: Account | None
) -> list[NotificationView]:
    """Notifications with who caused them and the status they are about (fixed query count)."""
    accounts = remembered_accounts(session, {n.from_account_id for n in items})
    statuses = remembered_statuses(session, {n.status_id for n in items if n.status_id is not None})
    views = {v.status.id: v for v in status_views(session, list(statuses.values()), viewer)}
    report_ids = {n.report_id for n in items if n.report_id is not None}
    found = session.exec(select(Report).where(col(Report.id).in_(report_ids))).all() if report_ids else []
    reports = {v.report.id: v for v in report_views(session, list(found))}
    result = []
    for item in items:
        status = views.get(item.status_id) if item.status_id is not None else None
        report = reports.get(item.report_id) if item.report_id is not None else None
        if (
            item.from_account_id in accounts
            and (item.status_id is None or status is not None)
            and (item.report_id is None or report is not None)
        ):
            result.append(NotificationView(item, accounts[item.from_account_id], status, report))
    return result


@dataclass(frozen=True)
class Group:
    """A notification group as a page shows it (fedi/services/notification_groups.py)."""

    key: str
    notification: Notification  # the newest of the group within the page
    status: StatusView | None
    count: int
    newest_id: int
    page_min_id: int
    page_newest_at: datetime
    sample_ids: list[int]


@dataclass(frozen=True)
class GroupPage:
    groups: list[Group]
    accounts: dict[int, Account]
    # Ids of the notifications the page was cut from, newest first, for the Link header.
    paging_ids: list[int]


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    accounts: list[Account]  # the other participants
    last_status: StatusView | None


def conversation_views(
    session: Session, items: list[Conversation], viewer: Account
) -> list[ConversationView]:
    """Conversations with their participants and last statuses (fixed query count)."""
    accounts = accounts_by_id(session, {a for c in items for a in c.participant_ids})
    last = status_store.many(session, {c.last_status_id for c in items if c.last_status_id is not None})
    views = {v.status.id: v for v in status_views(session, list(last.values()), viewer)}
    return [
        ConversationView(
            c,
            [accounts[a] for a in c.participant_ids if a in accounts],
            views.get(c.last_status_id) if c.last_status_id is not None else None,
        )
        for c in items
    ]
