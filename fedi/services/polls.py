"""Polls: created with a status, voted on here or from other servers, closed when they end.

A local poll counts its votes from `poll_votes`, and its new totals go out as an `Update` of the
`Question` a few seconds after the first vote of a burst (later votes in the burst ride along).
A vote on a remote poll is stored here too (for `own_votes`) and sent to the poll's author as a
`Create` of a contentless `Note` named after the option. When a poll ends, its local voters and
its local author get a `poll` notification, and a local poll's final totals are federated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from activitypub.objects import NoteView, QuestionPoll
from fedi.convert import to_activitypub
from fedi.convert.to_mastodon import is_expired
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.polls import (
    MAX_CHARACTERS_PER_OPTION,
    MAX_EXPIRATION,
    MAX_OPTIONS,
    MIN_EXPIRATION,
    Poll,
    PollVote,
)
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import notifications, visibility
from fedi.services.federation import outbox
from fedi.store import accounts as account_store
from fedi.store import polls as store
from fedi.store import relationships as relationship_store
from fedi.store import statuses as status_store
from fedi.store.views import StatusView, status_view

log = logging.getLogger(__name__)

# Votes on a local poll within this many seconds go out in one Update of its totals.
TOTALS_DELAY_S = 2.0


@dataclass
class PollDraft:
    options: list[str]
    expires_in: int | None
    multiple: bool = False
    hide_totals: bool = False


def validate(draft: PollDraft) -> None:
    """Mastodon's rules for a new poll (422 with the field at fault)."""
    options = [o.strip() for o in draft.options]
    if len(options) < 2 or any(not o for o in options):
        raise Unprocessable("A poll needs at least 2 options, none of them empty", field="poll[options]")
    if len(options) > MAX_OPTIONS:
        raise Unprocessable(f"A poll can't have more than {MAX_OPTIONS} options", field="poll[options]")
    if any(len(o) > MAX_CHARACTERS_PER_OPTION for o in options):
        raise Unprocessable(
            f"Poll options cannot be longer than {MAX_CHARACTERS_PER_OPTION} characters each",
            field="poll[options]",
        )
    if len(set(options)) != len(options):
        raise Unprocessable("Poll options must be different", field="poll[options]")
    if draft.expires_in is None:
        raise Unprocessable("A poll needs expires_in", field="poll[expires_in]")
    if draft.expires_in < MIN_EXPIRATION:
        raise Unprocessable("The poll's end is too soon", field="poll[expires_in]")
    if draft.expires_in > MAX_EXPIRATION:
        raise Unprocessable("The poll's end is too far into the future", field="poll[expires_in]")
    draft.options = options


def attach(session: Session, rt: Runtime, status: Status, draft: PollDraft) -> Poll:
    """Store a validated poll on a new local status and schedule its end."""
    assert draft.expires_in is not None
    poll = Poll(
        status_id=status.id,
        account_id=status.account_id,
        options=draft.options,
        cached_tallies=[0] * len(draft.options),
        multiple=draft.multiple,
        hide_totals=draft.hide_totals,
        voters_count=0,
        expires_at=datetime.now(UTC) + timedelta(seconds=draft.expires_in),
    )
    session.add(poll)
    session.flush()
    _schedule_end(session, rt, poll)
    return poll


def _schedule_end(session: Session, rt: Runtime, poll: Poll) -> None:
    if poll.expires_at is None:
        return
    delay = max((poll.expires_at - datetime.now(UTC)).total_seconds(), 0.0)
    rt.jobs.after_commit(session, "expire_poll", poll.id, delay=delay)


def _visible_poll(session: Session, viewer: Account | None, poll_id: int) -> tuple[Poll, Status]:
    poll = store.get(session, poll_id)
    if poll is None:
        raise NotFound("Record not found")
    return poll, visibility.visible_status(session, viewer, poll.status_id)


