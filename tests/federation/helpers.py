"""Building signed requests the way other servers send them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from activitypub.client import KeyPair
from activitypub.signatures import cavage, rfc9421

BASE = "https://fedi.test"


def signed_headers(
    method: str,
    path: str,
    body: bytes | None,
    key: KeyPair,
    *,
    scheme: str = "cavage",
    now: datetime | None = None,
    content_type: str | None = "application/activity+json",
) -> dict[str, str]:
    url = BASE + path
    headers = {"Content-Type": content_type} if content_type and body is not None else {}
    sign = cavage.sign if scheme == "cavage" else rfc9421.sign
    headers |= sign(
        method,
        url,
        headers,
        body,
        private_key_pem=key.private_key_pem,
        key_id=key.key_id,
        now=now or datetime.now(UTC),
    )
    return headers


async def post_activity(
    client: httpx.AsyncClient,
    activity: dict[str, Any],
    key: KeyPair,
    *,
    path: str = "/inbox",
    scheme: str = "cavage",
    now: datetime | None = None,
) -> httpx.Response:
    body = json.dumps(activity).encode()
    headers = signed_headers("POST", path, body, key, scheme=scheme, now=now)
    return await client.post(path, content=body, headers=headers)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def note(actor_id: str, object_id: str, content: str = "<p>hello</p>", **extra: Any) -> dict[str, Any]:
    return {
        "id": object_id,
        "type": "Note",
        "attributedTo": actor_id,
        "content": content,
        "published": "2026-11-20T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor_id}/followers"],
        **extra,
    }


def create(actor_id: str, note_doc: dict[str, Any], activity_id: str | None = None) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": activity_id or note_doc["id"] + "/activity",
        "type": "Create",
        "actor": actor_id,
        "to": note_doc.get("to", []),
        "cc": note_doc.get("cc", []),
        "object": note_doc,
    }
