"""Sending stored activities: claim due deliveries, sign and POST them, record what happened.

Retries follow Mastodon's schedule (16 attempts over two to three days, delay n⁴ + 15 s plus
jitter), every attempt is signed afresh, a host that fails 10 times in a row is left alone for
a minute (circuit breaker), a host failing on 7 distinct days is marked unavailable, and a 410
ends deliveries to that inbox for good.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from activitypub.client import KeyPair
from activitypub.errors import FetchError, FetchGone, FetchUnavailable
from fedi.models.accounts import Account
from fedi.models.federation import Delivery, DeliveryState, OutboxActivity, Peer
from fedi.runtime import Runtime
from fedi.store import deliveries as store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 16
# A helper job that finds this process already sending the activity tries another consumer
# this many times (0.2 s apart), then leaves the rest to the senders already at work.
MAX_HELPER_HOPS = 5
CIRCUIT_THRESHOLD = 10
CIRCUIT_COOL_OFF = timedelta(seconds=60)
UNAVAILABLE_AFTER_DAYS = 7
# Longer than one request's total deadline: a claimed delivery is not claimed again meanwhile.
LEASE = timedelta(seconds=120)
# Deliveries claimed at a time: per run, up to this many; a run that claims a full batch asks
# for a helper, so a fan-out spreads over every `fedi worker`.
BATCH = 256
# Outcomes are written in small groups as they complete (bounded re-sends after a crash).
RECORD_EVERY = 4
RECORD_INTERVAL_S = 0.1
# Deliveries that must go through even to a host marked unavailable (Mastodon's exception).
ALWAYS_SENT = frozenset({"Follow", "Undo", "Accept", "Reject"})


class Attempt(StrEnum):
    """What one attempt (or the decision not to make one) came to."""

    DELIVERED = "delivered"
    RETRY = "retry"  # the inbox was unreachable or busy: try again later
    GONE = "gone"
    FAILED = "failed"
    SKIPPED = "skipped"  # not sent: the host is blocked or unavailable
    POSTPONED = "postponed"  # not sent now: the host's circuit is open


# The attempts that heard from the host (or tried to): they update its health.
_REACHED_FOR = (Attempt.DELIVERED, Attempt.RETRY, Attempt.FAILED, Attempt.GONE)
_ANSWERED = (Attempt.DELIVERED, Attempt.GONE)


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    host: str
    inbox_url: str
    # Attempts made before this one.
    attempts: int
    result: Attempt
    status: int | None = None
    error: str | None = None

    @classmethod
    def of(cls, delivery: Delivery, result: Attempt, **details: Any) -> Outcome:
        return cls(delivery.id, delivery.host, delivery.inbox_url, delivery.attempts, result, **details)


def retry_delay(failed_attempts: int, *, scale: float = 1.0) -> timedelta:
    """Mastodon's DeliveryWorker schedule: n⁴ + 15 + rand(0.5·n⁴) + rand(10)·(n + 1) seconds."""
    n = failed_attempts
    seconds = n**4 + 15 + random.uniform(0, 0.5 * n**4) + random.randint(0, 9) * (n + 1)
    return timedelta(seconds=seconds * scale)


def fan_out(rt: Runtime, activity_id: int, hops: int = 0) -> None:
    """Send every due delivery of one activity; safe to run twice (deliveries are claimed).

    `hops` > 0 marks a helper: a run started by another sender so that several processes share
    one big fan-out. One process sends one activity on one thread at a time, which bounds what
    a crash can make it send twice (see _send_all).
    """
    if not _SENDING.start(activity_id):
        if hops == 0:
            # The run that schedules retries must not be lost: look again once this process's
            # sender may be done.
            rt.jobs.enqueue("fan_out", activity_id, 0, delay=1.0)
        elif hops < MAX_HELPER_HOPS:
            rt.jobs.enqueue("fan_out", activity_id, hops + 1, delay=0.2)
        return
    try:
        _fan_out(rt, activity_id, helper=hops > 0)
    finally:
        _SENDING.stop(activity_id)


