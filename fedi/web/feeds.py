"""RSS 2.0 for local profiles (`/@name.rss`): public posts, with their images as media:content."""

from __future__ import annotations

import html
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from fedi.api.context import read, runtime_of
from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.runtime import Runtime
from fedi.services import directory, timelines
from fedi.store.paging import Page
from fedi.store.views import StatusView
from fedi.web import present
from fedi.web.pages import page

MEDIA_NS = "http://search.yahoo.com/mrss/"
ITEMS = 20
ET.register_namespace("media", MEDIA_NS)


@page
async def profile_rss(request: Request) -> Response:
    rt, acct = runtime_of(request), str(request.path_params["username"])
    account, views = await read(request, lambda s: _load(s, rt, acct))
    posts = [present.post(v, rt.urls) for v in views if v.status.visibility == "public"]
    body = rss(present.person(account, rt.urls), posts)
    return Response(
        body, media_type="application/rss+xml; charset=utf-8", headers={"Cache-Control": "max-age=300"}
    )


def _load(session: Session, rt: Runtime, acct: str) -> tuple[Account, list[StatusView]]:
    account = directory.lookup(session, rt, acct)
    if not account.local or account.suspended:
        raise NotFound()
    views = timelines.account_statuses(
        session, None, account.id, Page(limit=ITEMS), exclude_replies=True, exclude_reblogs=True
    )
    return account, views


def rss(author: present.Person, posts: list[present.Post]) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", author.name)
    _text(channel, "description", f"Public posts from {author.handle}")
    _text(channel, "link", author.url)
    image = ET.SubElement(channel, "image")
    for name, value in (("url", author.avatar), ("title", author.name), ("link", author.url)):
        _text(image, name, value)
    if posts:
        _text(channel, "lastBuildDate", format_datetime(posts[0].published))
    for post in posts:
        channel.append(_item(post))
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _item(post: present.Post) -> ET.Element:
    item = ET.Element("item")
    _text(item, "guid", post.url).set("isPermaLink", "true")
    _text(item, "link", post.url)
    _text(item, "pubDate", format_datetime(post.published))
    warning = f"<p>Content warning: {html.escape(post.spoiler)}</p>" if post.spoiler else ""
    _text(item, "description", warning + str(post.content))
    for picture in post.pictures:
        if picture.url is None:
            continue
        media = ET.SubElement(item, f"{{{MEDIA_NS}}}content", {"url": picture.url, "medium": "image"})
        _text(media, f"{{{MEDIA_NS}}}description", picture.alt).set("type", "plain")
        _text(media, f"{{{MEDIA_NS}}}rating", "adult" if post.sensitive else "nonadult").set(
            "scheme", "urn:simple"
        )
    return item


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value
    return element
