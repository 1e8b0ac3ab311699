"""URLs of an account's images and of media files, shared by every representation."""

from __future__ import annotations

from fedi.models.accounts import Account
from fedi.models.emojis import CustomEmoji
from fedi.models.media import MediaAttachment
from fedi.urls import Urls

DEFAULT_AVATAR = "avatar.png"
DEFAULT_HEADER = "header.png"


def avatar_url(account: Account, urls: Urls) -> str:
    if account.avatar_file:
        return urls.media(account.avatar_file)
    return account.avatar_remote_url or urls.static(DEFAULT_AVATAR)


def header_url(account: Account, urls: Urls) -> str:
    if account.header_file:
        return urls.media(account.header_file)
    return account.header_remote_url or urls.static(DEFAULT_HEADER)


def has_avatar(account: Account) -> bool:
    return bool(account.avatar_file or account.avatar_remote_url)


def has_header(account: Account) -> bool:
    return bool(account.header_file or account.header_remote_url)


def media_url(media: MediaAttachment, urls: Urls) -> str | None:
    if media.file_key:
        return urls.media(media.file_key)
    return media.remote_url


def preview_url(media: MediaAttachment, urls: Urls) -> str | None:
    if media.thumbnail_key:
        return urls.media(media.thumbnail_key)
    return media_url(media, urls)


def emoji_url(emoji: CustomEmoji, urls: Urls) -> str:
    if emoji.file_key:
        return urls.media(emoji.file_key)
    return emoji.image_url or ""


def emoji_uri(emoji: CustomEmoji, urls: Urls) -> str:
    """The AS2 id: a remote emoji's own, else /emojis/:id here (or its image, as a last resort)."""
    return emoji.uri or (urls.emoji(emoji.id) if emoji.local else emoji_url(emoji, urls))
