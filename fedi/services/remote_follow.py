"""Following someone here from another server, as Mastodon's remote-follow form does.

The visitor types their own address; their server's WebFinger names an OStatus `subscribe`
template (`https://their.server/authorize_interaction?uri={uri}`), and they are sent there with
the profile's URI to confirm the follow while signed in at home.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future
from urllib.parse import quote

from activitypub.errors import ActivityPubError, FetchUnavailable, FormatError
from activitypub.objects import as_list, is_http_url
from activitypub.webfinger import SUBSCRIBE_REL, Acct, parse_acct, webfinger_url
from fedi.errors import Unprocessable
from fedi.runtime import Runtime
from fedi.services.federation.fetches import RemoteError, done

FIELD = "handle"


def interaction_url(rt: Runtime) -> str:
    """Our own template: what our WebFinger advertises, and where our own users confirm."""
    return f"{rt.urls.base}/authorize_interaction?uri={{uri}}"


def start_subscribe_url(rt: Runtime, handle: str, uri: str) -> Future[str]:
    """Where the owner of `handle` confirms following `uri`, being looked up in the fetch pool
    (their server may be slow); Unprocessable says why not, now or in the future."""
    try:
        acct = parse_acct(handle.strip())
    except FormatError:
        raise Unprocessable("Enter your address as you@your.server", field=FIELD) from None
    if acct.host == rt.urls.host:
        return done(_filled(interaction_url(rt), uri))
    try:
        return rt.fetches.start(
            f"subscribe:{acct}", acct.host, lambda: _filled(_their_template(rt, acct), uri)
        )
    except RemoteError as exc:
        raise Unprocessable(exc.message, field=FIELD) from None


def _filled(template: str, uri: str) -> str:
    return template.replace("{uri}", quote(uri, safe=""))


def _their_template(rt: Runtime, acct: Acct) -> str:
    schemes = ("https", "http") if rt.settings.federation.allow_http else ("https",)
    for scheme in schemes:
        try:
            document = rt.http.fetch_jrd(webfinger_url(acct.host, acct, scheme=scheme))
        except FetchUnavailable:
            continue
        except ActivityPubError:
            break
        for link in as_list(document.get("links")):
            if not isinstance(link, Mapping):
                continue  # a malformed entry says nothing; the others may still do
            template = link.get("template")
            if link.get("rel") == SUBSCRIBE_REL and is_http_url(template) and "{uri}" in template:
                return template
        raise RemoteError("Your server does not offer remote follows: search for the account there")
    raise RemoteError("Your server could not be reached, or does not know that address", temporary=True)
