"""What a local author types, turned into the HTML Mastodon shows: paragraphs, links, mentions
and hashtags. Everything else is escaped, so the author's text can never carry markup."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from linkify_it import LinkifyIt

# Mastodon's rules (app/models/account.rb MENTION_RE, app/models/tag.rb HASHTAG_RE), simplified.
MENTION = re.compile(
    r"(?<![\w/@])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([a-z0-9.-]+[a-z0-9](?::\d+)?))?",
    re.IGNORECASE,
)
HASHTAG = re.compile(r"(?<![\w/)#&])#(\w*[^\W\d_]\w*)")
URL_WEIGHT = 23  # Mastodon counts every link as 23 characters.

_linkify = LinkifyIt()


@dataclass(frozen=True)
class MentionTarget:
    """A mentioned account, as the renderer needs it."""

    account_id: int
    username: str
    profile_url: str


@dataclass
class Rendered:
    html: str
    mentions: list[MentionTarget] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


MentionResolver = Callable[[str, str | None], MentionTarget | None]


def render(text: str, *, resolve_mention: MentionResolver, tag_url: Callable[[str], str]) -> Rendered:
    """Plain text to HTML: blank lines make paragraphs, newlines make <br>."""
    result = Rendered(html="")
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = [
        "<br>".join(_render_line(line, result, resolve_mention, tag_url) for line in p.split("\n"))
        for p in paragraphs
    ]
    result.html = "".join(f"<p>{p}</p>" for p in rendered)
    return result


def render_plain(text: str, *, mentions: list[MentionTarget]) -> Rendered:
    """`mentions`, then `text` exactly as written: escaped, never read for mentions, hashtags or
    links. For posts whose text holds what someone else typed (the image bot's replies), so that
    the text cannot make the post mention, notify or deliver to anyone."""
    result = Rendered(html="", mentions=list(mentions))
    lead = " ".join(_mention_html(target) for target in mentions)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()] or [""]
    rendered = ["<br>".join(html.escape(line, quote=False) for line in p.split("\n")) for p in paragraphs]
    rendered[0] = f"{lead} {rendered[0]}".strip()
    result.html = "".join(f"<p>{p}</p>" for p in rendered)
    return result


def _render_line(
    line: str, result: Rendered, resolve_mention: MentionResolver, tag_url: Callable[[str], str]
) -> str:
    out: list[str] = []
    position = 0
    for match in _linkify.match(line) or []:
        if not match.url.startswith(("http://", "https://")):
            continue  # bare domains and e-mail addresses stay text, as on Mastodon
        out.append(_render_words(line[position : match.index], result, resolve_mention, tag_url))
        url = html.escape(match.url, quote=True)
        out.append(
            f'<a href="{url}" target="_blank" rel="nofollow noopener noreferrer">{html.escape(match.raw)}</a>'
        )
        position = match.last_index
    out.append(_render_words(line[position:], result, resolve_mention, tag_url))
    return "".join(out)


def _render_words(
    text: str, result: Rendered, resolve_mention: MentionResolver, tag_url: Callable[[str], str]
) -> str:
    pieces: list[str] = []
    position = 0
    tokens = sorted(
        [(m.start(), m.end(), "mention", m) for m in MENTION.finditer(text)]
        + [(m.start(), m.end(), "tag", m) for m in HASHTAG.finditer(text)],
        key=lambda t: t[0],
    )
    for start, end, kind, match in tokens:
        if start < position:
            continue
        replacement = (
            _mention(match, result, resolve_mention)
            if kind == "mention"
            else _hashtag(match, result, tag_url)
        )
        if replacement is None:
            continue
        pieces.append(html.escape(text[position:start], quote=False))
        pieces.append(replacement)
        position = end
    pieces.append(html.escape(text[position:], quote=False))
    return "".join(pieces)


def _mention(match: re.Match[str], result: Rendered, resolve: MentionResolver) -> str | None:
    target = resolve(match.group(1), match.group(2))
    if target is None:
        return None
    if all(m.account_id != target.account_id for m in result.mentions):
        result.mentions.append(target)
    return _mention_html(target)


def _mention_html(target: MentionTarget) -> str:
    url = html.escape(target.profile_url, quote=True)
    return (
        f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
        f"@<span>{html.escape(target.username)}</span></a></span>"
    )


def _hashtag(match: re.Match[str], result: Rendered, tag_url: Callable[[str], str]) -> str:
    name = match.group(1)
    if name.lower() not in (t.lower() for t in result.tags):
        result.tags.append(name)
    url = html.escape(tag_url(name.lower()), quote=True)
    return f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{html.escape(name)}</span></a>'


def count_characters(text: str) -> int:
    """Length as Mastodon counts it: each link is 23, a remote mention counts its local part."""
    length = len(text)
    for match in _linkify.match(text) or []:
        if match.url.startswith(("http://", "https://")):
            length += URL_WEIGHT - len(match.raw)
    for match in MENTION.finditer(text):
        if match.group(2):
            length -= len(match.group(2)) + 1
    return length
