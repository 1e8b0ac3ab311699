"""What the instance's domain blocks and allows say about a host, answered from memory.

Every inbox POST, delivery and fetch asks, so the answer must cost no query: the blocks and
allows are read once, then again in a background thread when the copy is more than a few
seconds old (the stale copy answers meanwhile, so a caller inside a transaction never waits on
a read). Other processes see a change within that time; this process at once, through
`reload` after the change commits. A block on example.com covers every name under it
(a.example.com, b.a.example.com), as Mastodon's does.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from activitypub.errors import FetchForbiddenAddress, FormatError
from activitypub.urls import host_of
from fedi.db import Database
from fedi.models.moderation import Severity
from fedi.store import moderation as store

log = logging.getLogger(__name__)

REFRESH_S = 5.0


@dataclass(frozen=True)
class DomainRule:
    domain: str
    severity: Severity
    reject_media: bool
    reject_reports: bool
    created_at: datetime


@dataclass(frozen=True)
class _Snapshot:
    blocks: dict[str, DomainRule]
    allows: frozenset[str]
    loaded_at: float


class DomainPolicy:
    def __init__(self, db: Database, *, allowlist_mode: bool, local_host: str) -> None:
        self._db = db
        self._allowlist_mode = allowlist_mode
        self._local_host = local_host
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()
        self._refreshing = False

    def reload(self) -> None:
        """Read the blocks and allows now (after a change here has committed)."""
        snapshot = self._load()
        with self._lock:
            self._snapshot = snapshot

    def rule_for(self, host: str | None) -> DomainRule | None:
        """The block covering `host` (the most specific one), if any."""
        if not host:
            return None
        blocks = self._current().blocks
        return next((blocks[name] for name in _covering(host) if name in blocks), None)

    def suspended(self, host: str | None) -> bool:
        """Nothing goes to or comes from this host (blocked, or not allowed in allowlist mode)."""
        if not host or host.lower() == self._local_host:
            return False
        if self._allowlist_mode and not any(name in self._current().allows for name in _covering(host)):
            return True
        rule = self.rule_for(host)
        return rule is not None and rule.severity == Severity.SUSPEND

    def silenced(self, host: str | None) -> bool:
        rule = self.rule_for(host)
        return rule is not None and rule.severity == Severity.SILENCE

    def rejects_media(self, host: str | None) -> bool:
        rule = self.rule_for(host)
        return rule is not None and (rule.reject_media or rule.severity == Severity.SUSPEND)

    def rejects_reports(self, host: str | None) -> bool:
        rule = self.rule_for(host)
        return rule is not None and (rule.reject_reports or rule.severity == Severity.SUSPEND)

    def refuse_request(self, url: str) -> None:
        """The federation client's last check before a request leaves: none to a suspended host."""
        try:
            host = host_of(url)
        except FormatError:
            return  # the client refuses such URLs itself
        if self.suspended(host):
            raise FetchForbiddenAddress(url, f"{host} is blocked by this server")

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._load()
                return self._snapshot
        if time.monotonic() - snapshot.loaded_at >= REFRESH_S:
            self._refresh_in_background()
        return snapshot

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._refresh, name="domain-policy", daemon=True).start()

    def _refresh(self) -> None:
        try:
            snapshot = self._load()
            with self._lock:
                self._snapshot = snapshot
        except Exception:
            log.exception("reading the domain blocks failed; the previous copy stays in use")
        finally:
            self._refreshing = False

    def _load(self) -> _Snapshot:
        with self._db.reader() as session:
            blocks = {
                b.domain: DomainRule(
                    b.domain, Severity(b.severity), b.reject_media, b.reject_reports, b.created_at
                )
                for b in store.domain_blocks(session)
            }
            allows = frozenset(a.domain for a in store.domain_allows(session))
        return _Snapshot(blocks, allows, time.monotonic())


def _covering(host: str) -> list[str]:
    """`host` and the domains above it, most specific first (an IP address only itself)."""
    name = host.lower().rstrip(".")
    bare = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    try:
        ipaddress.ip_address(bare.strip("[]"))
    except ValueError:
        labels = name.split(".")
        return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [name]
    return [name]
