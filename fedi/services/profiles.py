"""A local user's own profile and preferences: what verify_credentials shows and
update_credentials changes. Profile changes are federated as an Update of the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from fedi.db import on_commit
from fedi.errors import NotFound, Unprocessable
from fedi.licences import ImageLicence
from fedi.media import images
from fedi.media.storage import new_key
from fedi.models.accounts import Account, User
from fedi.models.statuses import VISIBILITIES
from fedi.runtime import Runtime
from fedi.services import emojis, statuses
from fedi.services.federation import outbox
from fedi.services.media import stored_files
from fedi.store import accounts as account_store
from fedi.store import relationships as relationship_store

MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_LENGTH = 255


@dataclass(frozen=True)
class Credentials:
    account: Account
    user: User
    follow_requests_count: int


@dataclass
class ProfileChanges:
    """What update_credentials may change; None leaves a value as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    fields: list[tuple[str, str]] | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    avatar: bytes | None = None
    header: bytes | None = None
    image_licence: ImageLicence | None = None

    def linked_text(self) -> str:
        """The text whose mentions become links (the bio and field values): their remote
        accounts are looked up before the change is written (resolver.start_mentions)."""
        return "\n".join([self.note or "", *(value for _, value in self.fields or [])])


def credentials(session: Session, account_id: int) -> Credentials:
    account = account_store.get(session, account_id)
    user = account_store.user_for_account(session, account_id)
    if account is None or user is None:
        raise NotFound()
    return Credentials(account, user, relationship_store.count_follow_requests(session, account_id))


def update(rt: Runtime, account_id: int, changes: ProfileChanges) -> Credentials:
    """Apply profile changes; new images are processed before the transaction opens."""
    _validate(changes)
    files: dict[str, bytes] = {}
    images_set: dict[str, str] = {}
    for kind, data, size in (
        ("avatar", changes.avatar, images.AVATAR_SIZE),
        ("header", changes.header, images.HEADER_SIZE),
    ):
        if data is None:
            continue
        processed = images.process(
            data,
            max_bytes=rt.settings.media.max_upload_bytes,
            max_pixels=rt.settings.media.max_pixels,
            crop_to=size,
        )
        key = new_key(f"{kind}s", account_id, processed.original.extension)
        files[key] = processed.original.data
        images_set[kind] = key
    storage = rt.media
    with stored_files(storage, files), rt.db.session() as session:
        current = credentials(session, account_id)
        replaced = _apply(session, rt, current, changes, images_set)

        def forget_replaced() -> None:
            for key in replaced:
                storage.delete(key)

        on_commit(session, forget_replaced)
        outbox.profile_updated(session, rt, current.account)
    return current


IMAGE_KINDS = ("avatar", "header")


def remove_image(rt: Runtime, account_id: int, kind: str) -> Credentials:
    """Go back to the default avatar or header; the file goes once the change is committed."""
    if kind not in IMAGE_KINDS:
        raise NotFound()
    storage = rt.media
    with rt.db.session() as session:
        current = credentials(session, account_id)
        account = current.account
        previous = getattr(account, f"{kind}_file")
        if previous:
            setattr(account, f"{kind}_file", None)
            account.updated_at = datetime.now(UTC)
            session.add(account)
            on_commit(session, lambda: storage.delete(previous))
            outbox.profile_updated(session, rt, account)
    return current


def _validate(changes: ProfileChanges) -> None:
    if changes.display_name is not None and len(changes.display_name) > MAX_DISPLAY_NAME:
        raise Unprocessable(
            f"display_name is longer than {MAX_DISPLAY_NAME} characters", field="display_name"
        )
    if changes.note is not None and len(changes.note) > MAX_NOTE:
        raise Unprocessable(f"note is longer than {MAX_NOTE} characters", field="note")
    if changes.fields is not None:
        if len(changes.fields) > MAX_FIELDS:
            raise Unprocessable(f"at most {MAX_FIELDS} profile fields", field="fields_attributes")
        if any(
            len(name) > MAX_FIELD_LENGTH or len(value) > MAX_FIELD_LENGTH for name, value in changes.fields
        ):
            raise Unprocessable(
                f"profile fields are limited to {MAX_FIELD_LENGTH} characters", field="fields_attributes"
            )
    if changes.privacy is not None and changes.privacy not in VISIBILITIES:
        raise Unprocessable(
            f"source[privacy] must be one of {', '.join(VISIBILITIES)}", field="source[privacy]"
        )
    if changes.language is not None and (len(changes.language) > 16 or not changes.language.isascii()):
        raise Unprocessable("source[language] must be an ISO 639 code", field="source[language]")


def _apply(
    session: Session, rt: Runtime, current: Credentials, changes: ProfileChanges, images_set: dict[str, str]
) -> list[str]:
    """Change the rows; returns the files the new avatar or header replace."""
    account, user = current.account, current.user
    if changes.display_name is not None:
        account.display_name = changes.display_name.strip()
    if changes.note is not None:
        account.note_source = changes.note
        account.note = statuses.render_for(session, rt, account, changes.note).html
    if changes.fields is not None:
        account.fields = [
            {"name": name.strip(), "value": _inline_html(session, rt, account, value), "source": value}
            for name, value in changes.fields
            if name.strip()
        ]
    for attribute in ("locked", "discoverable", "indexable"):
        if (value := getattr(changes, attribute)) is not None:
            setattr(account, attribute, value)
    if changes.bot is not None:
        account.actor_type = "Service" if changes.bot else "Person"
    if changes.image_licence is not None:
        account.image_licence = changes.image_licence
    replaced = []
    for kind, key in images_set.items():
        previous = getattr(account, f"{kind}_file")
        if previous:
            replaced.append(previous)
        setattr(account, f"{kind}_file", key)
    emojis.refresh_local_account(session, rt, account)
    account.updated_at = datetime.now(UTC)
    if changes.privacy is not None:
        user.default_visibility = changes.privacy
    if changes.sensitive is not None:
        user.default_sensitive = changes.sensitive
    if changes.language is not None:
        user.default_language = changes.language or None
    session.add(account)
    session.add(user)
    return replaced


def _inline_html(session: Session, rt: Runtime, account: Account, text: str) -> str:
    """A one-line value as linked HTML, without the paragraph a status would get."""
    rendered = statuses.render_for(session, rt, account, " ".join(text.split())).html
    return rendered.removeprefix("<p>").removesuffix("</p>")


def preferences(session: Session, account_id: int) -> User:
    user = account_store.user_for_account(session, account_id)
    if user is None:
        raise NotFound()
    return user
