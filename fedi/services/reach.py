"""Who sees a newly visible post, local or remote: home feeds, mention notifications, the
image bot, streams. Federation (for local posts) is the caller's business."""

from __future__ import annotations

from sqlmodel import Session

from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import conversations, events, lists, notifications, tag_follows, trends
from fedi.store import statuses as store
from fedi.store.views import StatusView


def spread(session: Session, rt: Runtime, status: Status, view: StatusView) -> None:
    local_mentions = [a.id for a in view.mentions if a.local]
    if status.visibility == "direct":
        home = list(local_mentions)
    else:
        home = store.local_follower_ids(session, status.account_id)
        if status.visibility == "private":
            home += local_mentions
    if status.local:
        home.append(status.account_id)
    home += tag_follows.readers(session, status, [t.id for t in view.tags])
    store.add_to_home_feeds(session, status.id, home)
    for account_id in local_mentions:
        notifications.notify(
            session,
            rt,
            recipient_id=account_id,
            type="mention",
            from_account_id=status.account_id,
            status_id=status.id,
        )
    conversations.record(session, rt, status, view)
    _remixed(session, rt, status)
    # The image bot (services.bot), reached through the runtime: bot builds on this module.
    rt.callbacks.answer_mention(session, rt, status, view.mentions)
    in_lists, exclusive_owners = lists.stream_targets(session, status, home)
    streamed_home = [owner for owner in home if owner not in exclusive_owners]
    channels = events.status_channels(status, streamed_home, [t.name for t in view.tags])
    events.status_created(session, rt, status, channels + [f"list:{list_id}" for list_id in in_lists])


def _remixed(session: Session, rt: Runtime, status: Status) -> None:
    """A remix or an edit counts towards its source's trend score, and a local image's author
    is told, whether the remix was made here or on another server."""
    if not status.remix_of_uri:
        return
    source = store.by_uri(session, status.remix_of_uri)
    if source is None:
        return
    trends.record(session, source.id, trends.Interaction.REMIX)
    if not source.local:
        return
    notifications.notify(
        session,
        rt,
        recipient_id=source.account_id,
        type="fedi_remix",
        from_account_id=status.account_id,
        status_id=status.id,
    )
