"""Local statuses: compose, publish, edit, delete, and read threads.

A status is written in one transaction with everything that makes it visible: mentions, tags,
media, home-feed entries, notifications, and its outgoing activity with one delivery row per
inbox (the durable outbox). Jobs and streaming events leave only after that commit.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from fedi import memo
from fedi.content.text import Rendered, count_characters, render, render_plain
from fedi.errors import NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.filters import FilterContext
from fedi.models.generations import Generation
from fedi.models.media import MediaAttachment, MediaState
from fedi.models.statuses import VISIBILITIES, Status, StatusEdit, StatusState
from fedi.runtime import Runtime
from fedi.services import (
    conversations,
    emojis,
    events,
    filters,
    generations,
    notifications,
    polls,
    reach,
    resolver,
    trends,
    visibility,
)
from fedi.services.federation import outbox
from fedi.store import lists as list_store
from fedi.store import media as media_store
from fedi.store import statuses as store
from fedi.store.views import StatusView, remembered_statuses, status_view, status_views

MAX_MEDIA = 4
IDEMPOTENCY_WINDOW = timedelta(hours=1)
CONTEXT_LIMIT = 200


@dataclass
class StatusDraft:
    """What a client asks to post (validated here, not at the edge)."""

    text: str = ""
    media_ids: list[int] = field(default_factory=list)
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str | None = None
    in_reply_to_id: int | None = None
    language: str | None = None
    application: dict[str, Any] | None = None
    # Media still being generated: the status stays the author's alone until they are ready.
    allow_processing_media: bool = False
    remix_of_uri: str | None = None
    # Shown as the text when a generated post has no caption (escaped, never parsed for mentions).
    prompt_caption: str | None = None
    # When set, the post mentions exactly these accounts and its text is shown as written,
    # never parsed (the image bot's replies carry what strangers typed).
    fixed_mentions: list[Account] | None = None
    poll: polls.PollDraft | None = None


def _clean_text(text: str, field_name: str) -> str:
    if "\x00" in text:
        raise Unprocessable(f"{field_name} contains a NUL character", field=field_name)
    # Bidirectional overrides make text read differently from what it says.
    if any(unicodedata.category(c) == "Cf" and c in "\u202a\u202b\u202c\u202d\u202e" for c in text):
        raise Unprocessable(f"{field_name} contains bidirectional override characters", field=field_name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _validate(rt: Runtime, draft: StatusDraft) -> None:
    draft.text = _clean_text(draft.text, "status")
    draft.spoiler_text = _clean_text(draft.spoiler_text, "spoiler_text").strip()
    limit = rt.settings.api.max_characters
    if count_characters(draft.text) + len(draft.spoiler_text) > limit:
        raise Unprocessable(f"Text character limit of {limit} exceeded", field="status")
    if not draft.text.strip() and not draft.media_ids:
        raise Unprocessable("Text can't be blank", field="status")
    if len(draft.media_ids) > MAX_MEDIA:
        raise Unprocessable(f"Cannot attach more than {MAX_MEDIA} files", field="media_ids")
    if draft.visibility is not None and draft.visibility not in VISIBILITIES:
        raise Unprocessable(f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility")
    if draft.language is not None and (len(draft.language) > 16 or not draft.language.isascii()):
        raise Unprocessable("language must be an ISO 639 code", field="language")
    if draft.poll is not None:
        if draft.media_ids:
            raise Unprocessable("Cannot attach files to a poll", field="poll")
        polls.validate(draft.poll)


def _attachable_media(
    session: Session, author: Account, media_ids: list[int], *, allow_processing: bool = False
) -> list[MediaAttachment]:
    ids = list(dict.fromkeys(media_ids))
    media = {m.id: m for m in media_store.many(session, ids)}
    ordered: list[MediaAttachment] = []
    for media_id in ids:
        item = media.get(media_id)
        # Someone else's media, media already posted or held by a scheduled post, is refused
        # (never attached silently).
        if (
            item is None
            or item.account_id != author.id
            or item.status_id is not None
            or item.scheduled_status_id is not None
        ):
            raise Unprocessable("media_ids contains an unknown media id", field="media_ids")
        if item.state == MediaState.FAILED:
            raise Unprocessable("a media attachment failed to process", field="media_ids")
        if item.processing and not allow_processing:
            raise Unprocessable("media_ids contains media still being processed", field="media_ids")
        ordered.append(item)
    return ordered


def check_draft(session: Session, rt: Runtime, author: Account, draft: StatusDraft) -> list[MediaAttachment]:
    """The checks `create` makes, for a post kept to be made later; returns its media."""
    _validate(rt, draft)
    _reply_parent(session, author, draft.in_reply_to_id)
    return _attachable_media(session, author, draft.media_ids)


def render_for(session: Session, rt: Runtime, author: Account, text: str) -> Rendered:
    """Text to HTML, resolving mentions (remote ones through WebFinger when unknown)."""

    def resolve(username: str, host: str | None) -> Any:
        return resolver.mention_target(session, rt, username, host)

    return render(text, resolve_mention=resolve, tag_url=rt.urls.tag)


def create(
    session: Session, rt: Runtime, author: Account, draft: StatusDraft, *, idempotency_key: str | None = None
) -> Status:
    if idempotency_key:
        existing = _idempotent(session, author, idempotency_key)
        if existing is not None:
            return existing
    generation = _apply_directive(session, rt, author, draft)
    _validate(rt, draft)
    parent = _reply_parent(session, author, draft.in_reply_to_id)
    chosen = draft.visibility or _default_visibility(session, author)
    media = _attachable_media(session, author, draft.media_ids, allow_processing=draft.allow_processing_media)
    if draft.fixed_mentions is not None:
        rendered = render_plain(draft.text, mentions=[resolver.mention_of(a) for a in draft.fixed_mentions])
    else:
        rendered = render_for(session, rt, author, draft.text)
    if not draft.text.strip() and draft.prompt_caption:
        rendered.html = f"<p>{html.escape(draft.prompt_caption)}</p>"
    status_id = new_id()
    status = Status(
        id=status_id,
        uri=rt.urls.status(author.username, status_id),
        url=rt.urls.status_page(author.username, status_id),
        account_id=author.id,
        local=True,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=parent.uri if parent else None,
        content=rendered.html,
        text=draft.text,
        spoiler_text=draft.spoiler_text,
        sensitive=draft.sensitive or bool(draft.spoiler_text),
        visibility=chosen,
        language=draft.language,
        application=draft.application,
        remix_of_uri=draft.remix_of_uri,
        state=StatusState.PROCESSING if any(m.processing for m in media) else StatusState.PUBLISHED,
    )
    session.add(status)
    session.flush()
    for position, item in enumerate(media):
        item.status_id = status.id
        item.position = position
        session.add(item)
    store.set_mentions(session, status.id, [m.account_id for m in rendered.mentions])
    store.set_tags(session, status.id, rendered.tags)
    emojis.set_for_status(session, status.id, emojis.local_in(session, draft.text, draft.spoiler_text))
    if generation is not None:
        generation.status_id = status.id
        session.add(generation)
    if draft.poll is not None:
        polls.attach(session, rt, status, draft.poll)
    if idempotency_key:
        store.remember_idempotency_key(session, author.id, idempotency_key, status.id)
    author.statuses_count += 1
    author.last_status_at = status.created_at
    session.add(author)
    session.flush()
    if status.published:
        _add_generated_line(session, rt, status)
        distribute(session, rt, status)
    else:
        # The author follows progress on their own timeline; nobody else sees it yet.
        store.add_to_home_feeds(session, status.id, [author.id])
        events.status_created(session, rt, status, [f"user:{author.id}"])
    return status


def _apply_directive(session: Session, rt: Runtime, author: Account, draft: StatusDraft) -> Generation | None:
    """A first line `/imagine <prompt>` asks for an image: the post waits for it (its author
    sees it at once, everyone else once the image exists). In reply to a post with an image, the
    prompt is an instruction and the new image an edit of that one."""
    parsed = generations.parse_directive(draft.text)
    if parsed is None:
        return None
    ask, caption = parsed
    if draft.media_ids:
        raise Unprocessable("A post with /imagine cannot carry other media", field="media_ids")
    parent = _reply_parent(session, author, draft.in_reply_to_id)
    if parent is not None and generations.has_image(session, parent):
        edit = generations.edit_ask(generations.source_params(session, parent), "")
        ask = generations.Ask(
            prompt=ask.prompt,
            negative_prompt=ask.negative_prompt,
            width=ask.width or edit.width,
            height=ask.height or edit.height,
            steps=ask.steps or edit.steps,
            seed=ask.seed,
            strength=ask.strength,
        )
        request = generations.request(session, rt, author, ask, kind="edit", remix_of_uri=parent.uri)
    else:
        request = generations.request(session, rt, author, ask, kind="directive")
    draft.text = caption
    draft.prompt_caption = request.prompt
    draft.media_ids = [request.media_id] if request.media_id else []
    draft.allow_processing_media = True
    return request


def _add_generated_line(session: Session, rt: Runtime, status: Status) -> None:
    """Posts with generated images say so in their text, with the model that made them; one the
    image check flagged goes out sensitive, behind a content warning."""
    params = next(
        (m.generation for m in media_store.of_statuses(session, [status.id])[status.id] if m.generation), None
    )
    if params is None:
        return
    line = generations.generated_line(rt, params)
    if line not in status.content:
        status.content += line
    if params.get("remix_of") and not status.remix_of_uri:
        status.remix_of_uri = str(params["remix_of"])
    if params.get("flagged"):
        status.sensitive = True
        status.spoiler_text = status.spoiler_text or "AI-generated image flagged by this server's image check"
    session.add(status)
    session.flush()


def _idempotent(session: Session, author: Account, key: str) -> Status | None:
    status_id = store.idempotent_status(session, author.id, key[:255])
    if status_id is None:
        return None
    return store.get(session, status_id)


def _default_visibility(session: Session, author: Account) -> str:
    from fedi.store import accounts as account_store

    user = account_store.user_for_account(session, author.id)
    return user.default_visibility if user is not None else "public"


def _reply_parent(session: Session, author: Account, parent_id: int | None) -> Status | None:
    if parent_id is None:
        return None
    parent = store.get(session, parent_id)
    if parent is None or parent.reblog_of_id is not None or not visibility.can_view(session, author, parent):
        raise NotFound("The status you are replying to does not exist")
    return parent


def distribute(session: Session, rt: Runtime, status: Status) -> None:
    """Make a stored status visible: home feeds, notifications, federation, streams."""
    view = status_view(session, status, None)
    reach.spread(session, rt, status, view)
    if status.in_reply_to_id is not None:
        trends.recount(session, status.in_reply_to_id)
    outbox.status_created(session, rt, view)


def publish_processing(session: Session, rt: Runtime, status: Status) -> None:
    """A status whose images are now all ready becomes visible to everyone it addresses."""
    if not status.processing:
        return
    status.publish()
    session.add(status)
    session.flush()
    _add_generated_line(session, rt, status)
    distribute(session, rt, status)


def edit(
    session: Session,
    rt: Runtime,
    editor: Account,
    status_id: int,
    *,
    text: str,
    spoiler_text: str,
    sensitive: bool,
    media_ids: list[int] | None,
    media_descriptions: dict[int, str],
    language: str | None,
) -> Status:
    status = store.get(session, status_id)
    if status is None or status.account_id != editor.id or status.reblog_of_id is not None:
        raise NotFound()
    draft = StatusDraft(
        text=text,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        media_ids=media_ids if media_ids is not None else [],
        language=language,
    )
    current_media = media_store.of_statuses(session, [status.id])[status.id]
    if media_ids is None:
        draft.media_ids = [m.id for m in current_media]
    kept = {m.id for m in current_media}
    _validate(rt, draft)
    new_media = _attachable_media(session, editor, [i for i in draft.media_ids if i not in kept])
    if not store.edits_of(session, status.id):
        session.add(revision(status, current_media, at=status.created_at))
    for item in current_media:
        if item.id not in draft.media_ids:
            item.status_id = None
            session.add(item)
    by_id = {m.id: m for m in [*current_media, *new_media]}
    for position, media_id in enumerate(draft.media_ids):
        item = by_id[media_id]
        item.status_id = status.id
        item.position = position
        if media_id in media_descriptions:
            item.description = media_descriptions[media_id][:1500]
        session.add(item)
    rendered = render_for(session, rt, editor, draft.text)
    status.text = draft.text
    status.content = rendered.html
    session.flush()
    _add_generated_line(session, rt, status)
    status.spoiler_text = draft.spoiler_text
    status.sensitive = draft.sensitive or bool(draft.spoiler_text)
    status.language = draft.language or status.language
    status.edited_at = datetime.now(UTC)
    session.add(status)
    store.set_mentions(session, status.id, [m.account_id for m in rendered.mentions])
    store.set_tags(session, status.id, rendered.tags)
    emojis.set_for_status(session, status.id, emojis.local_in(session, draft.text, draft.spoiler_text))
    session.flush()
    session.add(revision(status, [by_id[i] for i in draft.media_ids], at=status.edited_at))
    view = status_view(session, status, None)
    for boost in store.reblogs_of(session, status.id):
        notifications.notify(
            session,
            rt,
            recipient_id=boost.account_id,
            type="update",
            from_account_id=editor.id,
            status_id=status.id,
        )
    if status.published:
        outbox.status_updated(session, rt, view)
    events.status_edited(session, rt, status, _channels_of(session, status, view))
    return status


def revision(status: Status, media: list[MediaAttachment], *, at: datetime) -> StatusEdit:
    """A status as it reads now, for its edit history."""
    return StatusEdit(
        status_id=status.id,
        content=status.content,
        spoiler_text=status.spoiler_text,
        sensitive=status.sensitive,
        media=[{"id": m.id, "description": m.description} for m in media],
        created_at=at,
    )


def _channels_of(session: Session, status: Status, view: StatusView) -> list[str]:
    home = store.home_feed_owners(session, status.id)
    in_lists = [f"list:{item.id}" for item in list_store.lists_with_author(session, status.account_id, home)]
    return events.status_channels(status, home, [t.name for t in view.tags]) + in_lists


def delete(session: Session, rt: Runtime, actor: Account, status_id: int) -> StatusView:
    """Delete one's own status; returns it as it was (for delete-and-redraft)."""
    status = store.get(session, status_id)
    if status is None or status.reblog_of_id is not None:
        raise NotFound()
    if status.account_id != actor.id:
        raise NotFound()
    view = status_view(session, status, actor)
    remove(session, rt, status, federate=True)
    return view


