"""HTML from anywhere, reduced to what Mastodon keeps (lib/sanitize_ext/sanitize_config.rb).

Every piece of remote HTML (statuses, bios, profile fields) goes through `clean_html` before it
is stored, and again before it is rendered, so stored and shown HTML are always safe.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

_TAGS = {
    "p",
    "br",
    "span",
    "a",
    "del",
    "s",
    "pre",
    "blockquote",
    "code",
    "b",
    "strong",
    "u",
    "i",
    "em",
    "ul",
    "ol",
    "li",
    "ruby",
    "rt",
    "rp",
}
_ATTRIBUTES = {
    "*": {"lang"},
    "a": {"href", "class", "translate"},
    "span": {"class", "translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "p": {"class"},
}
_URL_SCHEMES = {
    "http",
    "https",
    "dat",
    "dweb",
    "ipfs",
    "ipns",
    "ssb",
    "gopher",
    "xmpp",
    "magnet",
    "gemini",
}
_KEPT_CLASSES = {"mention", "hashtag", "ellipsis", "invisible", "quote-inline", "h-card"}
_MICROFORMAT = re.compile(r"^(h|p|u|dt|e)-[a-z0-9-]+$")
_HEADING_OPEN = re.compile(r"<h[1-6](\s[^>]*)?>", re.IGNORECASE)
_HEADING_CLOSE = re.compile(r"</h[1-6]\s*>", re.IGNORECASE)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [c for c in value.split() if c in _KEPT_CLASSES or _MICROFORMAT.match(c)]
    return " ".join(kept) or None


def clean_html(html: str) -> str:
    """Mastodon's allowlist: headings become bold paragraphs, links get rel/target.

    Idempotent: cleaning clean HTML changes nothing. nh3 puts `rel` where an attribute it
    dropped was (`<a class="x" href=…>`), and a second pass moves it after `target`; so the
    result of one pass is cleaned once more, and then it stays put.
    """
    html = _HEADING_CLOSE.sub("</strong></p>", _HEADING_OPEN.sub("<p><strong>", html))
    return _clean(_clean(html))


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math"},
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        link_rel="nofollow noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=_URL_SCHEMES,
        url_relative="deny",
        strip_comments=True,
    )


def to_plain_text(html: str) -> str:
    """The visible text of sanitized HTML, with paragraph and line breaks kept."""
    text = re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE)
    text = re.sub(r"</p\s*>", "\n\n", text, flags=re.IGNORECASE)
    text = nh3.clean(text, tags=set())
    return html_lib.unescape(text).strip()
