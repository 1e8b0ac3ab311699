"""Where a generated image came from and what came from it, across instances.

Ancestors follow `remix_of_uri` up the chain: each is a post this server has stored (rendered
for the viewer) or only its URI (a post on another server this one never fetched, or one the
viewer may not see). Descendants are the posts that reached this server with `remixOf` pointing
into the chain below the post: local remixes and edits, and remote ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fedi.models.accounts import Account
from fedi.models.statuses import Status
from fedi.services import visibility
from fedi.store import statuses as store
from fedi.store.views import StatusView, status_view

MAX_ANCESTORS = 20
MAX_DESCENDANTS = 40


@dataclass(frozen=True)
class Link:
    uri: str
    # None: not stored here, or not visible to this viewer.
    view: StatusView | None


@dataclass(frozen=True)
class Lineage:
    ancestors: list[Link]  # the oldest first
    descendants: list[Link]  # breadth first: direct remixes, then theirs


def lineage(session: Session, viewer: Account | None, status_id: int) -> Lineage:
    status = visibility.visible_status(session, viewer, status_id)
    ancestors: list[Link] = []
    seen = {status.uri}
    uri = status.remix_of_uri
    while uri and uri not in seen and len(ancestors) < MAX_ANCESTORS:
        seen.add(uri)
        found = store.by_uri(session, uri)
        ancestors.append(Link(uri, _view(session, viewer, found)))
        uri = found.remix_of_uri if found is not None else None
    ancestors.reverse()
    descendants: list[Link] = []
    frontier = [status.uri]
    while frontier and len(descendants) < MAX_DESCENDANTS:
        children = [
            child
            for child in store.remixes_of(session, frontier, limit=MAX_DESCENDANTS)
            if child.uri not in seen
        ]
        seen.update(child.uri for child in children)
        descendants.extend(Link(child.uri, _view(session, viewer, child)) for child in children)
        frontier = [child.uri for child in children]
    return Lineage(ancestors=ancestors, descendants=descendants[:MAX_DESCENDANTS])


def _view(session: Session, viewer: Account | None, status: Status | None) -> StatusView | None:
    if status is None or not visibility.can_view(session, viewer, status):
        return None
    return status_view(session, status, viewer)
