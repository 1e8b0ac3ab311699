"""The image review queue: images the image check flagged, held before they are posted
(`generation.hold_flagged`), until a moderator approves (publish) or rejects (fail) them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from fedi.errors import NotFound
from fedi.models.accounts import Account
from fedi.models.generations import Generation
from fedi.models.media import MediaAttachment
from fedi.runtime import Runtime
from fedi.services import audit, directory, generations
from fedi.store import generations as store
from fedi.store import media as media_store

SHOWN = 50


@dataclass(frozen=True)
class Held:
    generation: Generation
    media: MediaAttachment | None
    requester: Account
    reason: str


def queue(session: Session) -> list[Held]:
    found = []
    for row in store.held(session, SHOWN):
        media = media_store.get(session, row.media_id) if row.media_id else None
        reason = str((media.generation or {}).get("flagged", "")) if media is not None else ""
        found.append(Held(row, media, directory.account(session, row.account_id), reason))
    return found


def _held(session: Session, generation_id: int) -> Generation:
    row = session.get(Generation, generation_id)
    if row is None or not row.held:
        raise NotFound("No such image waiting for review")
    return row


def approve(session: Session, rt: Runtime, generation_id: int, *, by: Account | None) -> Generation:
    row = _held(session, generation_id)
    generations.release_held(session, rt, row)
    audit.record(session, by, "approve_image", "Generation", row.id, row.prompt[:200])
    return row


def reject(session: Session, rt: Runtime, generation_id: int, *, by: Account | None) -> Generation:
    row = _held(session, generation_id)
    generations.reject_held(session, rt, row)
    audit.record(session, by, "reject_image", "Generation", row.id, row.prompt[:200])
    return row
