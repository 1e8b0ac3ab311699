"""Remote actors and posts: fetched from their origin (signed), checked, and stored.

Nothing here trusts a document for what it says about another origin: actors come from the
URL that served them, a post's author must live on the post's host, and keys must belong to
the actor that holds them.

Fetching and storing are two phases. The functions that fetch (`actor`, `key_holder`, `status`,
`handle`, `url`) take no session: they read what is stored, and when something is missing they
start a fetch in the fetch pool (`fetches.py`) and return its future. The fetch stores what it
got in a short transaction of its own. The functions that store (`upsert_actor`, `store_note`)
are given a session and never fetch.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from activitypub.audience import visibility_of
from activitypub.errors import ActivityPubError, FetchError, FormatError
from activitypub.objects import ActorView, NoteView, host_of, is_http_url, same_origin
from activitypub.vocab import ACTOR_TYPES, CONVERTED_TYPES, OBJECT_TYPES
from activitypub.webfinger import Acct, parse_acct
from fedi.content.sanitize import clean_html, to_plain_text
from fedi.errors import FediError, NotFound, Unprocessable
from fedi.ids import new_id
from fedi.models.accounts import Account, acct_key
from fedi.models.federation import Tombstone
from fedi.models.media import MediaAttachment
from fedi.models.moderation import Severity
from fedi.models.statuses import Status
from fedi.runtime import Runtime
from fedi.services import emojis, media_cache, polls, reach, trends
from fedi.services.federation.fetches import RemoteError, done
from fedi.store import accounts as account_store
from fedi.store import statuses as status_store
from fedi.store.views import status_view

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)
MAX_ATTACHMENTS = 8
MAX_FIELDS = 16
# Longest URL stored for an actor's collections (the accounts table keeps 2048 characters).
MAX_URL = 2048
# How far up a thread the parents of a remote reply are fetched (hostile chains are endless).
MAX_THREAD_DEPTH = 20
# What a remote username may be: it is shown as @name@host and would otherwise smuggle
# spaces, @ signs and markup into every place that writes a handle.
USERNAME = re.compile(r"[A-Za-z0-9_.-]{1,255}")


def is_local_uri(rt: Runtime, uri: str) -> bool:
    try:
        return host_of(uri) == rt.urls.host
    except FormatError:
        return False


def host_or_none(uri: str) -> str | None:
    try:
        return host_of(uri)
    except FormatError:
        return None


def _host(uri: str) -> str:
    try:
        return host_of(uri)
    except FormatError:
        raise RemoteError(f"not an http(s) URL: {uri[:200]}") from None


def _unusable(uri: str, exc: ActivityPubError) -> RemoteError:
    temporary = isinstance(exc, FetchError) and exc.retryable
    return RemoteError(f"could not fetch {uri[:500]}: {exc}", temporary=temporary)


# Actors: fetch phase -----------------------------------------------------------------------


def actor(rt: Runtime, uri: str, *, refresh: bool = False) -> Future[Account]:
    """The account for an actor URI: stored, or being fetched (signed, from its origin).

    A stale copy is returned at once while a fresh one is fetched in the background; `refresh`
    waits for the fresh one instead.
    """
    with rt.db.reader() as session:
        existing = account_store.by_uri(session, uri)
    if existing is not None and (existing.local or (not refresh and not _stale(existing))):
        return done(existing)
    if is_local_uri(rt, uri):
        raise NotFound(f"no local actor {uri[:500]}")
    try:
        fetch: Future[Account] = _start(rt, f"actor:{uri}", uri, lambda: _fetch_actor_now(rt, uri, existing))
    except RemoteError:
        if existing is None or refresh:
            raise
        return done(existing)
    return fetch if existing is None or refresh else done(existing)


def _start(rt: Runtime, key: str, uri: str, task: Any) -> Future[Any]:
    return rt.fetches.start(key, _host(uri), task)


def key_holder(rt: Runtime, key_id: str) -> Future[Account]:
    """The actor holding key `key_id`, fetched afresh (it is unknown, or may have rotated it)."""
    actor_uri = key_id.split("#", 1)[0]
    if is_local_uri(rt, actor_uri):
        raise NotFound(f"no local key {key_id[:500]}")

    def fetch() -> Account:
        with rt.db.reader() as session:
            existing = account_store.by_uri(session, actor_uri)
        account = _fetch_actor_now(rt, actor_uri, existing, keep_stale=False)
        if signing_key_pem(account, key_id) is None:
            # The key is a separate document (some servers): it must name its owner.
            raise RemoteError(f"{actor_uri[:500]} does not hold the key {key_id[:500]}")
        return account

    return _start(rt, f"key:{key_id}", key_id, fetch)


def _fetch_actor_now(
    rt: Runtime,
    uri: str,
    existing: Account | None,
    *,
    keep_stale: bool = True,
    looked_up_as: Acct | None = None,
) -> Account:
    """Fetch and store an actor, in the calling (fetch pool) thread.

    `looked_up_as`: the address WebFinger gave this URI for. Unless it is the actor's own
    handle, the actor's own WebFinger must confirm the actor, or nothing is stored
    (RemoteError): one server cannot attach its names to another server's accounts.
    """
    if existing is None and not rt.budgets.new_actor(_host(uri)):
        raise RemoteError(f"too many new accounts from {_host(uri)}; try again later", temporary=True)
    try:
        document = rt.http.fetch_object(uri, signed_as=rt.instance_key())
    except ActivityPubError as exc:
        if existing is not None and keep_stale:
            log.info("keeping stale copy of %s: %s", uri, exc)
            _check_handle(rt, looked_up_as, existing.username, existing.domain, existing.uri)
            return existing
        raise _unusable(uri, exc) from None
    if looked_up_as is not None:
        view = _actor_view(document)
        _check_handle(rt, looked_up_as, view.preferred_username or "", host_of(view.id), view.id)
    return _store_actor(rt, document)


def _store_actor(rt: Runtime, document: dict[str, Any]) -> Account:
    try:
        with rt.db.session() as session:
            return upsert_actor(session, rt, document)
    except IntegrityError:
        # Fetched twice at once (by key and by URI): the other copy won; update it instead.
        with rt.db.session() as session:
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


def handle(rt: Runtime, username: str, host: str | None) -> Future[Account | None]:
    """@username@host: local, known, or being found through WebFinger."""
    with rt.db.reader() as session:
        known = known_by_handle(session, rt, username, host)
    if known is not None or host is None or host.lower() == rt.urls.host:
        return done(known)

    def fetch() -> Account | None:
        try:
            answer = rt.http.webfinger(parse_acct(f"{username}@{host}"))
        except ActivityPubError as exc:
            raise RemoteError(f"could not look up {username[:100]}@{host[:200]}: {exc}") from None
        if is_local_uri(rt, answer.actor_url):
            # Only our own WebFinger speaks for our accounts.
            if answer.acct.host != rt.urls.host:
                return None
            with rt.db.reader() as session:
                return account_store.by_uri(session, answer.actor_url)
        with rt.db.reader() as session:
            existing = account_store.by_uri(session, answer.actor_url)
        if existing is not None and not _stale(existing):
            _check_handle(rt, answer.acct, existing.username, existing.domain, existing.uri)
            return existing
        return _fetch_actor_now(rt, answer.actor_url, existing, looked_up_as=answer.acct)

    return rt.fetches.start(f"webfinger:{username.lower()}@{host.lower()}", host.lower(), fetch)


# Actors: store phase -----------------------------------------------------------------------


def known_by_handle(session: Session, rt: Runtime, username: str, host: str | None) -> Account | None:
    """@username@host among the accounts stored here (no WebFinger)."""
    if host is None or host.lower() == rt.urls.host:
        return account_store.by_acct(session, username, None)
    return account_store.by_acct(session, username, host.lower())


def upsert_actor(session: Session, rt: Runtime, document: dict[str, Any]) -> Account:
    """Store an actor document that came from its own origin (the caller guarantees that)."""
    view = _actor_view(document)
    if view.type not in ACTOR_TYPES or not view.preferred_username or not view.inbox:
        raise RemoteError(f"{view.id} is not a usable actor")
    # An instance actor is named after its server (Mastodon's convention), port included on
    # loopback set-ups, which a plain username cannot be.
    if not USERNAME.fullmatch(view.preferred_username) and view.preferred_username != _host(view.id):
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
    account.endorsements_url = own_collection(view.id, view.endorsements)
    if view.public_key_pem and view.public_key_id:
        account.public_key_pem = view.public_key_pem
        account.public_key_id = view.public_key_id
    account.assertion_keys = [{"id": key_id, "pem": pem} for key_id, pem in view.ed25519_keys]
    rejects_media = rt.domains.rejects_media(domain)
    account.avatar_remote_url = None if rejects_media else view.icon_url
    account.header_remote_url = None if rejects_media else view.image_url
    shown = [] if rejects_media else emojis.remember_remote(session, domain, view.emoji_tags)
    account.emojis = emojis.snapshot(shown, rt.urls)
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
    # A suspension here (`suspended_at`) outlasts whatever the actor's own server says.
    account.suspended = view.suspended or account.suspended_at is not None
    rule = rt.domains.rule_for(domain)
    if rule is not None and rule.severity == Severity.SILENCE and account.silenced_at is None:
        account.silenced_at = rule.created_at
    account.created_at = _clamp(view.published) if view.published else account.created_at
    account.fetched_at = account.updated_at = datetime.now(UTC)
    account.deleted_at = None
    session.add(account)
    session.flush()
    return account


def own_collection(actor_id: str, value: str | None) -> str | None:
    """A collection URL an actor names (`endorsements`...), if it is an http(s) URL on the actor's
    own origin and short enough to store."""
    if not is_http_url(value) or len(value) > MAX_URL or not same_origin(value, actor_id):
        return None
    return value


def _clamp(moment: datetime) -> datetime:
    return min(moment, datetime.now(UTC))


def signing_key_pem(account: Account, key_id: str) -> str | None:
    """The PEM of the account's key `key_id`: its RSA `publicKey` or an Ed25519 multikey."""
    if account.public_key_id == key_id and account.public_key_pem:
        return account.public_key_pem
    return next((key["pem"] for key in account.assertion_keys if key.get("id") == key_id), None)