def _fan_out(rt: Runtime, activity_id: int, *, helper: bool) -> None:
    with rt.db.reader() as session:
        activity = session.get(OutboxActivity, activity_id)
        sender = session.get(Account, activity.account_id) if activity is not None else None
    if activity is None or sender is None or sender.private_key_pem is None:
        return
    body = json.dumps(activity.payload, separators=(",", ":"), ensure_ascii=False).encode()
    key = KeyPair(key_id=sender.public_key_id, private_key_pem=sender.private_key_pem)
    always = activity.activity_type in ALWAYS_SENT
    batch = _batch_size(rt)
    asked_for_help = False
    # Only what was due when this run started: a retry scheduled during the run waits its turn.
    started = datetime.now(UTC)
    while True:
        claimed = _claim(rt, activity_id, due_by=started, limit=batch)
        if not claimed:
            break
        if len(claimed) == batch and not asked_for_help:
            rt.jobs.enqueue("fan_out", activity_id, 1)
            asked_for_help = True
        sendable, held, healthy = _apply_host_rules(rt, claimed, always=always)
        _record(rt, held, healthy)
        _send_all(rt, body, key, sendable, healthy)
    if not helper:
        _schedule_next(rt, activity_id)


def _batch_size(rt: Runtime) -> int:
    """Small enough that a fan-out to a few hundred inboxes already spreads over workers."""
    return min(BATCH, rt.settings.federation.delivery_concurrency * 8)


class _Activities:
    """The activities this process is sending now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def start(self, activity_id: int) -> bool:
        with self._lock:
            if activity_id in self._ids:
                return False
            self._ids.add(activity_id)
            return True

    def stop(self, activity_id: int) -> None:
        with self._lock:
            self._ids.discard(activity_id)


_SENDING = _Activities()


def _claim(rt: Runtime, activity_id: int, *, due_by: datetime, limit: int) -> list[Delivery]:
    with rt.db.session() as session:
        return store.claim(
            session,
            activity_id,
            due_by=due_by,
            now=datetime.now(UTC),
            limit=limit,
            lease=LEASE,
            holder=rt.jobs.process_id,
        )


def _apply_host_rules(
    rt: Runtime, deliveries: list[Delivery], *, always: bool
) -> tuple[list[Delivery], list[Outcome], set[str]]:
    """Deliveries to send now, outcomes for those held back, and the hosts with a clean record
    (a success there needs no bookkeeping)."""
    hosts = {d.host for d in deliveries}
    with rt.db.reader() as session:
        peers = store.peers(session, hosts)
    healthy = {h for h in hosts if h not in peers or _clean(peers[h])}
    now = datetime.now(UTC)
    sendable: list[Delivery] = []
    held: list[Outcome] = []
    for delivery in deliveries:
        peer = peers.get(delivery.host)
        if rt.domains.suspended(delivery.host):
            # Blocked after the activity was stored: it never leaves.
            held.append(Outcome.of(delivery, Attempt.SKIPPED, error="domain blocked"))
        elif peer is not None and peer.unavailable and not always:
            held.append(Outcome.of(delivery, Attempt.SKIPPED, error="host unavailable"))
        elif peer is not None and peer.circuit_open_until is not None and peer.circuit_open_until > now:
            held.append(Outcome.of(delivery, Attempt.POSTPONED))
        else:
            sendable.append(delivery)
    return sendable, held, healthy


def _clean(peer: Peer) -> bool:
    return not (peer.consecutive_failures or peer.failure_days or peer.unavailable or peer.circuit_open_until)


def _send_all(rt: Runtime, body: bytes, key: KeyPair, deliveries: list[Delivery], healthy: set[str]) -> None:
    """Send concurrently and record outcomes as they come: a crash re-sends only what was sent
    but not yet recorded, never what was already recorded as delivered."""
    if not deliveries:
        return
    workers = min(rt.settings.federation.delivery_concurrency, len(deliveries))
    # A new request starts only while fewer than this many are sent and unrecorded, so that is
    # the most a crash can make us send twice, however slow the database is to record.
    unrecorded_limit = workers + RECORD_EVERY
    waiting = iter(deliveries)
    running: set[Future[Outcome]] = set()
    done: list[Outcome] = []
    last_write = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deliver") as pool:
        while True:
            while len(running) + len(done) < unrecorded_limit and (d := next(waiting, None)) is not None:
                running.add(pool.submit(_send_one, rt, body, key, d))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            done.extend(future.result() for future in finished)
            if len(done) >= RECORD_EVERY or time.monotonic() - last_write > RECORD_INTERVAL_S:
                _record(rt, done, healthy)
                done, last_write = [], time.monotonic()
    _record(rt, done, healthy)


def _send_one(rt: Runtime, body: bytes, key: KeyPair, delivery: Delivery) -> Outcome:
    try:
        status = rt.http.post_activity(delivery.inbox_url, body, signed_as=key)
    except FetchGone as exc:
        return Outcome.of(delivery, Attempt.GONE, status=410, error=str(exc)[:1000])
    except FetchUnavailable as exc:
        return Outcome.of(delivery, Attempt.RETRY, error=str(exc)[:1000])
    except FetchError as exc:
        return Outcome.of(delivery, Attempt.FAILED, error=str(exc)[:1000])
    return Outcome.of(delivery, Attempt.DELIVERED, status=status)


def _record(rt: Runtime, outcomes: list[Outcome], healthy: set[str]) -> None:
    """Write outcomes with one bulk UPDATE; touch peer rows only when a host's record changes."""
    if not outcomes:
        return
    now = datetime.now(UTC)
    scale = rt.settings.federation.retry_delay_scale
    with rt.db.session() as session:
        store.record(session, [_row_values(o, now, scale) for o in outcomes])
        _update_peers(
            session,
            [o for o in outcomes if not (o.result == Attempt.DELIVERED and o.host in healthy)],
            now,
            healthy,
        )
        for outcome in outcomes:
            if outcome.result == Attempt.GONE:
                # A 410 from a personal inbox means its actor is gone: never deliver to it again.
                store.forget_inbox(session, outcome.inbox_url, now)


