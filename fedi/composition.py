"""The composition root: builds one process's runtime and wires its parts together.

`fedi.app` (the web process), `fedi.cli` (workers and commands) and the tests call
`build_runtime`. It is the one module that knows every concrete part: the database, the job queue
and the task bodies bound to the runtime, the federation client, the domain policy, media storage,
the inbox writer, the fetch pool and the callbacks that let a lower service reach a higher one.
Nothing imports this module except those entry points, so it may import anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx

from activitypub.client import ClientConfig, FederationClient, KeyPair
from fedi import __version__
from fedi.config import Settings
from fedi.db import Database, make_engine
from fedi.jobs import tasks  # noqa: F401  (importing it declares every job in JOBS)
from fedi.jobs.gpu_engine import GpuEngine
from fedi.jobs.queue import JobQueue
from fedi.jobs.registry import JOBS
from fedi.media.storage import media_storage
from fedi.runtime import Callbacks, Parts, Runtime
from fedi.security.passwords import Passwords
from fedi.services import bot, statuses, system, vapid
from fedi.services.federation.budgets import HostBudgets
from fedi.services.federation.domain_policy import DomainPolicy
from fedi.services.federation.fetches import Fetches, FetchLimits
from fedi.services.federation.inbox import InboxWriter, KeyCache
from fedi.services.instance import StatsCache
from fedi.services.push_sender import PushSender
from fedi.streaming import Broadcaster, MemoryBroadcaster, RelayBroadcaster
from fedi.urls import Urls


def build_runtime(
    settings: Settings,
    *,
    immediate_jobs: bool = False,
    transport: httpx.BaseTransport | None = None,
    gpu: GpuEngine | None = None,
    passwords: Passwords | None = None,
) -> Runtime:
    """Build a runtime from settings and register every job body, bound to it, on its queue.

    `transport` replaces the network for the federation client (tests pass fake servers).
    `gpu` is the GPU engine to use (tests share one so the model loads once); by default the
    runtime makes its own on first use. `passwords` replaces the argon2 hasher (tests pass
    `Passwords.light()`).
    Each call builds an independent runtime: nothing is kept in module globals.
    """
    db = Database(make_engine(settings))
    domains = DomainPolicy(
        db, allowlist_mode=settings.federation.allowlist_mode, local_host=settings.instance.domain
    )

    def before_request(url: str) -> None:
        db.transactions.refuse_network(url)
        domains.refuse_request(url)

    runtime = Runtime(
        settings=settings,
        db=db,
        jobs=JobQueue(settings, immediate=immediate_jobs),
        urls=Urls(settings.base_url, settings.media_base_url),
        broadcaster=_broadcaster(settings, db),
        http=FederationClient(_client_config(settings), transport=transport, before_request=before_request),
        domains=domains,
        passwords=passwords or Passwords(),
        instance_stats=StatsCache(),
        parts=PARTS,
        callbacks=CALLBACKS,
        gpu_engine=gpu,
    )
    for name, spec in JOBS.items():
        runtime.jobs.register(name, spec, _bound(spec.fn, runtime))
    return runtime


def _bound(body: Callable[..., Any], runtime: Runtime) -> Callable[..., Any]:
    """`body` with `runtime` as its first argument (huey calls it with the enqueued ones)."""

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        return body(runtime, *args, **kwargs)

    return run


def _fetches(settings: Settings) -> Fetches:
    federation = settings.federation
    return Fetches(
        FetchLimits(
            workers=federation.fetch_workers,
            per_host=federation.fetches_per_host,
            failure_ttl_s=federation.fetch_failure_ttl_s,
        )
    )


def _push_sender(rt: Runtime) -> PushSender:
    def before_request(url: str) -> None:
        rt.db.transactions.refuse_network(url)
        rt.domains.refuse_request(url)

    return PushSender(rt.settings, before_request)


def _instance_key(rt: Runtime) -> KeyPair:
    with rt.db.reader() as session:
        actor = system.instance_actor(session, rt)
        assert actor.private_key_pem is not None
        return KeyPair(actor.public_key_id, actor.private_key_pem)


PARTS = Parts(
    media=media_storage,
    key_cache=KeyCache,
    fetches=_fetches,
    budgets=HostBudgets,
    vapid=vapid.load_or_make,
    push_sender=_push_sender,
    inbox_writer=InboxWriter,
    instance_key=_instance_key,
    gpu=GpuEngine,
)

CALLBACKS = Callbacks(answer_mention=bot.answer_mention, publish_processing=statuses.publish_processing)


def _client_config(settings: Settings) -> ClientConfig:
    return ClientConfig(
        user_agent=f"fedi/{__version__} (+{settings.base_url})",
        allow_private_addresses=settings.federation.allow_private_addresses,
        allow_http=settings.federation.allow_http,
    )


def _broadcaster(settings: Settings, db: Database) -> Broadcaster:
    """How events reach other processes (settings.streaming_backend resolves "auto")."""
    backend = settings.streaming_backend
    if backend == "redis":
        from fedi.streaming.redis import RedisBus

        # One channel per instance: instances sharing a Redis never see each other's events.
        return RelayBroadcaster(
            RedisBus(settings.streaming.redis_url, f"fedi:stream:{settings.instance.domain}")
        )
    if backend == "postgres":
        from fedi.streaming.postgres import PostgresBus

        return RelayBroadcaster(PostgresBus(db.engine))
    return MemoryBroadcaster()
