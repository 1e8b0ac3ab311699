"""The whole URL table in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from fedi.api import health


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", health.healthz),
    ]
