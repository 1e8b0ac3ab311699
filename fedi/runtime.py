"""The long-lived objects one fedi process owns, built once from Settings.

Web handlers reach it through `request.app.state.runtime`; job bodies (which huey calls with
plain arguments) through `current()`, set when the process starts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import httpx

from activitypub.client import ClientConfig, FederationClient, KeyPair
from fedi import __version__
from fedi.config import Settings
from fedi.db import Database, make_engine
from fedi.jobs.queue import JobQueue
from fedi.security.throttle import SignInThrottle
from fedi.streaming import Broadcaster, MemoryBroadcaster, RelayBroadcaster
from fedi.urls import Urls

if TYPE_CHECKING:
    from fedi.media.storage import LocalStorage, S3Storage
    from fedi.services.federation.budgets import HostBudgets
    from fedi.services.federation.domain_policy import DomainPolicy
    from fedi.services.federation.fetches import Fetches
    from fedi.services.federation.inbox import InboxWriter, KeyCache
    from fedi.services.push_sender import PushSender
    from fedi.services.vapid import VapidKeys


@dataclass
class Runtime:
    settings: Settings
    db: Database
    jobs: JobQueue
    urls: Urls
    broadcaster: Broadcaster
    http: FederationClient
    # The instance's domain blocks and allows, from memory (checked before every remote request).
    domains: DomainPolicy
    _instance_key: KeyPair | None = field(default=None, repr=False)
    _inbox_writer: InboxWriter | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def sign_in_throttle(self) -> SignInThrottle:
        return SignInThrottle(self.settings)

    @cached_property
    def media(self) -> LocalStorage | S3Storage:
        """Where media files live (a local directory or an S3-compatible bucket)."""
        from fedi.media.storage import media_storage

        return media_storage(self.settings)

    @cached_property
    def key_cache(self) -> KeyCache:
        from fedi.services.federation.inbox import KeyCache

        return KeyCache()

    @cached_property
    def fetches(self) -> Fetches:
        """The pool every remote fetch runs in (never a request or job thread)."""
        from fedi.services.federation.fetches import Fetches, FetchLimits

        federation = self.settings.federation
        return Fetches(
            FetchLimits(
                workers=federation.fetch_workers,
                per_host=federation.fetches_per_host,
                failure_ttl_s=federation.fetch_failure_ttl_s,
            )
        )

    @cached_property
    def budgets(self) -> HostBudgets:
        from fedi.services.federation.budgets import HostBudgets

        return HostBudgets(self.settings)

    @cached_property
    def vapid(self) -> VapidKeys:
        """The Web Push (VAPID) key pair, made and kept in the database on first use."""
        from fedi.services.vapid import load_or_make

        with self._lock:
            return load_or_make(self)

    @cached_property
    def push_sender(self) -> PushSender:
        """The client Web Push messages leave through (same address rules as federation)."""
        from fedi.services.push_sender import PushSender

        def before_request(url: str) -> None:
            self.db.transactions.refuse_network(url)
            self.domains.refuse_request(url)

        return PushSender(self.settings, before_request)

    def inbox_writer(self) -> InboxWriter:
        """The thread that stores accepted activities (started on first use)."""
        with self._lock:
            if self._inbox_writer is None:
                from fedi.services.federation.inbox import InboxWriter

                self._inbox_writer = InboxWriter(self)
            return self._inbox_writer

    def instance_key(self) -> KeyPair:
        """The instance actor's key, which signs fetches made on the instance's behalf."""
        if self._instance_key is None:
            from fedi.services.system import instance_actor

            with self._lock, self.db.reader() as session:
                actor = instance_actor(session, self)
                assert actor.private_key_pem is not None
                self._instance_key = KeyPair(actor.public_key_id, actor.private_key_pem)
        return self._instance_key

    def close(self) -> None:
        if self._inbox_writer is not None:
            self._inbox_writer.close()
        if "fetches" in self.__dict__:
            self.fetches.close()
        if "push_sender" in self.__dict__:
            self.push_sender.close()
        self.http.close()
        self.broadcaster.close()
        self.db.dispose()


_current: Runtime | None = None


def build_runtime(
    settings: Settings, *, immediate_jobs: bool = False, transport: httpx.BaseTransport | None = None
) -> Runtime:
    """Build this process's runtime and make it current for job bodies.

    `transport` replaces the network for the federation client (tests pass fake servers).
    """
    from fedi.services.federation.domain_policy import DomainPolicy

    global _current
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
    )
    _current = runtime
    return runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no fedi runtime in this process: build_runtime() was not called")
    return _current


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
