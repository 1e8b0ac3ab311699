"""Accepting activities into an inbox: verify, check origin, de-duplicate, store durably.

Checks run in order of cost, so that junk is refused before it costs anything: the signature
header's syntax, the JSON body, the claims that need no key (local ids, origins), then inside
`verify_request` the time window, the covered headers and the digest; only then is the key
looked up (memory, then the database, then a fetch from the signer's server), and last the
signature itself is checked.

A key fetch never holds the request: verification raises KeyPending with the fetch's future,
the handler waits for it a few seconds (`key_fetch_wait_s`) without holding a thread, verifies
again, and answers 401 if the key still is not there; the fetch goes on and the sender's retry
finds the key. See fetches.py for the budgets that bound the fetches themselves.

Storing goes through one writer thread that commits whatever arrived meanwhile in a single
transaction (group commit): SQLite has one writer, and thirty threads queueing on its lock would
sleep in its busy handler instead. The HTTP answer (202) is given only after the commit;
processing happens in jobs. Everything refused is refused before anything is stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from activitypub import strictjson
from activitypub.errors import FormatError, SignatureError, SignatureInvalid
from activitypub.objects import ActivityView, same_origin
from activitypub.signatures.verify import signature_key_id, verify_request
from activitypub.urls import host_of
from activitypub.validate import check_activity
from fedi.errors import BadRequest, FediError, Forbidden, PayloadTooLarge, TooManyRequests, Unauthorized
from fedi.ids import new_id
from fedi.models.accounts import Account
from fedi.models.federation import InboxState
from fedi.runtime import Runtime
from fedi.services.federation import remote
from fedi.store import accounts as account_store
from fedi.store import inbox as inbox_store

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # Mastodon's ActivityPub::Activity::MAX_JSON_SIZE
# A key that failed to verify is fetched again at most this often (a forger must not make us
# hammer its victim's server, nor slow our inbox down).
KEY_REFRESH_COOLDOWN = timedelta(minutes=5)
KEY_CACHE_TTL = 300.0
# Processing jobs carry the ids of up to this many items stored together.
JOB_CHUNK = 16


class KeyPending(Exception):
    """The signer's key is being fetched; verify again once `future` is done (or give up)."""

    def __init__(self, future: Future[Any]) -> None:
        super().__init__("the signer's key is being fetched")
        self.future = future


@dataclass(frozen=True)
class Verified:
    """An activity that passed every check, ready to store."""

    activity_id: str
    activity_type: str
    actor_uri: str
    recipient_account_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Signer:
    uri: str
    pem: str
    suspended: bool
    deleted: bool
    fetched_at: datetime | None

    @classmethod
    def of(cls, account: Account, key_id: str) -> Signer:
        pem = remote.signing_key_pem(account, key_id)
        assert pem is not None
        return cls(
            account.uri,
            pem,
            account.suspended,
            account.deleted_at is not None,
            account.fetched_at,
        )

    def may_refetch(self) -> bool:
        return self.fetched_at is None or datetime.now(UTC) - self.fetched_at >= KEY_REFRESH_COOLDOWN


def verify(
    rt: Runtime,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    recipient_account_id: int | None,
) -> Verified:
    """Check an incoming activity; returns the row to store, or raises with the HTTP status
    (KeyPending while the signer's key is being fetched)."""
    key_id = _key_id(headers)
    activity = _parse(body)
    _check_claims(rt, activity, key_id)
    signer = verified_signer(rt, method, url, headers, body, key_id)
    if signer.suspended or signer.deleted:
        raise Forbidden("The signer's account is suspended or deleted")
    # The signer speaks for itself only: an activity naming another actor is refused, whatever
    # its signature (no LD signatures are trusted).
    if activity.actor != signer.uri:
        raise Unauthorized(f"{key_id[:500]} is not allowed to act as {activity.actor[:500]}")
    retry_after = rt.budgets.inbox_post(host_of(signer.uri))
    if retry_after is not None:
        raise TooManyRequests(
            f"Too many activities from {host_of(signer.uri)}; try again later", retry_after=retry_after
        )
    return Verified(
        activity_id=activity.id[:2048],
        activity_type=activity.type[:64],
        actor_uri=activity.actor,
        recipient_account_id=recipient_account_id,
        payload=activity.raw,
    )


def _key_id(headers: dict[str, str]) -> str:
    try:
        key_id = signature_key_id(headers)
    except SignatureError as exc:
        raise Unauthorized(str(exc)) from None
    if key_id is None:
        raise Unauthorized("Request not signed")
    return key_id


def _parse(body: bytes) -> ActivityView:
    if len(body) > MAX_BODY:
        raise PayloadTooLarge("Request body too large")
    try:
        activity = ActivityView(strictjson.loads(body))
        check_activity(activity.raw)
    except FormatError as exc:
        raise BadRequest(f"Not an activity: {exc}") from None
    return activity


def _check_claims(rt: Runtime, activity: ActivityView, key_id: str) -> None:
    """What can be refused without the key: local ids, ids on the wrong server, blocked servers."""
    if rt.domains.suspended(remote.host_or_none(activity.actor)) or rt.domains.suspended(
        remote.host_or_none(key_id)
    ):
        raise Forbidden("This server is blocked here")
    if remote.is_local_uri(rt, activity.actor) or remote.is_local_uri(rt, activity.id):
        raise BadRequest("Activities from this server cannot arrive from outside")
    if not same_origin(activity.id, activity.actor):
        raise BadRequest("The activity id is not on its actor's server")
    if not same_origin(key_id, activity.actor):
        # An actor's key lives on the actor's server (remote.upsert_actor): no need to fetch it.
        raise Unauthorized(f"{key_id[:500]} is not allowed to act as {activity.actor[:500]}")


