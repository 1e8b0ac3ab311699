"""FEP-521a multikeys: Ed25519 public keys in an actor's ``assertionMethod``.

A multikey is ``z`` (multibase base58btc) followed by the base58 of the multicodec prefix
``0xed 0x01`` and the 32 raw key bytes. Verification works on PEM, like RSA keys, so a
multikey is turned into a SubjectPublicKeyInfo PEM once, when its actor is stored.
"""

from __future__ import annotations

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..errors import FormatError

ED25519_PREFIX = b"\xed\x01"
MAX_MULTIBASE_LENGTH = 128


def ed25519_pem_from_multibase(value: object) -> str:
    """The PEM of an Ed25519 ``publicKeyMultibase``; FormatError for anything else."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > MAX_MULTIBASE_LENGTH:
        raise FormatError("publicKeyMultibase must be a base58btc multibase string")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise FormatError("publicKeyMultibase is not valid base58") from exc
    if not raw.startswith(ED25519_PREFIX) or len(raw) != len(ED25519_PREFIX) + 32:
        raise FormatError("publicKeyMultibase is not an Ed25519 key")
    key = ed25519.Ed25519PublicKey.from_public_bytes(raw[len(ED25519_PREFIX) :])
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
