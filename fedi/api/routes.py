"""The whole URL table in one place."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fedi.api import activitypub as ap
from fedi.api import health, wellknown
from fedi.config import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        Route("/healthz", health.healthz),
        # Discovery
        Route("/.well-known/webfinger", wellknown.webfinger),
        Route("/.well-known/host-meta", wellknown.host_meta),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo_links),
        Route("/nodeinfo/{version:str}", wellknown.nodeinfo),
        # ActivityPub
        Route("/actor", ap.instance_actor),
        Route("/actor/inbox", ap.inbox_post, methods=["POST"]),
        Route("/inbox", ap.inbox_post, methods=["POST"]),
        Route("/users/{username}", ap.actor),
        Route("/users/{username}/inbox", ap.inbox_post, methods=["POST"]),
        Route("/users/{username}/outbox", ap.outbox),
        Route("/users/{username}/followers", ap.followers),
        Route("/users/{username}/following", ap.following),
        Route("/users/{username}/collections/featured", ap.featured),
        Route("/users/{username}/collections/tags", ap.featured_tags),
        Route("/users/{username}/statuses/{status_id}", ap.status),
        Route("/users/{username}/statuses/{status_id}/activity", ap.status_activity),
        Route("/users/{username}/statuses/{status_id}/replies", ap.status_replies),
        # Files
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        Mount("/media", StaticFiles(directory=settings.media_dir, check_dir=False), name="media"),
    ]
