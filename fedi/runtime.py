"""The long-lived objects one fedi process owns: a plain holder of parts built elsewhere.

`fedi.composition.build_runtime` (the composition root) builds every part and hands it in; this
module imports nothing from services, jobs or media, so anything may depend on it. Web handlers
reach the runtime through `request.app.state.runtime`; job bodies receive it as their first
argument (bound when the jobs are registered, see `fedi.composition`).

Parts that cost something to start (a thread, a pool, a database read) are built on first use
from the factories in `Parts`, which the root supplies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from activitypub.client import FederationClient, KeyPair
from fedi.config import Settings
from fedi.db import Database
from fedi.security.passwords import Passwords
from fedi.security.throttle import SignInThrottle
from fedi.streaming import Broadcaster
from fedi.urls import Urls

if TYPE_CHECKING:
    from sqlmodel import Session

    from fedi.jobs.gpu_engine import GpuEngine
    from fedi.jobs.queue import JobQueue
    from fedi.media.storage import LocalStorage, S3Storage
    from fedi.models.accounts import Account
    from fedi.models.statuses import Status
    from fedi.services.federation.budgets import HostBudgets
    from fedi.services.federation.domain_policy import DomainPolicy
    from fedi.services.federation.fetches import Fetches
    from fedi.services.federation.inbox import InboxWriter, KeyCache
    from fedi.services.instance import StatsCache
    from fedi.services.push_sender import PushSender
    from fedi.services.vapid import VapidKeys


class AnswerMention(Protocol):
    def __call__(self, session: Session, rt: Runtime, status: Status, mentioned: list[Account]) -> None: ...


class PublishProcessing(Protocol):
    def __call__(self, session: Session, rt: Runtime, status: Status) -> None: ...


@dataclass(frozen=True)
class Callbacks:
    """Services that a lower service calls back into, wired by the composition root so that the
    lower one need not import the higher one (which imports it)."""

    # services.reach -> services.bot: a new post that mentions the image bot gets its answer.
    answer_mention: AnswerMention
    # services.generations -> services.statuses: a post whose images are all ready is published.
    publish_processing: PublishProcessing


@dataclass(frozen=True)
class Parts:
    """Factories for the parts built on first use (supplied by the composition root)."""

    media: Callable[[Settings], LocalStorage | S3Storage]
    key_cache: Callable[[], KeyCache]
    fetches: Callable[[Settings], Fetches]
    budgets: Callable[[Settings], HostBudgets]
    vapid: Callable[[Runtime], VapidKeys]
    push_sender: Callable[[Runtime], PushSender]
    inbox_writer: Callable[[Runtime], InboxWriter]
    instance_key: Callable[[Runtime], KeyPair]
    gpu: Callable[[Settings], GpuEngine]


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
    # Hashes and checks passwords (argon2id); tests hand in a light one.
    passwords: Passwords = field(repr=False)
    # The instance's counts, kept a minute (fedi.services.instance).
    instance_stats: StatsCache = field(repr=False)
    parts: Parts = field(repr=False)
    callbacks: Callbacks = field(repr=False)
    # The GPU engine handed in by the root (tests share one), else made from `parts.gpu`.
    gpu_engine: GpuEngine | None = field(default=None, repr=False)
    _instance_key: KeyPair | None = field(default=None, repr=False)
    _inbox_writer: InboxWriter | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def sign_in_throttle(self) -> SignInThrottle:
        return SignInThrottle(self.settings)

    @cached_property
    def media(self) -> LocalStorage | S3Storage:
        """Where media files live (a local directory or an S3-compatible bucket)."""
        return self.parts.media(self.settings)

    @cached_property
    def key_cache(self) -> KeyCache:
        return self.parts.key_cache()

    @cached_property
    def fetches(self) -> Fetches:
        """The pool every remote fetch runs in (never a request or job thread)."""
        return self.parts.fetches(self.settings)

    @cached_property
    def budgets(self) -> HostBudgets:
        return self.parts.budgets(self.settings)

    @cached_property
    def gpu(self) -> GpuEngine:
        """The GPU side's engine (the model loads on its first `get()`, on GPU workers only)."""
        return self.gpu_engine or self.parts.gpu(self.settings)

    @cached_property
    def vapid(self) -> VapidKeys:
        """The Web Push (VAPID) key pair, made and kept in the database on first use."""
        with self._lock:
            return self.parts.vapid(self)

    @cached_property
    def push_sender(self) -> PushSender:
        """The client Web Push messages leave through (same address rules as federation)."""
        return self.parts.push_sender(self)

    def inbox_writer(self) -> InboxWriter:
        """The thread that stores accepted activities (started on first use)."""
        with self._lock:
            if self._inbox_writer is None:
                self._inbox_writer = self.parts.inbox_writer(self)
            return self._inbox_writer

    def instance_key(self) -> KeyPair:
        """The instance actor's key, which signs fetches made on the instance's behalf."""
        if self._instance_key is None:
            with self._lock:
                self._instance_key = self.parts.instance_key(self)
        return self._instance_key

    def close(self) -> None:
        if self._inbox_writer is not None:
            self._inbox_writer.close()
        if "fetches" in self.__dict__:
            self.fetches.close()
        if "push_sender" in self.__dict__:
            self.push_sender.close()
        if "gpu" in self.__dict__ and self.gpu_engine is None:
            self.gpu.close()  # its own; one handed in belongs to whoever made it
        self.http.close()
        self.broadcaster.close()
        self.db.dispose()
