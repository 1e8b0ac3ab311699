"""Remote actors and posts: fetched from their origin (signed), checked, and stored.

Nothing here trusts a document for what it says about another origin: actors come from the
URL that served them, a post's author must live on the post's host, and keys must belong to
the actor that holds them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from activitypub.audience import visibility_of
from activitypub.errors import ActivityPubError, FormatError
from activitypub.objects import ActorView, NoteView, host_of, same_origin
from activitypub.vocab import ACTOR_TYPES, CONVERTED_TYPES
from activitypub.webfinger import Acct, parse_acct
from fedi.content.sanitize import clean_html, to_plain_text
from fedi.errors import FediError, NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Tombstone
from fedi.models.media import MediaAttachment
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import reach
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store
from fedi.store.views import status_view

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)
MAX_ATTACHMENTS = 8
MAX_FIELDS = 16
# How far up a thread the parents of a remote reply are fetched (hostile chains are endless).
MAX_THREAD_DEPTH = 20
# What a remote username may be: it is shown as @name@host and would otherwise smuggle
# spaces, @ signs and markup into every place that writes a handle.
USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,255}")

_fetch_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class RemoteError(FediError):
    """A remote document could not be used (unreachable, malformed or not what it claims)."""

    status, default_message = 422, "The remote resource could not be used"


def is_local_uri(rt: Runtime, uri: str) -> bool:
    try:
        return host_of(uri) == rt.urls.host
    except FormatError:
        return False


# Actors ----------------------------------------------------------------------------------


def fetch_actor(
    session: Session, rt: Runtime, uri: str, *, refresh: bool = False, looked_up_as: Acct | None = None
) -> Account:
    """The account for an actor URI, fetched (signed, from its origin) when unknown or stale.

    `looked_up_as`: the address WebFinger gave this URI for. Unless it is the actor's own
    handle, the actor's own WebFinger must confirm the actor, or nothing is stored
    (RemoteError): one server cannot attach its names to another server's accounts.
    """
    existing = account_store.by_uri(session, uri)
    if existing is not None and (existing.local or (not refresh and not _stale(existing))):
        _check_handle(rt, looked_up_as, existing.username, existing.domain, existing.uri)
        return existing
    if is_local_uri(rt, uri):
        raise NotFound(f"no local actor {uri}")
    # One fetch at a time per actor: a burst of activities from a new actor fetches it once.
    with _fetch_locks[uri]:
        again = account_store.by_uri(session, uri)
        if again is not None and again is not existing and not _stale(again):
            _check_handle(rt, looked_up_as, again.username, again.domain, again.uri)
            return again
        try:
            document = rt.http.fetch_object(uri, signed_as=rt.instance_key())
        except ActivityPubError as exc:
            if existing is not None:
                log.info("keeping stale copy of %s: %s", uri, exc)
                _check_handle(rt, looked_up_as, existing.username, existing.domain, existing.uri)
                return existing
            raise RemoteError(f"could not fetch {uri}: {exc}") from exc
        if looked_up_as is not None:
            view = _actor_view(document)
            _check_handle(rt, looked_up_as, view.preferred_username or "", host_of(view.id), view.id)
        return upsert_actor(session, rt, document)


def _check_handle(rt: Runtime, handle: Acct | None, username: str, domain: str | None, uri: str) -> None:
    """Raise RemoteError unless `handle` is the actor's own or its own WebFinger confirms it."""
    if handle is None:
        return
    own = Acct(username, domain or rt.urls.host)
    if own == handle:
        return
    try:
        confirmed = rt.http.webfinger(own).actor_url == uri
    except ActivityPubError:
        confirmed = False
    if not confirmed:
        raise RemoteError(f"{handle} points at {uri}, whose own server does not confirm it as {own}")


def _actor_view(document: dict[str, Any]) -> ActorView:
    try:
        return ActorView(document)
    except FormatError as exc:
        raise RemoteError(f"not an actor: {exc}") from exc


def _stale(account: Account) -> bool:
    return account.fetched_at is None or datetime.now(UTC) - account.fetched_at > REFRESH_AFTER


