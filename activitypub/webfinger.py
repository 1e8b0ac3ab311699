"""WebFinger (RFC 7033) addresses, documents and look-up URLs, plus host-meta."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from .errors import FormatError
from .objects import as_list, is_http_url
from .types import JsonObject
from .urls import normalize_host
from .vocab import ACTIVITY_JSON, is_activity_content_type

MAX_ACCT_LENGTH = 512
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
# Usernames: anything but separators, whitespace and controls. Servers differ on the
# exact alphabet (Mastodon: [a-z0-9_.-]), so only what would break the address is refused.
_USERNAME = re.compile(r"^[^\s@/?#:%\x00-\x1f\x7f]+$")
_PORT = re.compile(r"^[0-9]{1,5}$")


@dataclass(frozen=True, eq=False)
class Acct:
    """``user@host``. The username keeps its case for display; equality ignores it."""

    username: str
    host: str

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"

    def _key(self) -> tuple[str, str]:
        return (self.username.lower(), self.host)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Acct) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def _normalize_authority(host: str) -> str:
    name, sep, port = host.rpartition(":") if not host.endswith("]") else ("", "", "")
    if sep and _PORT.match(port):
        return f"{normalize_host(name)}:{int(port)}"
    return normalize_host(host)


def parse_acct(resource: str) -> Acct:
    """Parse ``acct:user@host``, ``user@host`` or ``@user@host``; raise FormatError otherwise."""
    if not isinstance(resource, str) or len(resource) > MAX_ACCT_LENGTH:
        raise FormatError("Invalid account address")
    text = resource
    if text[:5].lower() == "acct:":
        text = text[5:]
    elif text.startswith("@"):
        text = text[1:]
    username, sep, host = text.partition("@")
    if not sep or "@" in host or not username or not host:
        raise FormatError("Account address must look like user@host")
    if not _USERNAME.match(username) or any(c.isspace() for c in host):
        raise FormatError("Invalid account address")
    return Acct(username=username, host=_normalize_authority(host))


def jrd(
    subject: Acct,
    *,
    actor_url: str,
    profile_url: str | None = None,
    aliases: Sequence[str] = (),
    subscribe_template: str | None = None,
) -> JsonObject:
    """The JRD served for ``acct:subject``, shaped like Mastodon's."""
    links: list[JsonObject] = []
    if profile_url:
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url})
    links.append({"rel": "self", "type": ACTIVITY_JSON, "href": actor_url})
    if subscribe_template:
        links.append({"rel": SUBSCRIBE_REL, "template": subscribe_template})
    return {"subject": f"acct:{subject}", "aliases": list(aliases), "links": links}


def actor_url_from_jrd(doc: Any) -> str:
    """The ``self`` link with an ActivityStreams media type; FormatError if there is none."""
    if not isinstance(doc, Mapping):
        raise FormatError("WebFinger response is not a JSON object")
    for link in as_list(doc.get("links")):
        if not isinstance(link, Mapping) or link.get("rel") != "self":
            continue
        media_type, href = link.get("type"), link.get("href")
        is_activity = isinstance(media_type, str) and is_activity_content_type(media_type)
        if is_activity and is_http_url(href):
            return href
    raise FormatError("WebFinger response has no ActivityPub self link")


def subject_of_jrd(doc: Any) -> Acct | None:
    """The account a JRD says it describes (its ``acct:`` subject), or None when it names none."""
    subject = doc.get("subject") if isinstance(doc, Mapping) else None
    if not isinstance(subject, str) or subject[:5].lower() != "acct:":
        return None
    try:
        return parse_acct(subject)
    except FormatError:
        return None


@dataclass(frozen=True)
class WebFingerAnswer:
    """Where WebFinger says an account lives.

    ``acct`` is the address the answering servers agree on: the one asked for, or the subject
    it redirected to, once that subject's own server confirmed it.
    """

    acct: Acct
    actor_url: str


def host_meta_xrd(base_url: str) -> str:
    """``/.well-known/host-meta``: the LRDD template pointing at our WebFinger endpoint."""
    template = f"{base_url.rstrip('/')}/.well-known/webfinger?resource={{uri}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )


def webfinger_url(host: str, acct: Acct, *, scheme: str = "https") -> str:
    """``https://host/.well-known/webfinger?resource=acct:user@host``."""
    resource = quote(f"acct:{acct}", safe=":@")
    return f"{scheme}://{host}/.well-known/webfinger?resource={resource}"