def show(session: Session, viewer: Account | None, poll_id: int) -> StatusView:
    """The status carrying the poll, as the viewer sees it (its `poll` is the answer)."""
    _poll, status = _visible_poll(session, viewer, poll_id)
    return status_view(session, status, viewer)


def vote(session: Session, rt: Runtime, voter: Account, poll_id: int, choices: list[int]) -> StatusView:
    """Vote as a local account (Mastodon's VoteValidator rules), then count or send the vote."""
    poll, status = _visible_poll(session, voter, poll_id)
    if relationship_store.block(session, poll.account_id, voter.id) or relationship_store.block(
        session, voter.id, poll.account_id
    ):
        raise NotFound("Record not found")
    if is_expired(poll):
        raise Unprocessable("The poll has already ended", field="choices")
    chosen = list(dict.fromkeys(choices))
    if not chosen:
        raise Unprocessable("Choose at least one option", field="choices")
    if any(c < 0 or c >= len(poll.options) for c in chosen):
        raise Unprocessable("The chosen vote option does not exist", field="choices")
    if voter.id == poll.account_id:
        raise Unprocessable("You cannot vote in your own polls", field="choices")
    before = store.choices_of(session, voter.id, [poll.id]).get(poll.id, [])
    if (not poll.multiple and (before or len(chosen) > 1)) or set(before) & set(chosen):
        raise Unprocessable("You have already voted on this poll", field="choices")
    votes = [PollVote(id=new_id(), poll_id=poll.id, account_id=voter.id, choice=c) for c in chosen]
    for item in votes:
        session.add(item)
    session.flush()
    if status.local:
        _recount(session, rt, poll)
    else:
        _count_sent_votes(session, poll, [v.choice for v in votes], first=not before)
        view = status_view(session, status, None)
        for item in votes:
            activity = to_activitypub.vote(view, voter, item.choice, item.id)
            item.uri = activity["object"]["id"]
            session.add(item)
            outbox.send(session, rt, voter, activity, [view.account.inbox_url])
    session.flush()
    return status_view(session, status, voter)


def _count_sent_votes(session: Session, poll: Poll, choices: list[int], *, first: bool) -> None:
    """A remote poll counts votes on its own server; ours show at once, as Mastodon shows them."""
    tallies = list(poll.cached_tallies) + [0] * (len(poll.options) - len(poll.cached_tallies))
    for choice in choices:
        tallies[choice] += 1
    poll.cached_tallies = tallies
    poll.votes_count += len(choices)
    if first and poll.voters_count is not None:
        poll.voters_count += 1
    session.add(poll)


def received_vote(session: Session, rt: Runtime, actor: Account, status: Status, note: NoteView) -> str:
    """A remote account's vote on a local poll: counted once per voter and option, and only
    while the poll is open and the voter may see it."""
    poll = store.of_status(session, status.id)
    if poll is None or not status.local:
        return "ignored: vote on a poll that is not ours"
    if is_expired(poll):
        return "ignored: vote after the poll ended"
    if actor.id == poll.account_id:
        return "ignored: vote on one's own poll"
    if not visibility.can_view(session, actor, status):
        return "ignored: vote on a poll the voter cannot see"
    if note.name not in poll.options:
        return "ignored: vote for no option of the poll"
    choice = poll.options.index(note.name)
    before = store.choices_of(session, actor.id, [poll.id]).get(poll.id, [])
    if choice in before:
        return "done"  # the same vote delivered again
    if before and not poll.multiple:
        return "ignored: a second vote on a single-choice poll"
    session.add(PollVote(poll_id=poll.id, account_id=actor.id, choice=choice, uri=note.id[:2048]))
    session.flush()
    _recount(session, rt, poll)
    return "done"