def verified_signer(
    rt: Runtime, method: str, url: str, headers: dict[str, str], body: bytes, key_id: str
) -> Signer:
    """Verify the signature; on failure refetch the key once (the actor may have rotated it)."""
    keys = _KeyLookup(rt)
    try:
        verify_request(method, url, headers, body, public_key_pem=keys.lookup, now=datetime.now(UTC))
    except SignatureInvalid as exc:
        if keys.found is None or not keys.found.may_refetch():
            raise Unauthorized(str(exc)) from None
        log.info("signature by %s did not verify; refetching its key once", key_id)
        raise KeyPending(_refetch(rt, key_id)) from None
    except SignatureError as exc:
        raise Unauthorized(str(exc)) from None
    assert keys.found is not None
    return keys.found


class _KeyLookup:
    """Finds a key for verify_request: memory, the database, then the signer's server."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self.found: Signer | None = None

    def lookup(self, key_id: str) -> str:
        signer = self._rt.key_cache.get(key_id)
        if signer is None:
            signer = _stored_signer(self._rt, key_id) or Signer.of(
                _settled(_start_key_fetch(self._rt, key_id), key_id), key_id
            )
            self._rt.key_cache.put(key_id, signer)
        self.found = signer
        return signer.pem


def _stored_signer(rt: Runtime, key_id: str) -> Signer | None:
    """The stored holder of an RSA `publicKey`, or of an Ed25519 multikey of its actor."""
    with rt.db.reader() as session:
        account = account_store.by_key_id(session, key_id) or account_store.by_uri(
            session, key_id.split("#", 1)[0]
        )
    if account is None or remote.signing_key_pem(account, key_id) is None:
        return None
    return Signer.of(account, key_id)


def _start_key_fetch(rt: Runtime, key_id: str) -> Future[Account]:
    try:
        return remote.key_holder(rt, key_id)
    except FediError as exc:
        raise Unauthorized(f"Unable to fetch key JSON at {key_id[:500]}: {exc.message}") from None


def _settled(future: Future[Account], key_id: str) -> Account:
    if not future.done():
        raise KeyPending(future)
    try:
        return future.result()
    except FediError as exc:
        raise Unauthorized(f"Unable to fetch key JSON at {key_id[:500]}: {exc.message}") from None


def _refetch(rt: Runtime, key_id: str) -> Future[Account]:
    future = _start_key_fetch(rt, key_id)
    future.add_done_callback(lambda _: rt.key_cache.forget(key_id))
    return future


class KeyCache:
    """Recently used signers by key id, so a busy inbox does not query the database per request."""

    def __init__(self, ttl: float = KEY_CACHE_TTL, size: int = 10_000) -> None:
        self._ttl = ttl
        self._size = size
        self._items: dict[str, tuple[float, Signer]] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> Signer | None:
        with self._lock:
            entry = self._items.get(key_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, key_id: str, signer: Signer) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key_id] = (time.monotonic(), signer)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._items.pop(key_id, None)


class InboxWriter:
    """One thread that stores accepted activities in batches, one transaction per batch."""

    BATCH = 256
    LINGER_S = 0.002

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._queue: queue.Queue[tuple[Verified, Future[bool]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()

    def submit(self, item: Verified) -> Future[bool]:
        """A future that resolves once the item is committed: True when new, False if known."""
        future: Future[bool] = Future()
        self._queue.put((item, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.LINGER_S
            while len(batch) < self.BATCH:
                try:
                    entry = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                if entry is None:
                    self._queue.put(None)
                    break
                batch.append(entry)
            self._store(batch)

    def _store(self, batch: list[tuple[Verified, Future[bool]]]) -> None:
        try:
            created = _insert_new(self._rt, [item for item, _ in batch])
        except Exception as exc:
            log.exception("storing %d inbox item(s) failed", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for item, future in batch:
            future.set_result(created.pop(item.activity_id, None) is not None)


def _insert_new(rt: Runtime, items: list[Verified]) -> dict[str, int]:
    """Insert the items not stored yet (by activity id); returns activity id → row id of new ones."""
    unique = {item.activity_id: item for item in reversed(items)}
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "activity_id": item.activity_id,
            "activity_type": item.activity_type,
            "actor_uri": item.actor_uri,
            "recipient_account_id": item.recipient_account_id,
            "payload": item.payload,
            "state": InboxState.PENDING,
            "attempts": 0,
            "received_at": now,
        }
        for item in unique.values()
    ]
    with rt.db.session() as session:
        created = inbox_store.insert_new(session, rows)
        ids = list(created.values())
        for start in range(0, len(ids), JOB_CHUNK):
            rt.jobs.after_commit(session, "process_inbox", ids[start : start + JOB_CHUNK])
    return created


def require_signed_fetch(rt: Runtime, *, method: str, url: str, headers: dict[str, str]) -> None:
    """In `federation.authorized_fetch` mode, our documents go only to signed requests from
    servers whose actors we can verify (Mastodon's "secure mode")."""
    if not rt.settings.federation.authorized_fetch:
        return
    key_id = _key_id(headers)
    if rt.domains.suspended(remote.host_or_none(key_id)):
        raise Forbidden("This server is blocked here")
    signer = verified_signer(rt, method, url, headers, b"", key_id)
    if signer.suspended or signer.deleted:
        raise Forbidden("The signer's account is suspended or deleted")