def remove(session: Session, rt: Runtime, status: Status, *, federate: bool) -> None:
    """Delete a status (local or remote) with its boosts; media stay for a redraft."""
    view = status_view(session, status, None)
    channels = _channels_of(session, status, view)
    for boost in store.reblogs_of(session, status.id):
        events.status_deleted(session, rt, boost.id, [f"user:{boost.account_id}"])
        session.delete(boost)
    for item in view.media:
        item.status_id = None
        session.add(item)
    if federate and status.local:
        outbox.status_deleted(session, rt, view)
    author = view.account
    author.statuses_count = max(author.statuses_count - 1, 0)
    session.add(author)
    parent_id = status.in_reply_to_id
    conversations.status_removed(session, rt, status.id)
    session.delete(status)
    session.flush()
    if parent_id is not None:
        trends.recount(session, parent_id)
    events.status_deleted(session, rt, status.id, channels)


def many_views(session: Session, viewer: Account | None, status_ids: list[int]) -> list[StatusView]:
    """The statuses among these the viewer may see, in the order asked (unknown ones left out)."""
    found = store.many(session, status_ids)
    rows = [found[i] for i in dict.fromkeys(status_ids) if i in found]
    return status_views(session, visibility.visible_filter(session, viewer, rows), viewer)


def get_view(session: Session, viewer: Account | None, status_id: int) -> StatusView:
    return status_view(session, visibility.visible_status(session, viewer, status_id), viewer)