# Posts -----------------------------------------------------------------------------------


def status(rt: Runtime, uri: str, *, depth: int = 0) -> Future[Status | None]:
    """A post by URI: ours, stored, deleted (None), or being fetched from its origin."""
    with rt.db.reader() as session:
        existing = status_store.by_uri(session, uri)
        deleted = existing is None and session.get(Tombstone, uri) is not None
    if existing is not None or deleted or is_local_uri(rt, uri):
        return done(existing)
    return _start(rt, f"status:{uri}", uri, lambda: _fetch_status_now(rt, uri, depth))


def url(rt: Runtime, address: str) -> Future[Status | Account | None]:
    """What a pasted URL names: a post or an account, stored or being fetched."""
    with rt.db.reader() as session:
        known: Status | Account | None = status_store.by_uri(session, address) or account_store.by_uri(
            session, address
        )
    if known is not None or is_local_uri(rt, address):
        return done(known)

    def fetch() -> Status | Account | None:
        try:
            document = rt.http.fetch_object(address, signed_as=rt.instance_key())
        except ActivityPubError as exc:
            raise _unusable(address, exc) from None
        kind = document.get("type")
        if kind in ACTOR_TYPES:
            if not rt.budgets.new_actor(_host(address)):
                raise RemoteError(f"too many new accounts from {_host(address)}", temporary=True)
            return _store_actor(rt, document)
        if kind in OBJECT_TYPES:
            return _store_fetched_note(rt, document, depth=0)
        return None

    return _start(rt, f"url:{address}", address, fetch)