def upsert_actor(session: Session, rt: Runtime, document: dict[str, Any]) -> Account:
    """Store an actor document that came from its own origin (the caller guarantees that)."""
    view = _actor_view(document)
    if view.type not in ACTOR_TYPES or not view.preferred_username or not view.inbox:
        raise RemoteError(f"{view.id} is not a usable actor")
    if not USERNAME.fullmatch(view.preferred_username):
        raise RemoteError(f"{view.id} has a username that is not letters, digits, '_', '.' or '-'")
    if is_local_uri(rt, view.id):
        raise RemoteError("refusing a remote copy of a local actor")
    if view.public_key_owner and view.public_key_owner != view.id:
        raise RemoteError(f"the key of {view.id} belongs to {view.public_key_owner}")
    if view.public_key_id and not same_origin(view.public_key_id, view.id):
        raise RemoteError(f"the key of {view.id} lives on another origin")
    domain = host_of(view.id)
    username = view.preferred_username
    account = account_store.by_uri(session, view.id)
    if account is None:
        # A username moved to a new actor id on the same host: the old row gives way.
        previous = account_store.by_acct(session, username, domain)
        if previous is not None:
            previous.acct_key = f"{previous.acct_key}#{previous.id}"
            session.add(previous)
            session.flush()
        account = Account(username=username, domain=domain, acct_key=acct_key(username, domain), uri=view.id)
    account.username = username
    account.actor_type = view.type
    account.display_name = to_plain_text(view.name or "")[:255]
    account.note = clean_html(view.summary or "")
    account.url = view.url or view.id
    account.inbox_url = view.inbox
    account.shared_inbox_url = view.shared_inbox
    account.outbox_url = view.outbox
    account.followers_url = view.followers
    account.following_url = view.following
    account.featured_url = view.featured
    if view.public_key_pem and view.public_key_id:
        account.public_key_pem = view.public_key_pem
        account.public_key_id = view.public_key_id
    account.assertion_keys = [{"id": key_id, "pem": pem} for key_id, pem in view.ed25519_keys]
    account.avatar_remote_url = view.icon_url
    account.header_remote_url = view.image_url
    account.locked = view.manually_approves_followers
    account.discoverable = view.discoverable
    account.indexable = view.indexable
    account.fields = [
        {"name": to_plain_text(name)[:255], "value": clean_html(value)}
        for name, value in view.fields[:MAX_FIELDS]
    ]
    account.also_known_as = view.also_known_as[:20]
    account.moved_to_uri = view.moved_to
    account.memorial = view.memorial
    account.suspended = view.suspended
    account.created_at = _clamp(view.published) if view.published else account.created_at
    account.fetched_at = account.updated_at = datetime.now(UTC)
    account.deleted_at = None
    session.add(account)
    session.flush()
    return account


def _clamp(moment: datetime) -> datetime:
    return min(moment, datetime.now(UTC))


def account_for_key(session: Session, rt: Runtime, key_id: str, *, refresh: bool = False) -> Account:
    """The account holding the key `key_id` (fetching its actor when unknown or on refresh)."""
    actor_uri = key_id.split("#", 1)[0]
    if not refresh:
        account = account_store.by_key_id(session, key_id) or account_store.by_uri(session, actor_uri)
        if account is not None and signing_key_pem(account, key_id) is not None:
            return account
    account = fetch_actor(session, rt, actor_uri, refresh=True)
    if signing_key_pem(account, key_id) is None:
        # The key is a separate document (some servers): it must name its owner.
        raise RemoteError(f"{actor_uri} does not hold the key {key_id}")
    return account


def signing_key_pem(account: Account, key_id: str) -> str | None:
    """The PEM of the account's key `key_id`: its RSA `publicKey` or an Ed25519 multikey."""
    if account.public_key_id == key_id and account.public_key_pem:
        return account.public_key_pem
    return next((key["pem"] for key in account.assertion_keys if key.get("id") == key_id), None)


def account_by_handle(session: Session, rt: Runtime, username: str, host: str | None) -> Account | None:
    """@username@host: local, known, or found through WebFinger."""
    ours = rt.urls.host
    if host is None or host.lower() == ours:
        return account_store.by_acct(session, username, None)
    known = account_store.by_acct(session, username, host.lower())
    if known is not None:
        return known
    try:
        answer = rt.http.webfinger(parse_acct(f"{username}@{host}"))
    except ActivityPubError as exc:
        log.info("WebFinger for %s@%s failed: %s", username, host, exc)
        return None
    if is_local_uri(rt, answer.actor_url):
        # Only our own WebFinger speaks for our accounts.
        return account_store.by_uri(session, answer.actor_url) if answer.acct.host == ours else None
    try:
        return fetch_actor(session, rt, answer.actor_url, looked_up_as=answer.acct)
    except FediError as exc:
        log.info("WebFinger for %s@%s: %s", username, host, exc.message)
        return None


# Posts -----------------------------------------------------------------------------------


def fetch_status(session: Session, rt: Runtime, uri: str, *, depth: int = 0) -> Status | None:
    """A post by URI: ours, already stored, or fetched from its origin and stored."""
    existing = status_store.by_uri(session, uri)
    if existing is not None or is_local_uri(rt, uri):
        return existing
    if session.get(Tombstone, uri) is not None:
        return None
    try:
        document = rt.http.fetch_object(uri, signed_as=rt.instance_key())
        note = NoteView(document)
    except ActivityPubError as exc:
        log.info("could not fetch %s: %s", uri, exc)
        return None
    if not same_origin(note.attributed_to, note.id):
        log.info("refusing %s: attributed to another origin (%s)", note.id, note.attributed_to)
        return None
    try:
        author = fetch_actor(session, rt, note.attributed_to)
    except FediError:
        return None
    return store_note(session, rt, document, author, depth=depth)


