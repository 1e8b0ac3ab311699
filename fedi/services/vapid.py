"""The server's VAPID key pair (RFC 8292): made once, kept in the database, or set in config.

Push services tie every subscription to the public key the client was given
(`vapid_key` on the app, `configuration.vapid.public_key`, `server_key` on the subscription), so
the key must outlive restarts: changing it silently breaks every subscription.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fedi.models.push import ServerKey
from fedi.runtime import Runtime
from fedi.store import push as store

KEY_NAME = "vapid"


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    # The uncompressed P-256 point, base64url without padding (what clients pass to the browser).
    public_key: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def _private_key_from(text: str) -> ec.EllipticCurvePrivateKey:
    """A PEM private key, or the raw 32-byte scalar in base64url (what `web-push` tools print)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the VAPID key must be a P-256 (prime256v1) key")
        return key
    return ec.derive_private_key(int.from_bytes(b64url_decode(text), "big"), ec.SECP256R1())


def keys(rt: Runtime) -> VapidKeys:
    """This server's VAPID keys (kept on the runtime after the first call)."""
    return rt.vapid


def load_or_make(rt: Runtime) -> VapidKeys:
    """The configured keys, else the kept ones; on a new database, make and keep a pair."""
    configured = rt.settings.push
    if configured.vapid_private_key:
        private_key = _private_key_from(configured.vapid_private_key)
        public_key = public_key_of(private_key)
        if public_key != configured.vapid_public_key.strip().rstrip("="):
            raise ValueError("push.vapid_public_key is not the public half of push.vapid_private_key")
        return VapidKeys(private_key, public_key)
    with rt.db.session() as session:
        kept = store.server_key(session, KEY_NAME)
        if kept is None:
            made = ec.generate_private_key(ec.SECP256R1())
            pem = made.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            kept = store.keep_server_key(
                session, ServerKey(name=KEY_NAME, private_key_pem=pem, public_key=public_key_of(made))
            )
        private_key = _private_key_from(kept.private_key_pem)
        return VapidKeys(private_key, kept.public_key)
