"""Statuses and accounts as the plain values templates show.

HTML (post bodies, bios, profile field values) was sanitised when it was stored; it is cleaned
once more here, on the way out, so a template can mark it safe. Everything else is text the
templates escape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from activitypub.objects import is_http_url
from fedi.content.sanitize import clean_html, to_plain_text
from fedi.convert.common import avatar_url, header_url, media_url, preview_url
from fedi.convert.to_mastodon import is_expired
from fedi.licences import ImageLicence, parse_licence
from fedi.models.accounts import Account
from fedi.models.media import MediaAttachment
from fedi.store.views import StatusView
from fedi.urls import Urls


def safe_html(html: str) -> Markup:
    return Markup(clean_html(html))


def profile_path(acct: str) -> str:
    return "/@" + quote(acct, safe="@:")


@dataclass(frozen=True)
class Person:
    acct: str  # name here, name@host elsewhere
    handle: str  # always @name@host
    name: str
    path: str
    url: str
    uri: str
    avatar: str
    header: str
    note: Markup
    fields: list[tuple[str, Markup]]
    posts: int
    followers: int
    following: int
    locked: bool
    bot: bool
    local: bool
    # Their own server's page, for remote accounts.
    home_url: str | None


def person(account: Account, urls: Urls) -> Person:
    acct = account.acct()
    path = profile_path(acct)
    return Person(
        acct=acct,
        handle=f"@{account.username}@{account.domain or urls.host}",
        name=account.display_name.strip() or account.username,
        path=path,
        url=urls.base + path,
        uri=account.uri,
        avatar=avatar_url(account, urls),
        header=header_url(account, urls),
        note=safe_html(account.note),
        fields=[(str(f.get("name", "")), safe_html(str(f.get("value", "")))) for f in account.fields],
        posts=account.statuses_count,
        followers=account.followers_count,
        following=account.following_count,
        locked=account.locked,
        bot=account.bot,
        local=account.local,
        home_url=None if account.local else (account.url if is_http_url(account.url) else account.uri),
    )


@dataclass(frozen=True)
class Picture:
    url: str | None  # None while the image is being made
    preview: str | None
    alt: str
    width: int | None
    height: int | None


def picture(media: MediaAttachment, urls: Urls) -> Picture:
    ready = media.state == "ready"
    return Picture(
        url=media_url(media, urls) if ready else None,
        preview=preview_url(media, urls) if ready else None,
        alt=media.description.strip() or "An image without a description",
        width=media.width,
        height=media.height,
    )


@dataclass(frozen=True)
class Provenance:
    """How a generated image was made: the prompt and the parameters worth showing."""

    prompt: str
    rows: list[tuple[str, str]]
    remix_of: str | None
    licence: ImageLicence | None = None


def provenance(record: dict[str, Any]) -> Provenance:
    width, height = _int(record.get("width")), _int(record.get("height"))
    rows = [
        ("Model", _text(record.get("model") or record.get("preset"))),
        ("Seed", _text(record.get("seed"))),
        ("Steps", _text(record.get("steps"))),
        ("Size", f"{width} \N{MULTIPLICATION SIGN} {height}" if width and height else ""),
        ("Guidance", _text(record.get("guidance"))),
        ("Sampler", _text(record.get("sampler"))),
        ("Negative prompt", _text(record.get("negative_prompt"))),
    ]
    remix_of = record.get("remix_of")
    return Provenance(
        prompt=_text(record.get("prompt")),
        rows=[(label, value) for label, value in rows if value],
        remix_of=remix_of if is_http_url(remix_of) else None,
        licence=parse_licence(record.get("licence")),
    )


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None or isinstance(value, bool) else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class PollShown:
    """A poll's options with their votes (None while the author hides them until the end)."""

    options: list[tuple[str, int | None]]
    voters: int | None
    ended: bool


def poll_shown(view: StatusView) -> PollShown | None:
    if view.poll is None:
        return None
    item = view.poll.poll
    ended = is_expired(item)
    tallies = [*item.cached_tallies, *[0] * len(item.options)]
    shown = ended or not item.hide_totals
    return PollShown(
        options=[(title, tallies[i] if shown else None) for i, title in enumerate(item.options)],
        voters=item.voters_count,
        ended=ended,
    )


@dataclass(frozen=True)
class Post:
    id: int
    path: str
    url: str
    uri: str
    author: Person
    content: Markup
    text: str
    spoiler: str
    sensitive: bool
    visibility: str
    published: datetime
    processing: bool
    pictures: list[Picture] = field(default_factory=list)
    provenance: Provenance | None = None
    # Where a remote post lives on its own server.
    original_url: str | None = None
    poll: PollShown | None = None

    @property
    def date(self) -> str:
        return f"{self.published.day} {self.published:%b %Y}"

    @property
    def iso(self) -> str:
        return self.published.isoformat()

    @property
    def cover(self) -> Picture | None:
        return self.pictures[0] if self.pictures else None


def post(view: StatusView, urls: Urls) -> Post:
    """A status as shown; a boost shows the boosted post."""
    shown = view.reblog or view
    status, author = shown.status, person(shown.account, urls)
    record = next((m.generation for m in shown.media if m.generation), None)
    path = f"{author.path}/{status.id}"
    return Post(
        id=status.id,
        path=path,
        url=urls.base + path,
        uri=status.uri,
        author=author,
        content=safe_html(status.content),
        text=to_plain_text(status.content),
        spoiler=status.spoiler_text,
        sensitive=status.sensitive,
        visibility=status.visibility,
        published=status.created_at,
        processing=status.state == "processing",
        pictures=[picture(m, urls) for m in shown.media if m.type == "image"],
        provenance=provenance(record) if record else None,
        original_url=None if status.local or not is_http_url(status.url) else status.url,
        poll=poll_shown(shown),
    )


def generated(view: StatusView) -> bool:
    """Whether a post carries an image made by a model (what the gallery shows)."""
    shown = view.reblog or view
    return any(m.generation for m in shown.media)