def store_note(
    session: Session, rt: Runtime, document: dict[str, Any], author: Account, *, depth: int = 0
) -> Status | None:
    """Store a remote post whose origin was checked; returns the existing one when known."""
    note = NoteView(document)
    if note.attributed_to != author.uri or not same_origin(note.id, author.uri):
        raise Unprocessable("the post is not attributed to its sender")
    if is_local_uri(rt, note.id):
        raise Unprocessable("a remote server cannot create posts on this server")
    existing = status_store.by_uri(session, note.id)
    if existing is not None:
        return existing
    if session.get(Tombstone, note.id) is not None:
        return None  # its Delete arrived first
    published = _clamp(note.published or datetime.now(UTC))
    parent = status_store.by_uri(session, note.in_reply_to) if note.in_reply_to else None
    status = Status(
        id=new_id(published),
        uri=note.id,
        url=note.url or note.id,
        account_id=author.id,
        local=False,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=note.in_reply_to,
        content=_content(note),
        spoiler_text=to_plain_text(note.summary or "")[:1000],
        sensitive=note.sensitive or bool(note.summary),
        visibility=visibility_of(note.to, note.cc, followers_url=author.followers_url),
        language=note.language,
        remix_of_uri=note.remix_of,
        created_at=published,
        edited_at=_clamp(note.updated) if note.updated and note.updated > published else None,
    )
    session.add(status)
    session.flush()
    apply_note_details(session, rt, status, note)
    for orphan in status_store.orphan_replies(session, status.uri):
        orphan.in_reply_to_id, orphan.in_reply_to_account_id = status.id, author.id
        session.add(orphan)
    session.flush()
    status_store.recount(session, status.id)
    if parent is not None:
        status_store.recount(session, parent.id)
    elif note.in_reply_to and depth < MAX_THREAD_DEPTH:
        rt.jobs.after_commit(session, "fetch_parent", status.id, depth + 1)
    author.statuses_count += 1
    author.last_status_at = published
    session.add(author)
    reach.spread(session, rt, status, status_view(session, status, None))
    return status


def _content(note: NoteView) -> str:
    content = clean_html(note.content or "")
    if note.type in CONVERTED_TYPES and note.name:
        # Mastodon shows converted types (Article, Page...) as their title and a link.
        title = clean_html(f"<p><strong>{_escape(note.name)}</strong></p>")
        link = clean_html(
            f'<p><a href="{_escape(note.url or note.id)}">{_escape(note.url or note.id)}</a></p>'
        )
        content = title + content + link
    return content


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def apply_note_details(session: Session, rt: Runtime, status: Status, note: NoteView) -> None:
    """Mentions, hashtags and attachments of a remote post (on creation and on edits)."""
    mentioned: list[int] = []
    for href, _name in note.mentions:
        account = account_store.by_uri(session, href)
        if account is not None:
            mentioned.append(account.id)
    status_store.set_mentions(session, status.id, mentioned)
    status_store.set_tags(session, status.id, [t[:255] for t in note.hashtags[:20]])
    generation = _generation(note)
    for item in list(status_view(session, status, None).media):
        session.delete(item)
    for position, attachment in enumerate(note.attachments[:MAX_ATTACHMENTS]):
        focus = attachment.focal_point or (0.0, 0.0)
        session.add(
            MediaAttachment(
                account_id=status.account_id,
                status_id=status.id,
                position=position,
                type=_media_type(attachment.media_type),
                remote_url=attachment.url,
                mime_type=(attachment.media_type or "image/jpeg")[:64],
                width=attachment.width,
                height=attachment.height,
                blurhash=attachment.blurhash,
                description=(attachment.alt or "")[:1500],
                focus_x=focus[0],
                focus_y=focus[1],
                generation=generation if position == 0 else None,
            )
        )
    session.flush()


def _media_type(mime: str | None) -> str:
    kind = (mime or "").split("/", 1)[0]
    return {"image": "image", "video": "video", "audio": "audio"}.get(kind, "unknown")


def _generation(note: NoteView) -> dict[str, Any] | None:
    raw = note.generation
    if raw is None:
        return None
    keys = {
        "model": "model",
        "prompt": "prompt",
        "negativePrompt": "negative_prompt",
        "seed": "seed",
        "steps": "steps",
        "guidance": "guidance",
        "sampler": "sampler",
        "width": "width",
        "height": "height",
    }
    result: dict[str, Any] = {}
    for term, key in keys.items():
        value = raw.get(term, raw.get(f"fedi:{term}"))
        if isinstance(value, str):
            result[key] = value[:2000]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            result[key] = value
    return result or None