@dataclass
class Thread:
    ancestors: list[StatusView]
    descendants: list[StatusView]


def context(session: Session, viewer: Account | None, status_id: int) -> Thread:
    status = visibility.visible_status(session, viewer, status_id)
    # The thread's shape is the same for every viewer: remembered while nothing is written.
    above, below = memo.remembered(session, ("thread", status.id), lambda: _thread(session, status))
    found = remembered_statuses(session, {*above, *below})
    ancestors = [found[i] for i in above if i in found]
    descendants = [found[i] for i in below if i in found]

    def shown(rows: list[Status]) -> list[StatusView]:
        views = status_views(session, visibility.visible_filter(session, viewer, rows), viewer)
        return filters.apply(session, viewer, views, FilterContext.THREAD)

    return Thread(ancestors=shown(ancestors), descendants=shown(descendants[:CONTEXT_LIMIT]))


def _thread(session: Session, status: Status) -> tuple[list[int], list[int]]:
    """The ids of a status's ancestors (oldest first) and of its descendants, breadth first."""
    ancestors: list[int] = []
    parent_id = status.in_reply_to_id
    while parent_id is not None and len(ancestors) < 40:
        parent = store.get(session, parent_id)
        if parent is None:
            break
        ancestors.append(parent.id)
        parent_id = parent.in_reply_to_id
    ancestors.reverse()
    descendants: list[int] = []
    frontier = [status.id]
    while frontier and len(descendants) < CONTEXT_LIMIT:
        replies = [r.id for parent in frontier for r in store.replies_to(session, parent)]
        descendants.extend(replies)
        frontier = replies
    return ancestors, descendants


def history(session: Session, viewer: Account | None, status_id: int) -> list[StatusEdit]:
    status = visibility.visible_status(session, viewer, status_id)
    edits = store.edits_of(session, status.id)
    if edits:
        return edits
    media = media_store.of_statuses(session, [status.id])[status.id]
    return [revision(status, media, at=status.created_at)]


def own_status(session: Session, actor: Account, status_id: int) -> Status:
    status = store.get(session, status_id)
    if status is None or status.account_id != actor.id:
        raise NotFound()
    return status