def _row_values(outcome: Outcome, now: datetime, scale: float) -> dict[str, Any]:
    made = outcome.attempts + 1
    status, error = outcome.status, outcome.error
    match outcome.result:
        case Attempt.POSTPONED:
            values = Delivery.reschedule(
                attempts=outcome.attempts, at=now + CIRCUIT_COOL_OFF, status=status, error=error
            )
        case Attempt.SKIPPED:
            values = Delivery.end(
                DeliveryState.SKIPPED, attempts=outcome.attempts, now=now, status=status, error=error
            )
        case Attempt.RETRY if made < MAX_ATTEMPTS:
            at = now + retry_delay(made, scale=scale)
            values = Delivery.reschedule(attempts=made, at=at, status=status, error=error)
        case Attempt.RETRY | Attempt.FAILED:
            values = Delivery.end(DeliveryState.FAILED, attempts=made, now=now, status=status, error=error)
        case Attempt.GONE:
            values = Delivery.end(DeliveryState.GONE, attempts=made, now=now, status=status, error=error)
        case Attempt.DELIVERED:
            values = Delivery.end(DeliveryState.DELIVERED, attempts=made, now=now, status=status, error=error)
    return {"id": outcome.delivery_id, **values}


def _update_peers(session: Session, outcomes: list[Outcome], now: datetime, healthy: set[str]) -> None:
    today = now.date().isoformat()
    for host in {o.host for o in outcomes if o.result in _REACHED_FOR}:
        mine = [o for o in outcomes if o.host == host]
        peer = session.get(Peer, host) or Peer(host=host)
        if any(o.result in _ANSWERED for o in mine):
            # The host answered: it is up, whatever it thought of this one activity.
            peer.consecutive_failures = 0
            peer.failure_days = []
            peer.unavailable = False
            peer.circuit_open_until = None
            peer.last_success_at = now
            healthy.add(host)
        else:
            healthy.discard(host)
            peer.consecutive_failures += sum(o.result == Attempt.RETRY for o in mine)
            if today not in peer.failure_days:
                peer.failure_days = [*peer.failure_days, today]
            if peer.consecutive_failures >= CIRCUIT_THRESHOLD:
                peer.circuit_open_until = now + CIRCUIT_COOL_OFF
                peer.consecutive_failures = 0
                log.warning("delivery circuit open for %s for %s", host, CIRCUIT_COOL_OFF)
            if len(peer.failure_days) >= UNAVAILABLE_AFTER_DAYS and not peer.unavailable:
                peer.unavailable = True
                log.warning(
                    "%s failed deliveries on %d days: marked unavailable", host, UNAVAILABLE_AFTER_DAYS
                )
        session.add(peer)


def _schedule_next(rt: Runtime, activity_id: int) -> None:
    with rt.db.reader() as session:
        earliest = store.next_attempt_at(session, activity_id)
    if earliest is None:
        return
    if earliest.tzinfo is None:
        earliest = earliest.replace(tzinfo=UTC)
    delay = max((earliest - datetime.now(UTC)).total_seconds(), 0.0)
    rt.jobs.enqueue("fan_out", activity_id, delay=delay + 0.5)


def due_activities(rt: Runtime, *, limit: int = 500) -> list[int]:
    """Activities with deliveries that are due and unclaimed: their jobs may have been lost."""
    with rt.db.reader() as session:
        return store.due_activity_ids(session, datetime.now(UTC), limit=limit)
