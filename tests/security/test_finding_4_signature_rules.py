"""Finding 4: weak signature rules. 1024-bit RSA keys verified; a POST signed over `date` and
`digest` alone was valid for any path on any host; Ed25519 (FEP-521a) keys were not understood."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import cache

import base58
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from activitypub.testing import STATIC_KEYS, FakeRemote
from fedi.runtime import Runtime
from tests.activitypub.signing import mastodon_signed
from tests.federation.helpers import BASE, create, note

BOB = "https://remote.test/users/bob"
ED = "https://remote.test/users/ed"
ED_KEY_ID = f"{ED}#ed25519-key"


@cache
def _rsa_1024() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _signed_post(body: bytes, private_pem: str, key_id: str, **kwargs: object) -> dict[str, str]:
    return mastodon_signed(
        "POST",
        f"{BASE}/inbox",
        body,
        private_pem=private_pem,
        key_id=key_id,
        date=datetime.now(UTC),
        extra={"Content-Type": "application/activity+json"},
        **kwargs,  # type: ignore[arg-type]
    )


async def test_finding_4_a_1024_bit_rsa_key_does_not_verify(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    private, public = _rsa_1024()
    document = remote.add_actor("bob")
    remote.add_object(BOB, {**document, "publicKey": {**document["publicKey"], "publicKeyPem": public}})
    body = json.dumps(create(BOB, note(BOB, f"{BOB}/statuses/1"))).encode()
    response = await client.post(
        "/inbox", content=body, headers=_signed_post(body, private, f"{BOB}#main-key")
    )
    assert response.status_code == 401, response.text


async def test_finding_4_a_post_must_sign_host_and_request_target(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    remote.add_actor("bob", key=STATIC_KEYS[1])
    body = json.dumps(create(BOB, note(BOB, f"{BOB}/statuses/1"))).encode()
    for signed in (["date", "digest"], ["host", "date", "digest"], ["(request-target)", "date", "digest"]):
        headers = _signed_post(body, STATIC_KEYS[1].private_key_pem, f"{BOB}#main-key", signed=signed)
        response = await client.post("/inbox", content=body, headers=headers)
        assert response.status_code == 401, (signed, response.text)


async def test_finding_4_an_ed25519_multikey_signature_verifies(
    runtime: Runtime, remote: FakeRemote, client: httpx.AsyncClient
) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    multibase = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
    document = remote.add_actor("ed")
    document["assertionMethod"] = [
        {"id": ED_KEY_ID, "type": "Multikey", "controller": ED, "publicKeyMultibase": multibase}
    ]
    remote.add_object(ED, document)
    body = json.dumps(create(ED, note(ED, f"{ED}/statuses/1"))).encode()
    # The RSA helper builds the string to sign; sign it with Ed25519 instead (hs2019).
    headers = _signed_post(body, STATIC_KEYS[1].private_key_pem, ED_KEY_ID, algorithm="hs2019")
    names = headers["Signature"].split('headers="', 1)[1].split('"', 1)[0].split()
    values = {"(request-target)": "post /inbox", **{k.lower(): v for k, v in headers.items()}}
    signing_string = "\n".join(f"{n}: {values[n]}" for n in names).encode()
    signature = base64.b64encode(key.sign(signing_string)).decode()
    headers["Signature"] = (
        f'keyId="{ED_KEY_ID}",algorithm="hs2019",headers="{" ".join(names)}",signature="{signature}"'
    )
    response = await client.post("/inbox", content=body, headers=headers)
    assert response.status_code == 202, response.text
