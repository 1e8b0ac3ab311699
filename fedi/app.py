"""create_app(runtime) -> the Starlette application: routes, middleware, lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from fedi.api.bodylimit import BodyLimitMiddleware
from fedi.api.cors import ApiCORSMiddleware
from fedi.api.errors import HANDLERS
from fedi.api.files import NoSniffMiddleware
from fedi.api.ratelimit import RateLimitMiddleware
from fedi.api.routes import routes
from fedi.api.routing import IndexedRouter
from fedi.jobs.consumer import start_embedded, stop_embedded
from fedi.observability.metrics import Metrics, MetricsMiddleware
from fedi.runtime import Runtime
from fedi.security.files import PRIVATE_DIR
from fedi.services.federation.recovery import requeue_lost_work
from fedi.services.generations import requeue_stuck
from fedi.web import session

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, consume_jobs: bool | None = None) -> Starlette:
    """The web application. `consume_jobs` (default: jobs.embedded) runs job threads inside it."""
    settings = runtime.settings
    if consume_jobs is None:
        consume_jobs = settings.jobs.embedded and not runtime.jobs.main.immediate

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        consumer = None
        if consume_jobs:
            # The only consumer of an embedded queue: what a crash left half-done is ours to redo.
            requeue_lost_work(runtime, at_startup=True)
            requeue_stuck(runtime, at_startup=True)
            consumer = start_embedded(runtime.jobs.main, settings.jobs.workers)
        # The Web Push key pair: made and kept at the first start, read back at the next ones.
        runtime.vapid  # noqa: B018
        log.info("fedi is serving %s", settings.base_url)
        try:
            yield
        finally:
            if consumer is not None:
                stop_embedded(consumer)

    # Inside the data dir the media dir is private like the rest (fedi serves the files); one
    # elsewhere may be read by a proxy, so it gets the usual mode.
    inside = settings.media_dir.resolve().is_relative_to(settings.data_dir.resolve())
    settings.media_dir.mkdir(mode=PRIVATE_DIR if inside else 0o755, parents=True, exist_ok=True)
    metrics = Metrics(runtime)
    middleware = [
        Middleware(NoSniffMiddleware),
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(ApiCORSMiddleware),
        Middleware(BodyLimitMiddleware, settings=settings),
        Middleware(RateLimitMiddleware, settings=settings),
        session.middleware(settings),
    ]
    app = Starlette(
        routes=routes(settings), exception_handlers=HANDLERS, middleware=middleware, lifespan=lifespan
    )
    app.router = IndexedRouter(app.router.routes, lifespan=app.router.lifespan_context)
    app.state.runtime = runtime
    app.state.metrics = metrics
    return app
