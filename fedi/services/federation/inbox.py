"""Accepting activities into an inbox: verify, check origin, de-duplicate, store durably.

The HTTP answer (202) is given only after the activity is committed; processing happens in a
job. Everything refused here is refused before anything is stored.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from activitypub.errors import FormatError, SignatureError, SignatureInvalid
from activitypub.objects import ActivityView, same_origin
from activitypub.signatures.verify import signature_key_id, verify_request
from fedi.errors import BadRequest, FediError, Forbidden, PayloadTooLarge, Unauthorized
from fedi.models.federation import InboxItem
from fedi.runtime import Runtime
from fedi.services.federation.remote import account_for_key, is_local_uri

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # Mastodon's ActivityPub::Activity::MAX_JSON_SIZE


def accept(
    rt: Runtime,
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    recipient_account_id: int | None,
) -> bool:
    """Verify and store an incoming activity; False when it was already received (a duplicate)."""
    activity = _parse(body)
    key_id = signature_key_id(headers)
    if key_id is None:
        raise Unauthorized("Request not signed")
    signer = _verified_signer(rt, method, url, headers, body, key_id)
    if signer["suspended"] or signer["deleted"]:
        raise Forbidden("The signer's account is suspended or deleted")
    # The signer speaks for itself only: an activity naming another actor is refused, whatever
    # its signature (no LD signatures are trusted).
    if activity.actor != signer["uri"]:
        raise Unauthorized(f"{key_id} is not allowed to act as {activity.actor}")
    if is_local_uri(rt, activity.actor) or is_local_uri(rt, activity.id):
        raise BadRequest("Activities from this server cannot arrive from outside")
    if not same_origin(activity.id, activity.actor):
        raise BadRequest("The activity id is not on its actor's server")
    item = InboxItem(
        activity_id=activity.id[:2048],
        activity_type=activity.type[:64],
        actor_uri=activity.actor,
        recipient_account_id=recipient_account_id,
        payload=activity.raw,
    )
    try:
        with rt.db.session() as session:
            if session.exec(select(InboxItem.id).where(InboxItem.activity_id == item.activity_id)).first():
                return False
            session.add(item)
            session.flush()
            rt.jobs.after_commit(session, "process_inbox", item.id)
    except IntegrityError:
        return False  # the same activity arrived twice at once: the first one is kept
    return True


def _parse(body: bytes) -> ActivityView:
    if len(body) > MAX_BODY:
        raise PayloadTooLarge("Request body too large")
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Request body is not JSON") from None
    try:
        return ActivityView(payload)
    except FormatError as exc:
        raise BadRequest(f"Not an activity: {exc}") from None


def _verified_signer(
    rt: Runtime, method: str, url: str, headers: dict[str, str], body: bytes, key_id: str
) -> dict[str, Any]:
    """Verify the signature; on failure refetch the key once (the actor may have rotated it)."""
    for refresh in (False, True):
        try:
            with rt.db.session() as session:
                signer = account_for_key(session, rt, key_id, refresh=refresh)
                facts = {
                    "uri": signer.uri,
                    "pem": signer.public_key_pem,
                    "suspended": signer.suspended,
                    "deleted": signer.deleted_at is not None,
                }
        except FediError as exc:
            raise Unauthorized(f"Unable to fetch key JSON at {key_id}: {exc.message}") from None
        try:
            verify_request(
                method, url, headers, body, public_key_pem=str(facts["pem"]), now=datetime.now(UTC)
            )
            return facts
        except SignatureInvalid as exc:
            if refresh:
                raise Unauthorized(str(exc)) from None
            log.info("signature by %s did not verify; refetching its key once", key_id)
        except SignatureError as exc:
            raise Unauthorized(str(exc)) from None
    raise AssertionError("unreachable")
