"""Finding 3: a captured rsa-sha256 signature, relabelled hs2019 with a fresh unsigned `created`,
verified again (the time check trusted an unsigned parameter)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.runtime import Runtime
from tests.activitypub.signing import mastodon_signed
from tests.federation.helpers import BASE, create, note

BOB = "https://remote.test/users/bob"


async def test_finding_3_a_thirty_day_old_delivery_relabelled_hs2019_is_refused(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    body = json.dumps(create(BOB, note(BOB, f"{BOB}/statuses/1"))).encode()
    captured = mastodon_signed(
        "POST",
        f"{BASE}/inbox",
        body,
        private_pem=STATIC_KEYS[1].private_key_pem,
        key_id=f"{BOB}#main-key",
        date=datetime.now(UTC) - timedelta(days=30),
        extra={"Content-Type": "application/activity+json"},
    )
    # As captured, it is too old.
    assert (await client.post("/inbox", content=body, headers=captured)).status_code == 401
    now = int(datetime.now(UTC).timestamp())
    replayed = dict(captured)
    replayed["Signature"] = (
        captured["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"') + f",created={now}"
    )
    response = await client.post("/inbox", content=body, headers=replayed)
    assert response.status_code == 401, response.text