def _fetch_status_now(rt: Runtime, uri: str, depth: int) -> Status | None:
    try:
        document = rt.http.fetch_object(uri, signed_as=rt.instance_key())
    except ActivityPubError as exc:
        raise _unusable(uri, exc) from None
    return _store_fetched_note(rt, document, depth=depth)


def _store_fetched_note(rt: Runtime, document: dict[str, Any], *, depth: int) -> Status | None:
    """Store a post fetched from its origin, fetching its author first when needed."""
    try:
        note = NoteView(document)
    except FormatError as exc:
        raise RemoteError(f"not a post: {exc}") from None
    if not same_origin(note.attributed_to, note.id):
        raise RemoteError(f"{note.id[:500]} is attributed to another origin")
    with rt.db.reader() as session:
        author = account_store.by_uri(session, note.attributed_to)
    if author is None or _stale(author):
        author = _fetch_actor_now(rt, note.attributed_to, author)
    try:
        with rt.db.session() as session:
            fresh = account_store.get(session, author.id)
            assert fresh is not None
            return store_note(session, rt, document, fresh, depth=depth)
    except IntegrityError:
        # Stored meanwhile by another delivery of the same post.
        with rt.db.reader() as session:
            return status_store.by_uri(session, note.id)
    except FediError as exc:
        raise RemoteError(exc.message) from None


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
    if (received := note.poll) is not None:
        polls.store_remote(session, rt, status, received)
    for orphan in status_store.orphan_replies(session, status.uri):
        orphan.in_reply_to_id, orphan.in_reply_to_account_id = status.id, author.id
        session.add(orphan)
    session.flush()
    trends.recount(session, status.id)
    if parent is not None:
        trends.recount(session, parent.id)
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
    # A domain whose media this server rejects keeps only links to its files (Mastodon shows
    # such attachments as "unknown": a link, no preview).
    rejected = rt.domains.rejects_media(host_or_none(status.uri))
    # Custom emoji are images too: none from a domain whose media is rejected.
    shown = [] if rejected else emojis.remember_remote(session, _host(status.uri), note.emoji_tags)
    emojis.set_for_status(session, status.id, shown)
    # An edit keeps the cached copy of an image it still carries (same URL).
    previous = {item.remote_url: item for item in status_view(session, status, None).media}
    for item in previous.values():
        session.delete(item)
    kept: set[str] = set()
    for position, attachment in enumerate(note.attachments[:MAX_ATTACHMENTS]):
        focus = attachment.focal_point or (0.0, 0.0)
        cached = previous.get(attachment.url)
        if not rejected and cached is not None and cached.file_key is not None and attachment.url not in kept:
            kept.add(attachment.url)
        else:
            cached = None
        session.add(
            MediaAttachment(
                account_id=status.account_id,
                status_id=status.id,
                position=position,
                type="unknown" if rejected else _media_type(attachment.media_type),
                remote_url=attachment.url,
                mime_type=(attachment.media_type or "image/jpeg")[:64],
                width=None if rejected else attachment.width,
                height=None if rejected else attachment.height,
                blurhash=None if rejected else attachment.blurhash,
                description=(attachment.alt or "")[:1500],
                focus_x=focus[0],
                focus_y=focus[1],
                generation=generation if position == 0 else None,
                **(media_cache.carried_over(cached) if cached is not None else {}),
            )
        )
    session.flush()
    dropped = [item for url, item in previous.items() if url not in kept]
    media_cache.remove_files_after_commit(session, rt, dropped)
    if note.attachments and rt.settings.media.cache_remote and not rejected:
        rt.jobs.after_commit(session, "cache_remote_media", status.id)


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
        "strength": "strength",
    }
    result: dict[str, Any] = {}
    for term, key in keys.items():
        value = raw.get(term, raw.get(f"fedi:{term}"))
        if isinstance(value, str):
            result[key] = value[:2000]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            result[key] = value
    if result and note.remix_of:
        # As for posts made here: the record names what it remixes or edits.
        result["remix_of"] = note.remix_of[:2048]
    return result or None
