"""Our models as ActivityStreams documents (through activitypub.builders, the only writer)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from activitypub import builders
from activitypub.audience import addressing_for
from fedi.convert.common import (
    avatar_url,
    emoji_uri,
    emoji_url,
    has_avatar,
    has_header,
    header_url,
    media_url,
)
from fedi.licences import parse_licence
from fedi.models.accounts import Account
from fedi.models.emojis import CustomEmoji
from fedi.models.media import MediaAttachment
from fedi.models.polls import Poll
from fedi.store.views import StatusView
from fedi.urls import Urls

# fedi's snake_case provenance keys → the camelCase terms of our @context.
_GENERATION_TERMS = {"negative_prompt": "negativePrompt"}
_GENERATION_KEYS = (
    "model",
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "guidance",
    "sampler",
    "strength",
    "width",
    "height",
)


def actor(account: Account, urls: Urls) -> dict[str, Any]:
    domain = urls.base.split("://", 1)[1]
    return builders.actor(
        id=account.uri,
        type=account.actor_type,  # type: ignore[arg-type]
        preferred_username=account.username,
        webfinger=f"{account.username}@{domain}",
        inbox=account.inbox_url,
        outbox=account.outbox_url or urls.outbox(account.username),
        followers=account.followers_url or urls.followers(account.username),
        following=account.following_url or urls.following(account.username),
        featured=account.featured_url,
        featured_tags=urls.featured_tags(account.username),
        endorsements=urls.endorsements(account.username),
        shared_inbox=urls.shared_inbox(),
        public_key_pem=account.public_key_pem,
        published=account.created_at,
        name=account.display_name or None,
        summary=account.note or None,
        url=account.url,
        icon=builders.ImageRef(avatar_url(account, urls)) if has_avatar(account) else None,
        image=builders.ImageRef(header_url(account, urls)) if has_header(account) else None,
        manually_approves_followers=account.locked,
        discoverable=account.discoverable,
        indexable=account.indexable,
        memorial=account.memorial,
        suspended=account.suspended,
        fields=[(f.get("name", ""), f.get("value", "")) for f in account.fields],
        also_known_as=account.also_known_as,
        moved_to=account.moved_to_uri,
        emojis=[e for snapshot in account.emojis if (e := _snapshot_emoji(snapshot)) is not None],
    )


def emoji(item: CustomEmoji, urls: Urls) -> builders.Emoji:
    return builders.Emoji(
        id=emoji_uri(item, urls),
        shortcode=item.shortcode,
        url=emoji_url(item, urls),
        media_type=item.media_type,
        updated=item.updated_at,
    )


def _snapshot_emoji(snapshot: dict[str, Any]) -> builders.Emoji | None:
    try:
        return builders.Emoji(
            id=snapshot["uri"],
            shortcode=snapshot["shortcode"],
            url=snapshot["url"],
            media_type=snapshot.get("media_type") or "image/png",
            updated=datetime.fromisoformat(snapshot["updated"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def addressing(view: StatusView) -> tuple[list[str], list[str]]:
    author = view.account
    followers = author.followers_url or f"{author.uri}/followers"
    return addressing_for(
        view.status.visibility,  # type: ignore[arg-type]
        followers_url=followers,
        mentioned_actor_ids=[a.uri for a in view.mentions],
    )


def generation_terms(params: dict[str, Any]) -> dict[str, Any]:
    return {
        _GENERATION_TERMS.get(key, key): params[key]
        for key in _GENERATION_KEYS
        if params.get(key) not in (None, "")
    }


# A model named like a Hugging Face Hub repository ("org/name"), optionally "@revision".
_HUB_ID = re.compile(r"^([A-Za-z0-9][\w.-]*/[\w.-]+)(@[\w.-]+)?$")


def generator(params: dict[str, Any]) -> builders.Generator | None:
    """The model that made a generated image, as AS2 `generator` (linked to its Hub page)."""
    model = str(params.get("model") or params.get("preset") or "").strip()
    if not model:
        return None
    hub = _HUB_ID.match(model)
    return builders.Generator(name=model, url=f"https://huggingface.co/{hub[1]}" if hub else None)


def _licence_url(generated: dict[str, Any] | None) -> str | None:
    licence = parse_licence(generated.get("licence")) if generated else None
    return licence.url if licence is not None else None


def _attachment(media: MediaAttachment, urls: Urls) -> builders.Attachment | None:
    url = media_url(media, urls)
    if url is None:
        return None
    return builders.Attachment(
        url=url,
        media_type=media.mime_type,
        alt=media.description or None,
        blurhash=media.blurhash,
        focal_point=(media.focus_x, media.focus_y),
        width=media.width,
        height=media.height,
    )


def note(view: StatusView, urls: Urls) -> dict[str, Any]:
    status = view.status
    to, cc = addressing(view)
    attachments = [a for m in view.media if (a := _attachment(m, urls)) is not None]
    generated = next((m.generation for m in view.media if m.generation), None)
    return builders.note(
        id=status.uri,
        attributed_to=view.account.uri,
        content=status.content,
        published=status.created_at,
        to=to,
        cc=cc,
        url=status.url,
        summary=status.spoiler_text or None,
        sensitive=status.sensitive,
        in_reply_to=status.in_reply_to_uri,
        updated=status.edited_at,
        language=status.language,
        mentions=[builders.Mention(href=a.uri, name=f"@{_handle(a, urls)}") for a in view.mentions],
        hashtags=[builders.Hashtag(href=urls.tag(t.name), name=t.display_name) for t in view.tags],
        attachments=attachments,
        replies=f"{status.uri}/replies",
        generation=generation_terms(generated) if generated else None,
        remix_of=status.remix_of_uri,
        generator=generator(generated) if generated else None,
        license=_licence_url(generated),
        emojis=[emoji(e, urls) for e in view.emojis],
        poll=_choices(view.poll.poll) if view.poll is not None else None,
    )


def _choices(poll: Poll) -> builders.Choices:
    tallies = poll.cached_tallies
    return builders.Choices(
        options=[(title, tallies[i] if i < len(tallies) else 0) for i, title in enumerate(poll.options)],
        multiple=poll.multiple,
        end_time=poll.expires_at,
        closed=poll.closed_at,
        voters_count=poll.voters_count,
    )


def vote(poll_status: StatusView, voter: Account, choice: int, vote_id: int) -> dict[str, Any]:
    """A local account's vote on a remote poll."""
    assert poll_status.poll is not None
    return builders.vote(
        id=f"{voter.uri}#votes/{vote_id}",
        voter=voter.uri,
        question=poll_status.status.uri,
        question_author=poll_status.account.uri,
        choice=poll_status.poll.poll.options[choice],
    )


def _handle(account: Account, urls: Urls) -> str:
    return f"{account.username}@{account.domain or urls.base.split('://', 1)[1]}"


def create(view: StatusView, urls: Urls) -> dict[str, Any]:
    return builders.create(id=f"{view.status.uri}/activity", actor=view.account.uri, object=note(view, urls))


def update(view: StatusView, urls: Urls, at: datetime) -> dict[str, Any]:
    return builders.update(
        id=f"{view.status.uri}#updates/{int(at.timestamp())}",
        actor=view.account.uri,
        object=note(view, urls),
        updated=at,
    )


def delete(view: StatusView) -> dict[str, Any]:
    to, cc = addressing(view)
    return builders.delete(
        id=f"{view.status.uri}#delete", actor=view.account.uri, object_id=view.status.uri, to=to, cc=cc
    )


def announce(boost: StatusView) -> dict[str, Any]:
    assert boost.reblog is not None
    to, cc = addressing(boost)
    return builders.announce(
        id=f"{boost.status.uri}/activity",
        actor=boost.account.uri,
        object=boost.reblog.status.uri,
        published=boost.status.created_at,
        to=to,
        cc=[*cc, boost.reblog.account.uri],
    )