def _recount(session: Session, rt: Runtime, poll: Poll) -> None:
    poll.cached_tallies, poll.voters_count = store.tallies(session, poll)
    poll.votes_count = sum(poll.cached_tallies)
    now = datetime.now(UTC)
    if poll.totals_due_at is None or poll.totals_due_at <= now:
        poll.totals_due_at = now + timedelta(seconds=TOTALS_DELAY_S)
        rt.jobs.after_commit(session, "poll_totals", poll.id, delay=TOTALS_DELAY_S)
    session.add(poll)
    session.flush()


def send_totals(rt: Runtime, poll_id: int) -> None:
    """Job body: federate a local poll's current totals (an Update of its Question)."""
    with rt.db.session() as session:
        poll = store.get(session, poll_id)
        if poll is None:
            return
        poll.totals_due_at = None
        session.add(poll)
        _federate(session, rt, poll)


def _federate(session: Session, rt: Runtime, poll: Poll) -> None:
    status = status_store.get(session, poll.status_id)
    if status is None or not status.local or status.state != "published":
        return
    view = status_view(session, status, None)
    voters = [a for a in (account_store.get(session, i) for i in store.voter_ids(session, poll.id)) if a]
    outbox.poll_updated(session, rt, view, [a for a in voters if not a.local])


def expire(rt: Runtime, poll_id: int) -> None:
    """Job body, at the poll's end: notify its local voters and local author, once, and federate
    a local poll's final totals. Run early, it schedules itself again."""
    with rt.db.session() as session:
        poll = store.get(session, poll_id)
        if poll is None or poll.closed_at is not None or poll.expires_at is None:
            return
        now = datetime.now(UTC)
        if poll.expires_at > now:
            _schedule_end(session, rt, poll)
            return
        status = status_store.get(session, poll.status_id)
        if status is None:
            return
        poll.closed_at = poll.expires_at
        session.add(poll)
        session.flush()
        recipients = [*store.voter_ids(session, poll.id), poll.account_id]
        for recipient in dict.fromkeys(recipients):
            notifications.notify(
                session,
                rt,
                recipient_id=recipient,
                type="poll",
                from_account_id=poll.account_id,
                status_id=status.id,
                allow_self=True,
            )
        if status.local:
            _federate(session, rt, poll)


def store_remote(session: Session, rt: Runtime, status: Status, received: QuestionPoll) -> None:
    """A received `Question`'s poll, new or updated (its server's totals replace ours)."""
    poll = store.of_status(session, status.id)
    options = [name for name, _votes in received.options]
    tallies = [votes for _name, votes in received.options]
    if poll is None:
        poll = Poll(status_id=status.id, account_id=status.account_id, options=options)
        session.add(poll)
        session.flush()
        new = True
    else:
        new = False
        if poll.options != options:
            # Changed options make the votes meaningless (Mastodon resets them too).
            for item in store.votes_of(session, poll.id):
                session.delete(item)
            poll.options = options
    poll.cached_tallies = tallies
    poll.votes_count = sum(tallies)
    poll.voters_count = received.voters_count
    poll.multiple = received.multiple
    ends = received.end_time
    if received.closed is not None and (ends is None or received.closed < ends):
        ends = received.closed
    changed_end = ends != poll.expires_at
    poll.expires_at = ends
    session.add(poll)
    session.flush()
    if (new or changed_end) and poll.closed_at is None:
        _schedule_end(session, rt, poll)


# How many polls one sweep handles, and how late a job must be before the sweep does its work.
SWEEP_BATCH = 100
SWEEP_GRACE = timedelta(minutes=1)


def sweep(rt: Runtime) -> None:
    """Periodic: do the work of expiry and totals jobs that were lost (a crash between a commit
    and its enqueue)."""
    now = datetime.now(UTC)
    with rt.db.reader() as session:
        ended = store.ended_unclosed(session, now - SWEEP_GRACE, SWEEP_BATCH)
        overdue = store.totals_overdue(session, now - SWEEP_GRACE, SWEEP_BATCH)
    for poll_id in ended:
        expire(rt, poll_id)
    for poll_id in overdue:
        send_totals(rt, poll_id)
